"""``python -m ntkbook verify [--chapter NAME] [--json FILE]``

Executes the chapter notebooks headless (jupytext → nbclient, one kernel per notebook, working
directory = the notebook's folder), prints progress, then the ledger as a table and its
kind × status counts, writes it as JSON (default ``_build/ledger.json``) and exits 1 if a claim is
violated, a notebook errors, a notebook opens a ledger but records nothing, or a falsifiable claim
names no existing negative control. The records are read from the executed notebooks' output
metadata (see :mod:`ntkbook.ledger`), so nothing is left behind in temporary directories.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from . import ledger as _ledger

BOOK = _ledger.REPO_ROOT / "book"


def notebooks(chapter: str | None = None, book: Path = BOOK) -> list[Path]:
    """The jupytext notebooks of one chapter (or all), in table-of-contents order."""
    root = Path(book)
    chapters = [root / chapter] if chapter else sorted(p for p in root.iterdir() if p.is_dir())
    if chapter and not chapters[0].is_dir():
        known = ", ".join(sorted(p.name for p in root.iterdir() if p.is_dir()))
        raise SystemExit(f"no chapter {chapter!r} (known: {known})")
    out = []
    for ch in chapters:
        for p in sorted(ch.glob("*.md")):
            head = p.read_text(encoding="utf-8")[:2000]
            if head.startswith("---") and "kernelspec" in head:
                out.append(p)
    return out


def execute(path: Path, timeout: int = 1800):
    """Run one notebook; return (ok, error text, executed notebook)."""
    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = jupytext.read(path, fmt="md:myst")
    client = NotebookClient(nb, timeout=timeout, startup_timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
        return True, "", nb
    except CellExecutionError as err:
        return False, (str(err).strip().splitlines()[-1] if str(err).strip() else repr(err)), nb
    except Exception as err:  # noqa: BLE001 - report any kernel failure as a notebook error
        return False, f"{type(err).__name__}: {err}", nb


def _fmt_table(rows: list[dict]) -> str:
    cols = ["claim", "kind", "status", "margin", "hypothesis met", "certified", "checked",
            "notebook"]
    cells = [[str(r[c]) for c in cols] for r in rows]
    widths = [max(len(c), *(len(x[i]) for x in cells)) if cells else len(c) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(w) for c, w in zip(cols, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(x.ljust(w) for x, w in zip(row, widths)) for row in cells]
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ntkbook")
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="execute chapter notebooks and print the claims ledger")
    v.add_argument("--chapter", help="one chapter folder under book/ (default: all)")
    v.add_argument("--json", default=str(_ledger.REPO_ROOT / "_build" / "ledger.json"),
                   help="write the ledger to this JSON file (default _build/ledger.json)")
    v.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    v.add_argument("--book", default=str(BOOK), help=argparse.SUPPRESS)  # for tests
    args = parser.parse_args(argv)

    book = Path(args.book)
    paths = notebooks(args.chapter, book)
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 1
    os.environ.pop("NTKBOOK_LEDGER_DIR", None)      # records travel in the executed notebooks
    env = _ledger.run_environment()
    print("run environment: " + ", ".join(f"{k} {v}" for k, v in env.items()), flush=True)
    errors, records, headers = [], [], []
    t_all = time.perf_counter()
    for i, p in enumerate(paths, 1):
        rel = p.relative_to(book)
        print(f"[{i}/{len(paths)}] {rel} ...", end=" ", flush=True)
        t0 = time.perf_counter()
        ok, err, nb = execute(p, args.timeout)
        dt = time.perf_counter() - t0
        hs, recs = _ledger.records_from_notebook(nb)
        if ok and hs and not recs:
            ok, err = False, "the notebook opens a Ledger but records no claim"
        print(f"{'ok' if ok else 'ERROR'} ({dt:.1f} s, {len(recs)} claims)"
              + ("" if ok else f"\n    {err}"), flush=True)
        if not ok:
            errors.append((str(rel), err))
        headers += hs
        records += recs

    rows = [{"claim": r["id"], "kind": r["kind"],
             "status": f"{_ledger.MARKS.get(r['status'], '·')} {r['status']}",
             "margin": _ledger.format_margin(r),
             "hypothesis met": {True: "yes", False: "no", None: "n/a"}[r["hypothesis_met"]],
             "certified": r.get("certified") or "",
             "checked": r["count"], "notebook": f"{r['chapter']}/{r['notebook']}"} for r in records]
    print()
    print(_fmt_table(rows))
    print()
    print(_ledger.kind_status_text(records))
    print()
    print(f"{len(records)} claims from {len(paths)} notebooks in {time.perf_counter() - t_all:.0f} s.")
    print(_ledger.headline(records))
    problems = _ledger.audit(records)
    for problem in problems:
        print(f"ledger audit: {problem}", file=sys.stderr)
    bad = [r for r in records if r["status"] not in _ledger.STATUS_OK]
    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"environment": env, "build_key": _ledger.build_key(env),
                                   "package_hash": _ledger.package_hash(),
                                   "notebooks": [str(p.relative_to(book)) for p in paths],
                                   "errors": errors, "claims": records}, indent=1))
        print(f"ledger written to {out}")
    if errors or bad or problems:
        print(f"FAILED: {len(errors)} notebook error(s), {len(bad)} claim(s) failing, "
              f"{len(problems)} audit problem(s)", file=sys.stderr)
        return 1
    return 0

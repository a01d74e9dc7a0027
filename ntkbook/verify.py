"""``python -m ntkbook verify [--chapter NAME] [--json FILE]``

Executes the chapter notebooks headless (jupytext → nbclient, one kernel per notebook, working
directory = the notebook's folder), prints progress, then the ledger as a table, writes it as JSON
and exits 1 if a claim is violated or a notebook errors.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
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


def execute(path: Path, timeout: int = 1800) -> tuple[bool, str]:
    """Run one notebook; return (ok, error text)."""
    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = jupytext.read(path, fmt="md:myst")
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
        return True, ""
    except CellExecutionError as err:
        return False, str(err).strip().splitlines()[-1] if str(err).strip() else repr(err)
    except Exception as err:  # noqa: BLE001 - report any kernel failure as a notebook error
        return False, f"{type(err).__name__}: {err}"


def _fmt_table(rows: list[dict]) -> str:
    cols = ["claim", "status", "margin", "hypothesis met", "provenance", "checked", "notebook"]
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
    v.add_argument("--json", help="write the ledger to this JSON file")
    v.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    v.add_argument("--book", default=str(BOOK), help=argparse.SUPPRESS)  # for tests
    args = parser.parse_args(argv)

    book = Path(args.book)
    paths = notebooks(args.chapter, book)
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="ntkbook-verify-"))
    os.environ["NTKBOOK_LEDGER_DIR"] = str(workdir)
    os.environ.setdefault("MPLBACKEND", "Agg")
    errors = []
    t_all = time.perf_counter()
    for i, p in enumerate(paths, 1):
        rel = p.relative_to(book)
        print(f"[{i}/{len(paths)}] {rel} ...", end=" ", flush=True)
        t0 = time.perf_counter()
        ok, err = execute(p, args.timeout)
        dt = time.perf_counter() - t0
        n = len(json.loads(f.read_text())["records"]) if (f := workdir / p.parent.name / f"{p.stem}.json").exists() else 0
        print(f"{'ok' if ok else 'ERROR'} ({dt:.1f} s, {n} claims)" + ("" if ok else f"\n    {err}"), flush=True)
        if not ok:
            errors.append((str(rel), err))

    rows = []
    for entry in _ledger.load(workdir):
        for r in entry["records"]:
            rows.append({"claim": r["id"], "status": r["status"], "margin": _ledger.format_margin(r["margin"], r["status"], r["rel"]),
                         "hypothesis met": {True: "yes", False: "no", None: "n/a"}[r["hypothesis_met"]],
                         "provenance": _ledger.PROVENANCE[r["provenance"]], "checked": r["count"],
                         "notebook": f"{entry['chapter']}/{entry['notebook']}", "record": r})
    print()
    print(_fmt_table(rows))
    bad = [r for r in rows if r["status"] not in _ledger.STATUS_OK]
    counts = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    print(f"\n{len(rows)} claims from {len(paths)} notebooks in {time.perf_counter() - t_all:.0f} s: "
          + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    if args.json:
        Path(args.json).write_text(json.dumps({"notebooks": [str(p.relative_to(book)) for p in paths],
                                               "errors": errors,
                                               "claims": [r["record"] for r in rows]}, indent=1))
        print(f"ledger written to {args.json}")
    if errors or bad:
        print(f"FAILED: {len(errors)} notebook error(s), {len(bad)} claim(s) not holding", file=sys.stderr)
        return 1
    return 0

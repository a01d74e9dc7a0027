"""The claims ledger: every inequality a notebook checks is recorded here, and a violation raises.

A notebook opens one ledger and checks claims through it::

    from ntkbook import Ledger
    ledger = Ledger("du2019", "h_infinity")
    ledger.check("du2019.thm3.1", lhs=lam0, rel=">", rhs=0.0,
                 statement=r"\\lambda_0 = \\lambda_{\\min}(H^\\infty) > 0",
                 source="Du et al. 2019, Theorem 3.1", provenance="paper",
                 hypothesis_met=True, seeds=[0])

* ``lhs``/``rhs`` may be arrays (one comparison per iteration, seed, …); the worst case is kept.
  Comparisons where both sides are exactly 0 (e.g. a drift at k = 0) are counted but never chosen
  as the worst case while a non-trivial one exists.
* the *margin* is the slack at the worst case relative to ``|rhs|`` (absolute when ``rhs`` = 0):
  > 0 means the claim holds with room, < 0 that it fails. ``rtol``/``atol`` are recorded with it.
* ``hypothesis_met`` says whether the theorem's hypothesis held in this run (``None`` when the
  claim has no hypothesis, e.g. an identity). A conclusion that holds although the hypothesis
  did not is recorded as *holds beyond hypothesis* — never as a plain "holds".
* ``expect="violation"`` records a counterexample shown on purpose: it must fail, and it is an
  error (:class:`ntkbook.errors.ExpectedViolationHeld`) if it does not.
* :meth:`Ledger.check_probability` checks a "with probability ≥ 1 − δ" statement over repeated
  seeds with a one-sided binomial test of the failure rate against δ (``scipy.stats.binomtest``).

Records are written, one JSON file per notebook, to ``$NTKBOOK_LEDGER_DIR/<chapter>/<notebook>.json``
(default ``_build/ledger/adhoc``), together with a hash of the ``ntkbook`` sources and of the
notebook's code cells, so the book's ledger page can refuse stale results.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import scipy.stats

from .errors import ClaimViolation, ExpectedViolationHeld

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent

PROVENANCE = {
    "paper": "the paper's statement",
    "restated": "restated by later work",
    "derived": "our derivation",
    "reconstruction": "our reconstruction",
}
RELATIONS = ("<=", "<", ">=", ">", "==")
STATUS_OK = ("holds", "holds beyond hypothesis", "expected violation")


def package_hash() -> str:
    """sha256 over the sources of the ntkbook package (what a notebook's results depend on)."""
    h = hashlib.sha256()
    for p in sorted(PACKAGE_DIR.rglob("*.py")):
        h.update(str(p.relative_to(PACKAGE_DIR)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def code_hash(path) -> str | None:
    """sha256 over the code cells of a jupytext notebook (the part an execution depends on)."""
    path = Path(path)
    if not path.exists():
        return None
    import jupytext

    nb = jupytext.read(path, fmt="md:myst")
    h = hashlib.sha256()
    for cell in nb.cells:
        if cell.cell_type == "code":
            h.update(cell.source.encode())
            h.update(b"\0")
    return h.hexdigest()[:16]


def ledger_dir() -> Path:
    """Where records go: ``$NTKBOOK_LEDGER_DIR`` or ``<repo>/_build/ledger/adhoc``."""
    return Path(os.environ.get("NTKBOOK_LEDGER_DIR") or REPO_ROOT / "_build" / "ledger" / "adhoc")


def _finite_float(x) -> float:
    v = float(x)
    return v


@dataclass
class Record:
    """One checked claim."""
    id: str
    statement: str
    source: str
    provenance: str
    hypothesis_met: bool | None
    rel: str
    lhs: float
    rhs: float
    margin: float            # slack at the worst case relative to |rhs| (absolute if rhs = 0); > 0: room
    ratio: float | None      # lhs / rhs at the worst case
    holds: bool
    expect: str
    status: str
    count: int = 1           # how many comparisons (iterations, seeds, ...) were checked
    worst_index: int = 0
    seeds: list | None = None
    trials: int | None = None
    p_value: float | None = None
    note: str = ""
    chapter: str = ""
    notebook: str = ""
    rtol: float | None = None
    atol: float | None = None

    @property
    def ok(self) -> bool:
        return self.status in STATUS_OK

    def line(self) -> str:
        mark = "✔" if self.ok else "✘"
        hyp = {True: "hypothesis met", False: "hypothesis NOT met", None: "no hypothesis"}[self.hypothesis_met]
        extra = f", worst of {self.count}" if self.count > 1 else ""
        if self.p_value is not None:
            extra += f", binomial p = {self.p_value:.3g}"
        if self.rel == "==" and self.rtol is not None:
            extra += f", rtol {self.rtol:.0e}" + (f", atol {self.atol:.0e}" if self.atol else "")
        elif self.atol:
            extra += f", atol {self.atol:.0e}"
        return (f"{mark} {self.id}: {self.status} — lhs {self.lhs:.6g} {self.rel} rhs {self.rhs:.6g}"
                f" (margin {format_margin(self.margin, self.status, self.rel)}{extra}; {hyp}; "
                f"{PROVENANCE[self.provenance]})")

    def __repr__(self) -> str:
        return self.line()

    def _ipython_display_(self) -> None:
        # each check shows itself once when recorded; a cell ending in a check does not repeat it
        if getattr(self, "_shown", False):
            return
        self._shown = True
        from IPython.display import HTML, display
        display(HTML(self._repr_html_()))

    def _repr_html_(self) -> str:
        color = "#1a7f37" if self.ok else "#cf222e"
        import html
        return (f'<div class="ntkbook-claim" style="font-family:monospace;font-size:0.85em;'
                f'border-left:4px solid {color};padding-left:6px">{html.escape(self.line())}</div>')


def format_margin(margin: float, status: str, rel: str) -> str:
    """The margin as shown in tables: a claim that holds only within its recorded tolerance (a
    negative raw margin, e.g. both sides at float64 round-off) says so."""
    text = f"{margin:+.3g}"
    if status in ("holds", "holds beyond hypothesis") and margin < 0 and rel != "==":
        text += " (within tol.)"
    return text


def _compare(lhs, rel, rhs, rtol, atol):
    lhs = np.atleast_1d(np.asarray(lhs, dtype=np.float64))
    rhs = np.atleast_1d(np.asarray(rhs, dtype=np.float64))
    lhs, rhs = np.broadcast_arrays(lhs, rhs)
    if lhs.size == 0:
        raise ValueError("nothing to check: empty lhs/rhs")
    if not (np.all(np.isfinite(lhs)) and np.all(np.isfinite(rhs))):
        bad = np.flatnonzero(~(np.isfinite(lhs) & np.isfinite(rhs)))[0]
        raise ClaimViolation(f"non-finite value in the check (index {bad}: lhs={lhs.flat[bad]}, "
                             f"rhs={rhs.flat[bad]}); a NaN never counts as 'holds'")
    tol = atol + rtol * np.maximum(np.abs(rhs), np.abs(lhs))
    scale = np.where(rhs != 0, np.abs(rhs), 1.0)          # relative to |rhs|, absolute when rhs = 0
    if rel in ("<=", "<"):
        slack = (rhs - lhs) / scale
        ok = lhs <= rhs + tol if rel == "<=" else lhs < rhs
    elif rel in (">=", ">"):
        slack = (lhs - rhs) / scale
        ok = lhs >= rhs - tol if rel == ">=" else lhs > rhs
    elif rel == "==":
        slack = -np.abs(lhs - rhs) / scale
        ok = np.abs(lhs - rhs) <= tol
    else:
        raise ValueError(f"rel must be one of {RELATIONS}, got {rel!r}")
    trivial = (lhs == 0) & (rhs == 0)                    # 0 <= 0 says nothing about the margin
    candidates = slack if trivial.all() else np.where(trivial, np.inf, slack)
    worst = int(np.argmin(np.where(ok, candidates, -np.inf)))   # a failure first, else the least slack
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = float(lhs.flat[worst] / rhs.flat[worst]) if rhs.flat[worst] != 0 else None
    return bool(ok.all()), float(lhs.flat[worst]), float(rhs.flat[worst]), float(slack.flat[worst]), \
        ratio, worst, int(lhs.size)


class Ledger:
    """The claims of one notebook (see the module docstring)."""

    def __init__(self, chapter: str, notebook: str, directory=None):
        if not chapter or "." in chapter or "/" in chapter:
            raise ValueError(f"chapter must be a plain name like 'du2019', got {chapter!r}")
        self.chapter = chapter
        self.notebook = notebook
        self.records: list[Record] = []
        self.directory = Path(directory) if directory else ledger_dir()
        self.path = self.directory / chapter / f"{notebook}.json"
        self.notebook_path = REPO_ROOT / "book" / chapter / f"{notebook}.md"
        self._package_hash = package_hash()
        self._code_hash = code_hash(self.notebook_path)
        self._write()

    # -- storage ---------------------------------------------------------------------------
    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"chapter": self.chapter, "notebook": self.notebook,
                   "package_hash": self._package_hash, "code_hash": self._code_hash,
                   "records": [asdict(r) for r in self.records]}
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(payload, indent=1, default=_json_default))
        tmp.replace(self.path)

    def _add(self, rec: Record) -> Record:
        self.records = [r for r in self.records if r.id != rec.id] + [rec]
        self._write()
        if _in_ipython():
            rec._ipython_display_()
        if rec.status == "violated":
            raise ClaimViolation(rec.line())
        if rec.status == "expected violation held":
            raise ExpectedViolationHeld(rec.line() + " — a counterexample shown on purpose did not fail")
        return rec

    def _validate(self, claim_id, provenance, hypothesis_met, expect):
        if not claim_id.startswith(self.chapter + "."):
            raise ValueError(f"claim id {claim_id!r} must start with '{self.chapter}.'")
        if provenance not in PROVENANCE:
            raise ValueError(f"provenance must be one of {list(PROVENANCE)}, got {provenance!r}")
        if hypothesis_met not in (True, False, None):
            raise ValueError("hypothesis_met must be True, False or None")
        if expect not in ("hold", "violation"):
            raise ValueError("expect must be 'hold' or 'violation'")

    @staticmethod
    def _status(holds: bool, hypothesis_met, expect: str) -> str:
        if expect == "violation":
            return "expected violation" if not holds else "expected violation held"
        if not holds:
            return "violated"
        return "holds beyond hypothesis" if hypothesis_met is False else "holds"

    # -- checks ----------------------------------------------------------------------------
    def check(self, claim_id: str, *, lhs, rel: str, rhs, statement: str, source: str,
              provenance: str, hypothesis_met: bool | None, expect: str = "hold", seeds=None,
              rtol: float = 1e-12, atol: float = 0.0, note: str = "") -> Record:
        """Check ``lhs rel rhs`` (elementwise for arrays) and record it; raise on a violation."""
        self._validate(claim_id, provenance, hypothesis_met, expect)
        holds, l, r, slack, ratio, worst, count = _compare(lhs, rel, rhs, rtol, atol)
        rec = Record(id=claim_id, statement=statement, source=source, provenance=provenance,
                     hypothesis_met=hypothesis_met, rel=rel, lhs=l, rhs=r, margin=slack, ratio=ratio,
                     holds=holds, expect=expect, status=self._status(holds, hypothesis_met, expect),
                     count=count, worst_index=worst, seeds=_seedlist(seeds), note=note,
                     chapter=self.chapter, notebook=self.notebook, rtol=rtol, atol=atol)
        return self._add(rec)

    def check_probability(self, claim_id: str, *, failures: int, trials: int, delta: float,
                          statement: str, source: str, provenance: str, hypothesis_met: bool | None,
                          alpha: float = 0.05, expect: str = "hold", seeds=None, note: str = "") -> Record:
        """A "with probability ≥ 1 − δ" claim, checked over ``trials`` seeds of which ``failures``
        failed: one-sided binomial test of H0 "failure rate ≤ δ" against "> δ"; the claim is
        violated when the p-value is below ``alpha``."""
        self._validate(claim_id, provenance, hypothesis_met, expect)
        if trials <= 0 or not 0 <= failures <= trials:
            raise ValueError(f"need 0 <= failures <= trials and trials > 0, got {failures}/{trials}")
        if not 0 < delta < 1:
            raise ValueError(f"delta must lie in (0, 1), got {delta}")
        p = float(scipy.stats.binomtest(int(failures), int(trials), delta, alternative="greater").pvalue)
        holds = p >= alpha
        rate = failures / trials
        rec = Record(id=claim_id, statement=statement, source=source, provenance=provenance,
                     hypothesis_met=hypothesis_met, rel="<=", lhs=rate, rhs=delta,
                     margin=(delta - rate) / delta, ratio=rate / delta, holds=holds, expect=expect,
                     status=self._status(holds, hypothesis_met, expect), count=int(trials),
                     seeds=_seedlist(seeds), trials=int(trials), p_value=p,
                     note=(note + f" [binomial test, alpha = {alpha}]").strip(),
                     chapter=self.chapter, notebook=self.notebook)
        return self._add(rec)

    # -- display ---------------------------------------------------------------------------
    def summary(self) -> "LedgerTable":
        """A table of this notebook's claims (renders as HTML in the book)."""
        return LedgerTable(self.records)


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _seedlist(seeds):
    if seeds is None:
        return None
    if isinstance(seeds, (int, np.integer)):
        return [int(seeds)]
    seeds = [int(s) for s in seeds]
    return seeds if len(seeds) <= 8 else [seeds[0], "...", seeds[-1], f"({len(seeds)} seeds)"]


def _json_default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, np.bool_):
        return bool(o)
    raise TypeError(f"not JSON serialisable: {type(o)}")


class LedgerTable:
    """A list of records shown as a table."""

    def __init__(self, records):
        self.records = list(records)

    def rows(self) -> list[dict]:
        return [{"claim": r.id, "status": r.status, "margin": r.margin,
                 "hypothesis met": r.hypothesis_met, "provenance": PROVENANCE[r.provenance],
                 "checked": r.count} for r in self.records]

    def __repr__(self) -> str:
        return "\n".join(r.line() for r in self.records)

    def _repr_html_(self) -> str:
        import html
        head = "".join(f"<th>{h}</th>" for h in ("claim", "status", "margin", "hypothesis met",
                                                 "provenance", "checked"))
        body = []
        for r in self.records:
            color = "#1a7f37" if r.ok else "#cf222e"
            hyp = {True: "yes", False: "no", None: "n/a"}[r.hypothesis_met]
            body.append(f"<tr><td><code>{html.escape(r.id)}</code></td>"
                        f"<td style='color:{color}'>{html.escape(r.status)}</td>"
                        f"<td>{format_margin(r.margin, r.status, r.rel)}</td><td>{hyp}</td><td>{PROVENANCE[r.provenance]}</td>"
                        f"<td>{r.count}</td></tr>")
        return f"<table class='ntkbook-ledger'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def load(directory=None) -> list[dict]:
    """Every notebook record file under ``directory`` (default ``ledger_dir()``)."""
    directory = Path(directory) if directory else ledger_dir()
    out = []
    for p in sorted(directory.glob("*/*.json")):
        out.append(json.loads(p.read_text()))
    return out


def staleness(entry: dict) -> str | None:
    """Why a notebook's record file does not describe the current sources (None if current)."""
    if entry.get("package_hash") != package_hash():
        return "recorded with another version of the ntkbook package"
    current = code_hash(REPO_ROOT / "book" / entry["chapter"] / f"{entry['notebook']}.md")
    if current != entry.get("code_hash"):
        return "recorded from other notebook code"
    return None

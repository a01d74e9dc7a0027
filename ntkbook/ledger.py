"""The claims ledger: every inequality a notebook checks is recorded here, and a violation raises.

A notebook opens one ledger and checks claims through it::

    from ntkbook import Ledger
    ledger = Ledger("du2019", "01_h_infinity")
    ledger.check("du2019.thm3.1", kind="conclusion", lhs=lam0, rel=">", rhs=0.0,
                 statement=r"\\lambda_0 = \\lambda_{\\min}(H^\\infty) > 0",
                 source="Du et al. 2019, Theorem 3.1", provenance="paper",
                 hypothesis_met=True, control="tests/test_du2019_a.py::test_duplicate_inputs",
                 seeds=[0])

**What a record says**

* ``kind`` (required, :class:`Kind`) — *what* was checked: an ``identity`` (algebra or an
  implementation identity: it tests the code, not the theorem), an ``assumption`` (a hypothesis
  evaluated in this run), a ``step`` of a proof, a ``conclusion``, a ``scaling`` (a fitted exponent
  or trend), a ``counterexample`` (a hypothesis dropped on purpose: must fail), an ``erratum`` (the
  paper's statement fails under its own hypothesis: must fail) or a ``reproduction`` (an empirical
  report of a paper: reproduced or not).
* ``hypothesis_met`` — a Python bool or None (numpy bools are converted; anything else is an
  error). Identities and assumptions have no hypothesis (None). A conclusion that holds although
  the hypothesis did not is *holds beyond hypothesis*, never *holds*.
* ``case`` — the configuration of a claim checked several times (``case="n=6"``); the record's id
  is ``"<claim_id>[<case>]"``. The claim id itself is a literal string at the call site, so
  grepping an id finds its check. A duplicate id within one ledger is an error.
* ``control`` — for the falsifiable kinds (``FALSIFIABLE``) and every probability claim, the
  test in ``tests/`` (``"tests/test_x.py::test_name"``) in which the *same* check function reports
  a violation. It must exist.
* ``depends_on`` — claim ids or theorem-box labels this claim rests on (the proof graphs).

**How a comparison is decided**

``lhs`` and ``rhs`` have equal shapes, or one of them is a scalar (no silent broadcasting).
Each element is compared with a resolution band ``atol + rtol·max(|lhs|, |rhs|)`` (widened to
``resolution`` when given: the numerical resolution of the run):

* a difference outside the band decides the element (holds / fails), for strict and non-strict
  relations alike — a strict relation ``<`` holds only when ``rhs − lhs`` exceeds the band;
* a difference inside the band leaves the element **unresolved**; pairs with both sides exactly 0
  are *trivial* and never chosen as the worst case nor accepted as a counterexample;
* ``==`` (identities) holds when every difference is inside the band.

A claim fails when any element fails (the **worst** failure is reported), holds when no element
fails and at least one is resolved (the worst resolved element is reported, the number of
unresolved ones recorded), and is *unresolved* otherwise — never shown as holds.

The *margin* is the slack at the reported element relative to ``|rhs|`` (absolute when rhs = 0).

**Probabilities**

:meth:`Ledger.check_probability` records failures, trials, the observed rate and the one-sided
95% Clopper–Pearson upper bound on the failure rate (``scipy.stats.binomtest(...).proportion_ci``).
It *holds* only when the bound is ≤ δ; a one-sided binomial test that rejects "rate ≤ δ" makes it
*violated*; otherwise it is *not refuted (low power)*. Test each configuration on its own (use
``case``), never pool configurations.

**Where records go**

In a notebook kernel every record is displayed as one line whose output metadata carries the
record, so the records travel with the executed notebook (and with the book's execution cache);
the book and ``python -m ntkbook verify`` read them from there. A JSON file per notebook is also
written when ``directory`` or ``$NTKBOOK_LEDGER_DIR`` is given.
"""
from __future__ import annotations

import enum
import functools
import hashlib
import json
import os
import platform
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import scipy.stats

from .errors import ClaimViolation, ExpectedViolationHeld

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent
METADATA_KEY = "ntkbook"

PROVENANCE = {
    "paper": "the paper's statement",
    "restated": "restated by later work",
    "recalled": "recalled, unverified",
    "derived": "our derivation",
    "reconstruction": "our reconstruction",
}
RELATIONS = ("<=", "<", ">=", ">", "==")
#: modules that draw the book from the records and never run in a notebook (not in the build key)
RENDERING_MODULES = ("sphinxext.py", "proofgraph.py", "findings.py", "explorer.py",
                     "buildstatus.py", "downloads.py")


class _ValueEnum(str, enum.Enum):
    """A string enum that prints as its value."""

    def __str__(self) -> str:
        return self.value


class Kind(_ValueEnum):
    """What kind of thing a claim checks."""
    IDENTITY = "identity"
    ASSUMPTION = "assumption"
    STEP = "step"
    CONCLUSION = "conclusion"
    SCALING = "scaling"
    COUNTEREXAMPLE = "counterexample"
    ERRATUM = "erratum"
    REPRODUCTION = "reproduction"


KINDS = tuple(k.value for k in Kind)
#: kinds that test the theorems (the headline counts these)
TESTS = ("step", "conclusion", "scaling", "reproduction")
#: kinds whose checks must name a negative control
FALSIFIABLE = ("assumption", "step", "conclusion", "scaling")
#: kinds that must fail
MUST_FAIL = ("counterexample", "erratum")


class Status(_ValueEnum):
    """What a check established."""
    HOLDS = "holds"
    BEYOND = "holds beyond hypothesis"
    UNRESOLVED = "unresolved"
    LOW_POWER = "not refuted (low power)"
    EXPECTED_VIOLATION = "expected violation"
    ERRATUM_CONFIRMED = "erratum confirmed"
    REPRODUCED = "reproduced"
    NOT_REPRODUCED = "not reproduced"
    VIOLATED = "violated"
    EXPECTED_VIOLATION_HELD = "expected violation held"


STATUSES = tuple(s.value for s in Status)
#: statuses that do not fail the build
STATUS_OK = ("holds", "holds beyond hypothesis", "unresolved", "not refuted (low power)",
             "expected violation", "erratum confirmed", "reproduced", "not reproduced")
#: statuses coloured as evidence that held
STATUS_GOOD = ("holds", "reproduced")
#: statuses of claims that must fail and did (a counterexample or an erratum, confirmed)
STATUS_FAILED_AS_EXPECTED = ("expected violation", "erratum confirmed")
#: one mark per status, none shared between a claim that held and one that failed
MARKS = {"holds": "✔", "reproduced": "✔", "holds beyond hypothesis": "◇", "unresolved": "?",
         "not refuted (low power)": "?", "expected violation": "⊘", "erratum confirmed": "⚠",
         "not reproduced": "○", "violated": "✘", "expected violation held": "✘"}
#: the relation that holds when ``rel`` fails (what a confirmed counterexample shows)
NEGATION = {"<=": ">", "<": ">=", ">=": "<", ">": "<=", "==": "≠"}
#: how serious an erratum is (``severity=`` of an erratum's check)
SEVERITIES = {"breaks": "breaks the proof as printed", "substantive": "substantive",
              "harmless": "harmless", "notation": "notation"}
#: verdicts of a certificate (:mod:`ntkbook.certify`)
VERDICTS = ("proved", "disproved", "undecided")


def status_colour(status: str) -> str:
    """The colour of a status: green held, purple failed as it must, red broke, amber open."""
    if status in STATUS_GOOD:
        return "#1a7f37"
    if status in STATUS_FAILED_AS_EXPECTED:
        return "#8250df"
    return "#cf222e" if status not in STATUS_OK else "#9a6700"


# -- the run a record belongs to -----------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def package_hash() -> str:
    """sha256 over the sources of the ntkbook package that a notebook's results depend on (the
    modules that only render the book, :data:`RENDERING_MODULES`, are left out: changing how a
    page is drawn does not re-execute the notebooks)."""
    h = hashlib.sha256()
    for p in sorted(PACKAGE_DIR.rglob("*.py")):
        if p.relative_to(PACKAGE_DIR).as_posix() in RENDERING_MODULES:
            continue
        h.update(str(p.relative_to(PACKAGE_DIR)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def run_environment() -> dict:
    """What a result depends on besides the code: ``NTKBOOK_SCALE`` (and ``NTKBOOK_FULL``),
    ``NTKBOOK_DEVICE``,
    ``NTKBOOK_THREADS`` and the versions of Python, numpy, scipy and torch."""
    import torch

    from . import config
    env = {"scale": config.scale(), "device": str(config.device()),
           "threads": config.threads(), "python": platform.python_version(),
           "numpy": np.__version__, "scipy": scipy.__version__, "torch": torch.__version__}
    if config.full_pages():       # NTKBOOK_FULL: single pages at full scale
        env["full_pages"] = ",".join(config.full_pages())
    return env


def build_key(env: dict | None = None) -> str:
    """The key of a build: the package hash and :func:`run_environment`. The book's execution
    cache is keyed on it, so results of another scale, device or library are never reused."""
    env = run_environment() if env is None else env
    h = hashlib.sha256(package_hash().encode())
    h.update(json.dumps(env, sort_keys=True).encode())
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


def ledger_dir() -> Path | None:
    """Where JSON records go: ``$NTKBOOK_LEDGER_DIR`` (None: no files, records live in outputs)."""
    value = os.environ.get("NTKBOOK_LEDGER_DIR")
    return Path(value) if value else None


# -- argument checks -------------------------------------------------------------------------------
def must_fail(expect: str) -> bool:
    """Whether a check function's ``expect`` asks for a claim that must fail ("violation") —
    check functions that serve both a claim and its counterexample choose their kind from it."""
    if expect not in ("hold", "violation"):
        raise ValueError(f"expect must be 'hold' or 'violation', got {expect!r}")
    return expect == "violation"


def _kind(kind) -> str:
    if isinstance(kind, Kind):
        return kind.value
    if isinstance(kind, str) and kind in KINDS:
        return kind
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def _hypothesis(value, kind: str):
    if isinstance(value, np.bool_):
        value = bool(value)
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"hypothesis_met must be a bool or None, got {type(value).__name__} {value!r}")
    if kind in ("identity", "assumption") and value is not None:
        raise ValueError(f"a claim of kind {kind!r} has no hypothesis of its own: pass "
                         "hypothesis_met=None (an assumption *is* the hypothesis being evaluated)")
    if kind == "erratum" and value is False:
        raise ValueError("an erratum is the paper's statement failing under its own hypothesis: "
                         "hypothesis_met must be True (or None for an unconditional statement)")
    return value


_CONTROL = re.compile(r"^(tests/[\w/]+\.py)::(?:(\w+)::)?(test\w*)$")


@functools.lru_cache(maxsize=None)
def _test_source(path: str) -> str | None:
    p = REPO_ROOT / path
    return p.read_text(encoding="utf-8") if p.is_file() else None


def control_problem(control) -> str | None:
    """Why ``control`` does not name an existing test (None when it does)."""
    if not isinstance(control, str):
        return f"control must be a string 'tests/test_x.py::test_name', got {control!r}"
    m = _CONTROL.match(control)
    if not m:
        return f"control {control!r} is not of the form 'tests/test_x.py::test_name'"
    src = _test_source(m.group(1))
    if src is None:
        return f"control {control!r}: no file {m.group(1)}"
    if not re.search(rf"^\s*def {m.group(3)}\(", src, flags=re.M):
        return f"control {control!r}: no test {m.group(3)} in {m.group(1)}"
    return None


def _caller() -> str:
    """The function that called the ledger (``module.qualname``; ``notebook cell`` at top level)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    if frame is None:
        return "?"
    code = frame.f_code
    module = frame.f_globals.get("__name__", "?")
    name = getattr(code, "co_qualname", code.co_name)
    if name == "<module>" or module == "__main__":
        return "notebook cell" if name == "<module>" else f"notebook:{name}"
    return f"{module}.{name}"


# -- the record --------------------------------------------------------------------------------------
@dataclass
class Record:
    """One checked claim."""
    id: str
    kind: str
    statement: str
    source: str
    provenance: str
    hypothesis_met: bool | None
    rel: str
    lhs: float
    rhs: float
    margin: float | None     # slack at the reported element relative to |rhs| (absolute if rhs = 0)
    ratio: float | None      # lhs / rhs at the reported element
    holds: bool | None       # None: unresolved
    expect: str
    status: str
    count: int = 1           # how many comparisons (iterations, seeds, ...) were checked
    worst_index: int = 0
    unresolved: int = 0      # elements whose two sides differ by less than the resolution
    seeds: list | None = None
    trials: int | None = None
    failures: int | None = None
    rate: float | None = None
    upper: float | None = None   # one-sided 95% Clopper-Pearson upper bound on the failure rate
    p_value: float | None = None
    note: str = ""
    chapter: str = ""
    notebook: str = ""
    rtol: float | None = None
    atol: float | None = None
    resolution: float | None = None
    base_id: str = ""
    case: str | None = None
    control: str | None = None
    depends_on: list = field(default_factory=list)
    function: str = ""
    exact: bool = False      # an integer comparison, decided exactly (no resolution band)
    vacuous: int = 0         # elements whose bound differs from the trivial one by < resolution
    certified: str | None = None    # the certificate's verdict: proved / disproved / undecided
    certificate: dict | None = None  # the certificate (enclosure, method, inputs digest)
    severity: str | None = None      # an erratum's: a key of SEVERITIES

    @property
    def ok(self) -> bool:
        return self.status in STATUS_OK

    @property
    def is_probability(self) -> bool:
        return self.trials is not None

    def margin_text(self) -> str:
        return format_margin(self)

    @property
    def mark(self) -> str:
        return MARKS.get(self.status, "·")

    def line(self) -> str:
        mark = self.mark
        hyp = {True: "hypothesis met", False: "hypothesis NOT met", None: "no hypothesis"}[self.hypothesis_met]
        if self.is_probability:
            body = (f"{self.failures}/{self.trials} failures, rate {self.rate:.3g}, 95% upper bound "
                    f"{self.upper:.3g} vs δ = {self.rhs:.3g}, binomial p = {self.p_value:.3g}")
        else:
            extra = f", worst of {self.count}" if self.count > 1 else ""
            if self.unresolved:
                extra += f", {self.unresolved} unresolved"
            if self.rel == "==" and self.rtol is not None:
                extra += f", rtol {self.rtol:.0e}" + (f", atol {self.atol:.0e}" if self.atol else "")
            elif self.atol:
                extra += f", atol {self.atol:.0e}"
            if self.resolution:
                extra += f", resolution {self.resolution:.1e}"
            if self.vacuous:
                extra += f", {self.vacuous} vacuous (bound within the resolution of the trivial one)"
            if self.exact:
                extra += ", exact integer comparison"
            rel = self.rel
            if self.holds is False:     # say the relation that actually held
                rel = NEGATION[self.rel]
            verb = "fails: " if self.holds is False else ""
            body = (f"{verb}lhs {self.lhs:.6g} {rel} rhs {self.rhs:.6g} "
                    f"(margin {format_margin(self)}{extra})")
        cert = ""
        if self.certified:
            c = self.certificate or {}
            cert = f"; certificate {self.certified}: {c.get('statement', '')}".rstrip(": ")
        return (f"{mark} {self.id} [{self.kind}]: {self.status} — {body}; {hyp}; "
                f"{PROVENANCE[self.provenance]}{cert}")

    def __repr__(self) -> str:
        return self.line()

    def _repr_html_(self) -> str:
        """A record shown on its own (a cell that ends with a check): folded, without the anchor
        (the page's claims table, :meth:`Ledger.summary`, carries the anchor)."""
        import html
        return (f'<details class="ntkbook-records"><summary>{html.escape(self.mark)} '
                f'<code>{html.escape(self.id)}</code>: {html.escape(self.status)}</summary>'
                f'{_record_div(self)}</details>')


def _record_div(rec) -> str:
    import html
    return (f'<div class="ntkbook-claim" style="border-left:4px solid {status_colour(rec.status)}">'
            f'{html.escape(rec.line())}</div>')


def anchor(claim_id: str) -> str:
    """The HTML id of a claim's line in its page (the proof graphs and the ledger link to it)."""
    return "claim-" + re.sub(r"[^A-Za-z0-9]+", "-", claim_id).strip("-").lower()


def format_margin(rec) -> str:
    """The margin column: rate and bound for a probability, the signed relative slack otherwise."""
    get = rec.get if isinstance(rec, dict) else (lambda k, d=None: getattr(rec, k, d))
    if get("trials") is not None:
        return f"rate {get('rate'):.3g}, UB {get('upper'):.3g} (δ {get('rhs'):.3g})"
    if get("margin") is None:
        return "—"
    return f"{get('margin'):+.3g}"


def _real_array(x, name: str) -> np.ndarray:
    """``x`` as an array of real numbers; a complex value (an eigenvalue from ``eig`` with an
    imaginary part, say) is refused with an error naming the broken assumption, never cast."""
    a = np.asarray(x)
    if np.iscomplexobj(a):
        raise TypeError(f"{name} is complex ({a.reshape(-1)[:3]} …): an inequality compares real "
                        "numbers — take the real part only after checking that the imaginary "
                        "part is zero (for a symmetric matrix use eigvalsh, not eig)")
    if a.dtype == object or a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be real numbers, got dtype {a.dtype}")
    return a


def _is_integer(a: np.ndarray) -> bool:
    return a.dtype.kind in "biu"


def _shape_checked(lhs, rhs, dtype=np.float64):
    lhs = np.asarray(lhs, dtype=dtype)
    rhs = np.asarray(rhs, dtype=dtype)
    if lhs.shape != rhs.shape and lhs.size != 1 and rhs.size != 1:
        raise ValueError(f"lhs has shape {lhs.shape} and rhs {rhs.shape}: give equal shapes or a "
                         "scalar side (no broadcasting of one array against another)")
    lhs, rhs = np.broadcast_arrays(np.atleast_1d(lhs).reshape(-1) if lhs.size != 1 else lhs.reshape(()),
                                   np.atleast_1d(rhs).reshape(-1) if rhs.size != 1 else rhs.reshape(()))
    return np.atleast_1d(lhs).reshape(-1), np.atleast_1d(rhs).reshape(-1)


def compare(lhs, rel, rhs, rtol=1e-12, atol=0.0, resolution=None, trivial=None,
            min_resolved: float | None = None) -> dict:
    """Decide ``lhs rel rhs`` element by element (see the module docstring).

    Integer sides (Python or numpy integers, both sides) are compared **exactly**: no resolution
    band applies to them. ``trivial`` is the value the right-hand side would take if the statement
    asserted nothing (e.g. :math:`\\Phi(\\theta_0)` for a bound on the loss decrease): an element
    whose bound differs from it by no more than the resolution band is **vacuous** — it cannot
    tell the statement from no statement — and counts as unresolved, whichever way it compares.
    ``min_resolved`` (a fraction in (0, 1]) asks that many of the non-trivial elements to be
    decided before the claim may hold: a trend tested at 404 iterations of which 340 are inside
    the resolution is *unresolved*, not held on the other 64.

    Returns a dict with ``holds`` (True, False, or None when unresolved), the reported element
    (``lhs``, ``rhs``, ``margin``, ``ratio``, ``index``), ``count``, ``unresolved``, ``vacuous``
    and ``exact``.
    """
    if rel not in RELATIONS:
        raise ValueError(f"rel must be one of {RELATIONS}, got {rel!r}")
    lhs_a, rhs_a = _real_array(lhs, "lhs"), _real_array(rhs, "rhs")
    exact = _is_integer(lhs_a) and _is_integer(rhs_a)
    if exact:
        ilhs, irhs = _shape_checked(lhs_a, rhs_a, dtype=object)
        ilhs, irhs = [int(v) for v in ilhs], [int(v) for v in irhs]
    lhs, rhs = _shape_checked(lhs_a, rhs_a)
    if lhs.size == 0:
        raise ValueError("nothing to check: empty lhs/rhs")
    finite = np.isfinite(lhs) & np.isfinite(rhs)
    if not finite.all():
        bad = int(np.flatnonzero(~finite)[0])
        raise ClaimViolation(f"non-finite value in the check (index {bad}: lhs={lhs[bad]}, "
                             f"rhs={rhs[bad]}); a NaN never counts as 'holds'")
    if rtol < 0 or atol < 0 or (resolution is not None and np.any(np.asarray(resolution) < 0)):
        raise ValueError("rtol, atol and resolution must be >= 0")
    band = atol + rtol * np.maximum(np.abs(lhs), np.abs(rhs))
    if resolution is not None:
        res = np.asarray(resolution, dtype=np.float64)
        if res.size != 1 and res.reshape(-1).shape != lhs.shape:
            raise ValueError(f"resolution has shape {res.shape}, the check {lhs.shape}")
        band = np.maximum(band, res.reshape(-1) if res.size != 1 else float(res))
    if rel in ("<=", "<"):
        diff = rhs - lhs
    elif rel in (">=", ">"):
        diff = lhs - rhs
    else:
        diff = -np.abs(lhs - rhs)
    if exact:       # decide the sign on the integers themselves; no band
        band = np.zeros_like(band)
        idiff = [(r - a) if rel in ("<=", "<") else (a - r) if rel in (">=", ">") else -abs(a - r)
                 for a, r in zip(ilhs, irhs)]
        sign = np.sign(np.array([np.sign(d) for d in idiff], dtype=np.float64))
    else:
        sign = np.sign(diff)
    vac = np.zeros(lhs.shape, dtype=bool)
    if trivial is not None:
        triv = np.asarray(_real_array(trivial, "trivial"), dtype=np.float64)
        if triv.size != 1 and triv.reshape(-1).shape != lhs.shape:
            raise ValueError(f"trivial has shape {triv.shape}, the check {lhs.shape}")
        triv = triv.reshape(-1) if triv.size != 1 else float(triv)
        if rel == "==":
            raise ValueError("trivial= applies to inequalities, not to identities")
        vac = np.abs(rhs - triv) <= band
    scale = np.where(rhs != 0, np.abs(rhs), 1.0)
    slack = diff / scale
    trivial_pair = (lhs == 0) & (rhs == 0)
    if rel == "==":
        fails = (sign != 0) if exact else (np.abs(diff) > band)
        resolved_ok = ~fails
        unresolved = np.zeros_like(fails)
    else:
        strict = rel in ("<", ">")
        if exact:
            inside = trivial_pair.copy()
            fails = (sign < 0) | ((sign == 0) & strict)
            resolved_ok = ~fails & ~inside
        else:
            inside = (np.abs(diff) <= band) | trivial_pair
            fails = ~inside & (diff < 0)
            resolved_ok = ~inside & (diff > 0)
        resolved_ok &= ~vac
        unresolved = (inside | (vac & ~fails)) & ~trivial_pair
    if min_resolved is not None and not 0 < min_resolved <= 1:
        raise ValueError(f"min_resolved must lie in (0, 1], got {min_resolved}")
    enough = True
    if min_resolved is not None:
        decided = int(resolved_ok.sum())
        enough = decided >= min_resolved * max(int((~trivial_pair).sum()), 1)
    if fails.any():
        holds, pool = False, fails
    elif resolved_ok.any() and enough:
        holds, pool = True, resolved_ok
    else:
        holds, pool = None, unresolved if unresolved.any() else np.ones_like(fails)
    idx = int(np.flatnonzero(pool)[np.argmin(slack[pool])])
    ratio = float(lhs[idx] / rhs[idx]) if rhs[idx] != 0 else None
    return {"holds": holds, "lhs": float(lhs[idx]), "rhs": float(rhs[idx]),
            "margin": float(slack[idx]), "ratio": ratio, "index": idx, "count": int(lhs.size),
            "unresolved": int(unresolved.sum()), "vacuous": int((vac & ~trivial_pair).sum()),
            "exact": bool(exact)}


def clopper_pearson_upper(failures: int, trials: int, confidence: float = 0.95) -> float:
    """One-sided Clopper–Pearson upper confidence bound on a binomial rate."""
    if trials <= 0 or not 0 <= failures <= trials:
        raise ValueError(f"need 0 <= failures <= trials and trials > 0, got {failures}/{trials}")
    ci = scipy.stats.binomtest(int(failures), int(trials)).proportion_ci(
        confidence_level=2 * confidence - 1, method="exact")
    return float(ci.high)


def trials_for_bound(delta: float, confidence: float = 0.95) -> int:
    """The fewest failure-free trials whose one-sided upper bound reaches ``delta``."""
    return int(np.ceil(np.log(1 - confidence) / np.log(1 - delta)))


class Ledger:
    """The claims of one notebook (see the module docstring)."""

    def __init__(self, chapter: str, notebook: str, directory=None):
        if not chapter or "." in chapter or "/" in chapter:
            raise ValueError(f"chapter must be a plain name like 'du2019', got {chapter!r}")
        self.chapter = chapter
        self.notebook = notebook
        self.records: list[Record] = []
        directory = Path(directory) if directory else ledger_dir()
        self.path = directory / chapter / f"{notebook}.json" if directory else None
        self.notebook_path = REPO_ROOT / "book" / chapter / f"{notebook}.md"
        self.environment = run_environment()
        self.header = {"chapter": chapter, "notebook": notebook, "package_hash": package_hash(),
                       "code_hash": code_hash(self.notebook_path),
                       "build_key": build_key(self.environment), "environment": self.environment}
        self._write()
        if _in_ipython():
            from IPython.display import HTML, display
            env = self.environment
            text = (f"Claims of this page are recorded in the ledger {chapter}/{notebook} — "
                    f"NTKBOOK_SCALE={env['scale']}, device {env['device']}, {env['threads']} "
                    f"thread(s), numpy {env['numpy']}, scipy {env['scipy']}, torch {env['torch']}.")
            payload = {"ledger": self.header}
            display(HTML(f'<div class="ntkbook-ledger-header" style="font-size:0.8em;color:#57606a">'
                         f'{text}</div>' + embed(payload)), metadata={METADATA_KEY: payload})

    # -- storage ---------------------------------------------------------------------------
    def _write(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {**self.header, "records": [asdict(r) for r in self.records]}
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(payload, indent=1, default=_json_default))
        tmp.replace(self.path)

    def _add(self, rec: Record) -> Record:
        if any(r.id == rec.id for r in self.records):
            raise ValueError(f"claim {rec.id!r} was already recorded in this ledger: give each "
                             "configuration its own case=... (a record is never replaced)")
        self.records.append(rec)
        self._write()
        if _in_ipython():   # the record travels in the output, shown once in the page's table
            from IPython.display import HTML, display
            payload = {"record": json.loads(json.dumps(asdict(rec), default=_json_default))}
            display(HTML(f'<div class="ntkbook-record-embed">{embed(payload)}</div>'),
                    metadata={METADATA_KEY: payload})
        if rec.status == "violated":
            raise ClaimViolation(rec.line())
        if rec.status == "expected violation held":
            raise ExpectedViolationHeld(rec.line() + " — a claim that must fail (counterexample or "
                                        "erratum) did not fail beyond the resolution of the run")
        return rec

    def _common(self, claim_id, kind, provenance, hypothesis_met, expect, case, control,
                depends_on, trials=None):
        if not isinstance(claim_id, str) or not claim_id.startswith(self.chapter + "."):
            raise ValueError(f"claim id {claim_id!r} must be a string starting with '{self.chapter}.'")
        if "[" in claim_id:
            raise ValueError(f"claim id {claim_id!r}: pass the configuration as case=..., not in the id")
        kind = _kind(kind)
        if provenance not in PROVENANCE:
            raise ValueError(f"provenance must be one of {list(PROVENANCE)}, got {provenance!r}")
        hypothesis_met = _hypothesis(hypothesis_met, kind)
        must_fail = kind in MUST_FAIL
        if expect is None:
            expect = "violation" if must_fail else "hold"
        if expect not in ("hold", "violation"):
            raise ValueError("expect must be 'hold' or 'violation'")
        if (expect == "violation") != must_fail:
            raise ValueError(f"claim {claim_id!r}: a claim that must fail is of kind counterexample "
                             f"or erratum, and those must fail (kind {kind!r}, expect {expect!r})")
        if kind in FALSIFIABLE or (trials is not None and not must_fail):
            if control is None:
                raise ValueError(f"claim {claim_id!r} of kind {kind!r} must name its negative control: "
                                 "control='tests/test_x.py::test_name', a test in which the same check "
                                 "function reports a violation")
        if control is not None:
            problem = control_problem(control)
            if problem:
                raise ValueError(f"claim {claim_id!r}: {problem}")
        if case is not None:
            case = str(case)
        deps = [str(d) for d in (depends_on or [])]
        full_id = claim_id if case is None else f"{claim_id}[{case}]"
        return full_id, kind, hypothesis_met, expect, case, deps

    @staticmethod
    def _status(holds, hypothesis_met, kind: str) -> str:
        if kind in MUST_FAIL:
            if holds is False:
                return "erratum confirmed" if kind == "erratum" else "expected violation"
            return "expected violation held"
        if holds is None:
            return "unresolved"
        if kind == "reproduction":
            return "reproduced" if holds else "not reproduced"
        if not holds:
            return "violated"
        return "holds beyond hypothesis" if hypothesis_met is False else "holds"

    # -- checks ----------------------------------------------------------------------------
    def check(self, claim_id: str, *, kind, lhs, rel: str, rhs, statement: str, source: str,
              provenance: str, hypothesis_met, expect: str | None = None, case=None,
              control: str | None = None, depends_on=(), seeds=None, rtol: float = 1e-12,
              atol: float = 0.0, resolution=None, trivial=None, min_resolved=None,
              certificate=None, severity: str | None = None, note: str = "") -> Record:
        """Check ``lhs rel rhs`` (elementwise for arrays) and record it; raise on a violation.

        Parameters
        ----------
        claim_id : str
            A literal id starting with the chapter name.
        kind : Kind or str
            What is checked (:class:`Kind`).
        lhs, rhs : float or array
            The two sides, of equal shapes or one scalar.
        rel : {"<=", "<", ">=", ">", "=="}
            The relation checked.
        hypothesis_met : bool or None
            Whether the theorem's hypothesis held in this run (None: no hypothesis).
        case : str, optional
            The configuration, when one claim is checked in several.
        control : str, optional
            The negative control (required for kinds assumption, step, conclusion, scaling).
        depends_on : list of str
            Claim ids or theorem-box labels this claim rests on.
        rtol, atol, resolution : float
            The resolution band (module docstring).
        trivial : float or array, optional
            The right-hand side with the claimed effect removed (e.g. the initial loss for a
            bound on its decrease): where the bound is within the resolution band of it, the
            check is vacuous and the element unresolved (:func:`compare`).
        min_resolved : float, optional
            The fraction of comparisons that must be decided for the claim to hold (trends).
        certificate : ntkbook.certify.Certificate or dict, optional
            A rigorous certificate of the record's *finding* — the relation for a claim that must
            hold, its negation for a counterexample or erratum — about the exact float64 inputs.
            *proved* marks the record certified and decides a comparison the float run left
            unresolved; *disproved* contradicts the finding and raises; *undecided* leaves the
            float verdict as it is and says so.
        severity : str, optional
            For an erratum, how serious it is: a key of :data:`SEVERITIES` ("breaks" the proof
            as printed, "substantive", "harmless", "notation").

        Returns
        -------
        Record

        Raises
        ------
        ClaimViolation
            When the claim fails beyond the resolution.
        ExpectedViolationHeld
            When a counterexample or erratum does not fail.
        """
        full_id, kind, hyp, expect, case, deps = self._common(
            claim_id, kind, provenance, hypothesis_met, expect, case, control, depends_on)
        if severity is not None and (kind != "erratum" or severity not in SEVERITIES):
            raise ValueError(f"severity applies to errata and is one of {list(SEVERITIES)}, got "
                             f"{severity!r} for a claim of kind {kind!r}")
        c = compare(lhs, rel, rhs, rtol, atol, resolution, trivial, min_resolved)
        res = None if resolution is None else float(np.max(resolution))
        verdict, cert = _certificate(certificate)
        holds = c["holds"]
        if verdict == "disproved":
            raise ClaimViolation(f"{full_id}: the certificate disproves the finding of the float "
                                 f"check ({cert.get('statement')}): {cert}")
        if verdict == "proved" and holds is None:    # the enclosure decides what floats could not
            holds = expect == "hold"
            note = (note + " [decided by the certificate: the float comparison was unresolved]").strip()
        if verdict == "undecided":
            note = (note + " [certificate undecided: the float verdict stands]").strip()
        rec = Record(id=full_id, kind=kind, statement=statement, source=source,
                     provenance=provenance, hypothesis_met=hyp, rel=rel, lhs=c["lhs"], rhs=c["rhs"],
                     margin=c["margin"], ratio=c["ratio"], holds=holds, expect=expect,
                     status=self._status(holds, hyp, kind), count=c["count"],
                     worst_index=c["index"], unresolved=c["unresolved"], seeds=_seedlist(seeds),
                     note=note, chapter=self.chapter, notebook=self.notebook, rtol=rtol, atol=atol,
                     resolution=res, base_id=claim_id, case=case, control=control, depends_on=deps,
                     function=_caller(), exact=c["exact"], vacuous=c["vacuous"],
                     certified=verdict, certificate=cert, severity=severity)
        return self._add(rec)

    def check_probability(self, claim_id: str, *, kind, failures: int, trials: int, delta: float,
                          statement: str, source: str, provenance: str, hypothesis_met,
                          alpha: float = 0.05, expect: str | None = None, case=None,
                          control: str | None = None, depends_on=(), seeds=None,
                          note: str = "") -> Record:
        """A "with probability ≥ 1 − δ" claim over ``trials`` seeds of which ``failures`` failed.

        *holds* when the one-sided (1 − alpha) Clopper–Pearson upper bound on the failure rate is
        ≤ δ; *violated* when the one-sided binomial test rejects "rate ≤ δ" at level alpha; *not
        refuted (low power)* otherwise. A counterexample must be a significant excess.

        Parameters
        ----------
        failures, trials : int
            Failures observed in independent trials of **one** configuration.
        delta : float
            The failure probability the statement allows, in (0, 1).
        alpha : float
            1 − confidence of the bound and level of the test (default 0.05).

        Returns
        -------
        Record
        """
        for name, v in (("failures", failures), ("trials", trials)):
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"{name} must be an integer count, got {v!r}")
        failures, trials = int(failures), int(trials)
        if trials <= 0 or not 0 <= failures <= trials:
            raise ValueError(f"need 0 <= failures <= trials and trials > 0, got {failures}/{trials}")
        if not 0 < delta < 1:
            raise ValueError(f"delta must lie in (0, 1), got {delta}")
        if not 0 < alpha < 0.5:
            raise ValueError(f"alpha must lie in (0, 0.5), got {alpha}")
        full_id, kind, hyp, expect, case, deps = self._common(
            claim_id, kind, provenance, hypothesis_met, expect, case, control, depends_on, trials)
        p = float(scipy.stats.binomtest(failures, trials, delta, alternative="greater").pvalue)
        upper = clopper_pearson_upper(failures, trials, 1 - alpha)
        rate = failures / trials
        if p < alpha:
            holds = False
        elif upper <= delta:
            holds = True
        else:
            holds = None
        status = self._status(holds, hyp, kind)
        if status == "unresolved":
            status = "not refuted (low power)"
        rec = Record(id=full_id, kind=kind, statement=statement, source=source, provenance=provenance,
                     hypothesis_met=hyp, rel="<=", lhs=rate, rhs=float(delta),
                     margin=(delta - upper) / delta, ratio=rate / delta, holds=holds, expect=expect,
                     status=status, count=trials, seeds=_seedlist(seeds), trials=trials,
                     failures=failures, rate=rate, upper=upper, p_value=p,
                     note=(note + f" [Clopper-Pearson {1 - alpha:.0%} upper bound; binomial test "
                           f"at alpha = {alpha}]").strip(),
                     chapter=self.chapter, notebook=self.notebook, base_id=claim_id, case=case,
                     control=control, depends_on=deps, function=_caller())
        return self._add(rec)

    # -- display ---------------------------------------------------------------------------
    def summary(self) -> "LedgerTable":
        """This notebook's claims as one compact table (a row per claim id) with the headline;
        the full records folded below it. Every page ends with it: its rows carry the anchors
        that the ledger, the claim index and the proof graphs link to."""
        return LedgerTable(self.records)


def _certificate(certificate) -> tuple[str | None, dict | None]:
    """(verdict, JSON-ready dict) of a certificate given to :meth:`Ledger.check`."""
    if certificate is None:
        return None, None
    cert = certificate.as_dict() if hasattr(certificate, "as_dict") else dict(certificate)
    cert = json.loads(json.dumps(cert, default=_json_default))
    verdict = cert.get("verdict")
    if verdict not in VERDICTS:
        raise ValueError(f"a certificate's verdict must be one of {VERDICTS}, got {verdict!r}")
    return verdict, cert


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
    if isinstance(o, enum.Enum):
        return o.value
    raise TypeError(f"not JSON serialisable: {type(o)}")


# -- counting ------------------------------------------------------------------------------------------
def _get(r, key):
    return r[key] if isinstance(r, dict) else getattr(r, key)


def kind_status_counts(records) -> dict:
    """``{(kind, status): count}`` over records (dicts or :class:`Record`)."""
    out: dict = {}
    for r in records:
        key = (_get(r, "kind"), _get(r, "status"))
        out[key] = out.get(key, 0) + 1
    return out


def _tally(rs) -> str:
    c: dict = {}
    for r in rs:
        c[_get(r, "status")] = c.get(_get(r, "status"), 0) + 1
    order = {s: i for i, s in enumerate(STATUSES)}
    return ", ".join(f"{n} {s}" for s, n in sorted(c.items(), key=lambda x: order.get(x[0], 99)))


def headline_groups(records) -> dict:
    """The records behind the headline: the tests of the theorems (steps, conclusions, scalings,
    reproductions) split by their hypothesis flag — ``met`` (a computed True: the only ones that
    test a theorem under its hypothesis), ``beyond`` (False) and ``no_hypothesis`` (None: fitted
    laws, reproductions and steps with no hypothesis to meet) — then ``certified`` (a certificate
    proved the finding) and the other kinds by name."""
    records = list(records)
    tests = [r for r in records if _get(r, "kind") in TESTS]
    groups = {"met": [r for r in tests if _get(r, "hypothesis_met") is True],
              "beyond": [r for r in tests if _get(r, "hypothesis_met") is False],
              "no_hypothesis": [r for r in tests if _get(r, "hypothesis_met") is None],
              "certified": [r for r in records if _certified(r) == "proved"]}
    for k in KINDS:
        if k not in TESTS:
            groups[k] = [r for r in records if _get(r, "kind") == k]
    return groups


def _certified(r):
    return r.get("certified") if isinstance(r, dict) else getattr(r, "certified", None)


def headline(records) -> str:
    """The number that means something: tests of the theorems with the hypothesis met (a computed
    True only), next to those observed beyond it and those with no hypothesis to meet."""
    g = headline_groups(records)
    met, beyond, none = g["met"], g["beyond"], g["no_hypothesis"]
    other = ", ".join(f"{len(g[k])} {k}" for k in KINDS if k not in TESTS)
    cert = f" {len(g['certified'])} certified by a rigorous enclosure." if g["certified"] else ""
    return (f"{len(met)} tested with the hypothesis met ({_tally(met) or 'none'}); "
            f"{len(beyond)} observed beyond the hypothesis ({_tally(beyond) or 'none'}); "
            f"{len(none)} with no hypothesis to meet ({_tally(none) or 'none'}). "
            f"Not counted as tests: {other}.{cert}")


def kind_status_text(records) -> str:
    """A plain-text kind × status table (``verify``)."""
    counts = kind_status_counts(records)
    statuses = [s for s in STATUSES if any(k[1] == s for k in counts)]
    kinds = [k for k in KINDS if any(c[0] == k for c in counts)]
    w = max([len("kind")] + [len(k) for k in kinds])
    head = "kind".ljust(w) + "".join(f"  {s:>{max(len(s), 5)}}" for s in statuses) + "  total"
    lines = [head, "-" * len(head)]
    for k in kinds:
        row = k.ljust(w) + "".join(f"  {counts.get((k, s), 0) or '':>{max(len(s), 5)}}" for s in statuses)
        lines.append(row + f"  {sum(counts.get((k, s), 0) for s in statuses):>5}")
    return "\n".join(lines)


class LedgerTable:
    """A page's claims as one compact table — a row per claim id (its cases together), with kind,
    status, margin, hypothesis and certificate — and every record's full line folded away."""

    def __init__(self, records):
        self.records = list(records)

    def groups(self) -> list[list]:
        out: dict = {}
        for r in self.records:
            out.setdefault(r.base_id or r.id, []).append(r)
        return list(out.values())

    def rows(self) -> list[dict]:
        rows = []
        for recs in self.groups():
            worst = min(recs, key=lambda r: (_SEVERITY.get(r.status, 0),
                                             r.margin if r.margin is not None else 0.0))
            hyps = {r.hypothesis_met for r in recs}
            certs = sorted({r.certified for r in recs if r.certified})
            rows.append({"claim": recs[0].base_id or recs[0].id, "kind": recs[0].kind,
                         "status": _tally(recs) if len(recs) > 1 else recs[0].status,
                         "worst": worst, "cases": len(recs),
                         "margin": format_margin(worst),
                         "hypothesis met": "/".join(
                             {True: "yes", False: "no", None: "n/a"}[h]
                             for h in (True, False, None) if h in hyps),
                         "certified": ", ".join(
                             f"{sum(r.certified == c for r in recs)} {c}" if len(recs) > 1 else c
                             for c in certs) or "—",
                         "ids": [r.id for r in recs]})
        return rows

    def __repr__(self) -> str:
        return "\n".join(r.line() for r in self.records) + "\n\n" + kind_status_text(self.records)

    def _repr_html_(self) -> str:
        import html
        head = "".join(f"<th>{h}</th>" for h in ("claim", "kind", "status", "margin (worst)",
                                                 "hypothesis met", "certified"))
        body = []
        for row in self.rows():
            w = row["worst"]
            anchors = "".join(f'<span id="{anchor(i)}"></span>' for i in row["ids"])
            cases = f" <small>({row['cases']} cases)</small>" if row["cases"] > 1 else ""
            claim = html.escape(row["claim"]).replace(".", ".<wbr>")
            body.append(f"<tr><td>{anchors}<code>{claim}</code>{cases}</td>"
                        f"<td>{row['kind']}</td><td style='color:{status_colour(w.status)}'>"
                        f"{html.escape(w.mark)} {html.escape(row['status'])}</td>"
                        f"<td>{html.escape(row['margin'])}</td><td>{row['hypothesis met']}</td>"
                        f"<td>{html.escape(row['certified'])}</td></tr>")
        lines = "".join(_record_div(r) for r in self.records)
        n = len(self.records)
        return (f"<div class='ntkbook-table-wrap ntkbook-page-claims'>"
                f"<p class='ntkbook-headline'>{html.escape(headline(self.records))}</p>"
                f"<table class='ntkbook-page-table'><thead><tr>{head}</tr></thead>"
                f"<tbody>{''.join(body)}</tbody></table>"
                f"<details class='ntkbook-records'><summary>The {n} record{'s' if n != 1 else ''}"
                f" of this page in full (both sides, tolerances, resolution, seeds)</summary>"
                f"{lines}</details></div>")


#: order of statuses from worst to best, for the worst case of a group
_SEVERITY = {s: i for i, s in enumerate(("violated", "expected violation held", "not reproduced",
                                         "unresolved", "not refuted (low power)",
                                         "holds beyond hypothesis", "erratum confirmed",
                                         "expected violation", "reproduced", "holds"))}


# -- reading records back ------------------------------------------------------------------------------
EMBED_TYPE = "application/vnd.ntkbook+json"
_EMBEDDED = re.compile(r'<script type="application/vnd\.ntkbook\+json">(.*?)</script>', re.S)


def embed(payload: dict) -> str:
    """An inert ``<script>`` carrying a record in the HTML output itself, so the record travels
    with the output wherever the output goes (execution cache, rendered page)."""
    text = json.dumps(payload, default=_json_default).replace("</", "<\\/")
    return f'<script type="{EMBED_TYPE}">{text}</script>'


def records_from_html(text: str) -> tuple[list[dict], list[dict]]:
    """The ledger headers and records embedded (``embed``) in HTML output text."""
    headers, records = [], []
    for m in _EMBEDDED.finditer(text):
        payload = json.loads(m.group(1).replace("<\\/", "</"))
        if "ledger" in payload:
            headers.append(payload["ledger"])
        if "record" in payload:
            records.append(payload["record"])
    return headers, records


def records_from_notebook(nb) -> tuple[list[dict], list[dict]]:
    """The ledger headers and records carried in an executed notebook's output metadata."""
    headers, records = [], []
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            meta = (out.get("metadata") or {}).get(METADATA_KEY)
            if not meta:
                continue
            if "ledger" in meta:
                headers.append(dict(meta["ledger"]))
            if "record" in meta:
                records.append(dict(meta["record"]))
    return headers, records


def load(directory=None) -> list[dict]:
    """Every notebook record file under ``directory`` (default ``$NTKBOOK_LEDGER_DIR``)."""
    directory = Path(directory) if directory else ledger_dir()
    if directory is None:
        return []
    return [json.loads(p.read_text()) for p in sorted(Path(directory).glob("*/*.json"))]


def audit(records) -> list[str]:
    """Problems of a build's records: duplicate ids, falsifiable claims without an existing
    control, a control that does not mention the function that made the check."""
    problems, seen = [], {}
    for r in records:
        rid = _get(r, "id")
        where = f"{_get(r, 'chapter')}/{_get(r, 'notebook')}"
        if rid in seen and seen[rid] != where:
            problems.append(f"{rid}: recorded in both {seen[rid]} and {where}")
        seen.setdefault(rid, where)
        kind = _get(r, "kind")
        needs = kind in FALSIFIABLE or (_get(r, "trials") is not None and kind not in MUST_FAIL)
        control = _get(r, "control")
        if needs and not control:
            problems.append(f"{rid} ({kind}) names no negative control")
        elif control:
            problem = control_problem(control)
            if problem:
                problems.append(f"{rid}: {problem}")
    return problems


def staleness(header: dict, env_key: str | None = None) -> str | None:
    """Why a notebook's records do not describe the current sources and run (None if current)."""
    if header.get("package_hash") != package_hash():
        return "recorded with another version of the ntkbook package"
    if env_key is not None and header.get("build_key") != env_key:
        return "recorded in another run environment (scale, device, threads or library versions)"
    current = code_hash(REPO_ROOT / "book" / header["chapter"] / f"{header['notebook']}.md")
    if current != header.get("code_hash"):
        return "recorded from other notebook code"
    return None

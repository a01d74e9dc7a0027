"""Generic check helpers of the chapter: fitted slopes, relative closeness, decreasing trends, and
the glue of a page's kind / status counts. The constants name the chapter, its source and where the
negative controls live."""
from __future__ import annotations

import numpy as np

from ..training import loglog_slope

CHAPTER = "unbalanced2026"
SOURCE = ("ICLR 2026 submission 'Convergence of Near-Linear Width ReLU Networks with Unbalanced "
          "Initialization' (abstract)")
RECON = "claim of the submission, tested in our reconstruction"
TESTS = "tests/test_unbalanced2026.py::"          # where the negative controls live


def check_slope(ledger, claim_id, x, y, *, target, tol, statement, source, provenance,
                hypothesis_met, kind="scaling", control=None, depends_on=(), case=None,
                seeds=None, note=""):
    """A fitted log-log slope lies within ``tol`` of ``target``: |slope − target| ≤ tol.
    ``kind`` is ``"scaling"`` (a derived rate, with its ``control``), ``"reproduction"`` (an
    exponent the abstract implies; the criterion ``tol`` is ours) or ``"counterexample"``."""
    s = loglog_slope(x, y)
    rec = ledger.check(claim_id, kind=kind, lhs=abs(s - target), rel="<=", rhs=tol,
                       statement=statement, source=source, provenance=provenance,
                       hypothesis_met=hypothesis_met, control=control, depends_on=depends_on,
                       case=case, seeds=seeds,
                       note=(note + f" fitted slope {s:.3f}, target {target}").strip())
    return rec, s


def check_close(ledger, claim_id, est, ref, *, tol, statement, source, provenance, hypothesis_met,
                kind="step", control=None, depends_on=(), seeds=None, note=""):
    """|est − ref| / |ref| ≤ tol (worst case over arrays)."""
    est, ref = np.asarray(est, float), np.asarray(ref, float)
    return ledger.check(claim_id, kind=kind, lhs=np.abs(est - ref) / np.abs(ref), rel="<=",
                        rhs=tol, statement=statement, source=source, provenance=provenance,
                        hypothesis_met=hypothesis_met, control=control, depends_on=depends_on,
                        seeds=seeds, note=note)


def check_decreasing(ledger, claim_id, x, y, *, statement, source, provenance, hypothesis_met,
                     kind="scaling", control=None, depends_on=(), seeds=None, note="",
                     at_most=-0.5):
    """The fitted log-log slope of y against x is ≤ ``at_most`` (y decreases with x)."""
    s = loglog_slope(x, y)
    rec = ledger.check(claim_id, kind=kind, lhs=s, rel="<=", rhs=at_most, statement=statement,
                       source=source, provenance=provenance, hypothesis_met=hypothesis_met,
                       control=control, depends_on=depends_on, seeds=seeds,
                       note=(note + f" fitted slope {s:.3f}").strip())
    return rec, s


def glue_kind_counts(ledger, prefix: str) -> dict:
    """Glue (myst-nb) the number of this page's claims of each kind as ``<prefix>_<kind>``, the
    tests of the theorems (steps, conclusions, scalings, reproductions) with the hypothesis met /
    not met as ``<prefix>_tests_met`` / ``_tests_beyond``, and the statuses ``_reproduced``,
    ``_not_reproduced``, ``_low_power``."""
    from myst_nb import glue

    from ..ledger import KINDS
    from ..ledger import TESTS as TESTED
    counts = {k: sum(1 for r in ledger.records if r.kind == k) for k in KINDS}
    tests = [r for r in ledger.records if r.kind in TESTED]
    counts["tests_met"] = sum(1 for r in tests if r.hypothesis_met is not False)
    counts["tests_beyond"] = sum(1 for r in tests if r.hypothesis_met is False)
    for key, status in (("reproduced", "reproduced"), ("not_reproduced", "not reproduced"),
                        ("low_power", "not refuted (low power)")):
        counts[key] = sum(1 for r in ledger.records if r.status == status)
    for key, value in counts.items():
        glue(f"{prefix}_{key}", value, display=False)
    return counts


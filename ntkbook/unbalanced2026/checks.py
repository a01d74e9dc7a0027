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
    headline's groups of the tests of the theorems (:func:`ntkbook.ledger.headline_groups`:
    steps, conclusions, scalings, reproductions) as ``<prefix>_tests_met`` (hypothesis a computed
    True), ``_tests_beyond`` (False) and ``_tests_none`` (no hypothesis), and the statuses
    ``_reproduced``, ``_not_reproduced``, ``_low_power``, ``_holds``, ``_beyond``. The prose
    then states the counts the page's claims table shows."""
    from myst_nb import glue

    from ..ledger import KINDS, headline_groups
    counts = {k: sum(1 for r in ledger.records if r.kind == k) for k in KINDS}
    groups = headline_groups(ledger.records)
    counts["tests_met"] = len(groups["met"])
    counts["tests_beyond"] = len(groups["beyond"])
    counts["tests_none"] = len(groups["no_hypothesis"])
    for key, status in (("reproduced", "reproduced"), ("not_reproduced", "not reproduced"),
                        ("low_power", "not refuted (low power)"), ("holds", "holds"),
                        ("beyond", "holds beyond hypothesis")):
        counts[key] = sum(1 for r in ledger.records if r.status == status)
    for key, value in counts.items():
        glue(f"{prefix}_{key}", value, display=False)
    return counts


"""The atlas's checks: data assumptions per theory, the held-out replication of a measured width,
a required width's sufficiency where it could be run, and fitted exponents against each theory.

Every falsifiable check names its negative control in ``tests/test_atlas.py``, in which the same
function reports a violation (a duplicated input, a dimension below N², a too-narrow width, an
exponent far from the theory's).
"""
from __future__ import annotations

import numpy as np
import scipy.stats

from .. import data, kernels
from ..errors import AssumptionError
from ..ledger import clopper_pearson_upper
from . import theories

__all__ = ["check_data", "check_nguyen_dimension", "check_heldout", "check_required",
           "fitted_exponent", "check_exponent", "CONTROL"]

TESTS = "tests/test_atlas.py::"
CONTROL = {"data": TESTS + "test_data_assumptions_fail_on_a_duplicated_row",
           "dimension": TESTS + "test_nguyen_dimension_refuses_d_below_N_squared",
           "heldout": TESTS + "test_heldout_reports_failures_at_a_too_narrow_width",
           "required": TESTS + "test_required_width_check_fails_when_too_narrow"}
SRC = {"du": "Du et al. 2019, Theorem 4.1", "nguyen": "Nguyen 2021, Sec. 3.2",
       "unbalanced": "ICLR 2026 submission (abstract): m = Omega~(Nn/lambda)"}


def _positive(K) -> dict:
    """λ_min(K) ≥ the eigensolver's resolution τ = :func:`ntkbook.kernels.eig_tolerance` (> 0),
    as keyword arguments of :meth:`Ledger.check`. A λ_min that is 0 in exact arithmetic (a
    duplicated row) computes to a few ulps, below τ: the check fails, which is its control."""
    return dict(kind="assumption", lhs=kernels.lambda_min(K), rel=">=",
                rhs=kernels.eig_tolerance(K), provenance="paper", hypothesis_met=None,
                control=CONTROL["data"])


def check_data(ledger, ds, case: str, certify: bool = False) -> dict:
    """Each theory's data assumptions on a subsample ``ds`` (:class:`~.datasets.Dataset`).

    First the named errors of :func:`ntkbook.data.validate` (finite, unit-norm rows, no two
    parallel, |y_i| ≤ 1); then, kind assumption, the positive definiteness each theory needs,
    above eigensolver resolution: λ0 = λ_min(H∞) (``atlas.data.lambda0``, Du et al.),
    λ* = λ_min(E σ(Xw)σ(Xw)ᵀ) (``atlas.data.lambda_star``, Nguyen §3.2; for unit rows and
    w ~ N(0, I/d) this is λ_min of the arc-cosine kernel) and λ of the unbalanced limiting
    kernel (``atlas.data.lambda_unbalanced``).

    With ``certify=True`` the λ0 record carries a rigorous certificate of its relation,
    λ0 ≥ τ > 0 (:func:`ntkbook.certify.lambda0_certificate`: H∞ of the exact float64 rows
    enclosed entry by entry in ball arithmetic, then Rump's verified Cholesky, giving
    [lower, upper] ∋ λ0); a *disproved* certificate raises. Returns the three values and the
    certificate (None without ``certify``)."""
    data.validate(ds.X, ds.y, C=1.0)
    where = dict(case=case, seeds=[ds.seed])
    H = kernels.h_infinity(ds.X)
    cert = None
    if certify:
        from ..certify import lambda0_certificate
        cert = lambda0_certificate(ds.X, kernels.eig_tolerance(H))
    r0 = ledger.check("atlas.data.lambda0", **_positive(H),
                      statement=r"\lambda_0=\lambda_{\min}(H^\infty)>0",
                      source=SRC["du"] + ", Assumption 3.1", certificate=cert, **where)
    rs = ledger.check("atlas.data.lambda_star", **_positive(kernels.arccos1(ds.X)),
                      statement=r"\lambda_*=\lambda_{\min}(\mathbb E[\sigma(Xw)\sigma(Xw)^\top])>0",
                      source=SRC["nguyen"] + ", below (21)", **where)
    ru = ledger.check("atlas.data.lambda_unbalanced",
                      **_positive(theories.kernel("unbalanced", ds.X)),
                      statement=r"\lambda=\lambda_{\min}(s_V^2H^\infty+s_W^2G^\infty)>0",
                      source=SRC["unbalanced"], **where)
    return {"lambda0": float(r0.lhs), "lambda_star": float(rs.lhs), "lambda": float(ru.lhs),
            "certificate": cert}


def check_nguyen_dimension(ledger, ds, case: str):
    """Nguyen §3.2 needs d ≥ N^r with r ≥ 2 for λ* = Ω(1) (Nguyen & Mondelli 2020, Thm 3.3):
    recorded as ``atlas.data.nguyen_dimension`` (kind assumption) when d ≥ N²; otherwise
    :class:`~ntkbook.errors.AssumptionError` names it (the data set is outside §3.2). Both sides
    are integers, compared exactly (d = N² holds)."""
    if ds.d < ds.n ** 2:
        raise AssumptionError("d >= N^2 (Nguyen 2021, Sec. 3.2: lambda* = Omega(1))",
                              f"{ds.name}: d = {ds.d} < N^2 = {ds.n ** 2}")
    return ledger.check("atlas.data.nguyen_dimension", kind="assumption", lhs=int(ds.d),
                        rel=">=", rhs=int(ds.n) ** 2, statement=r"d\ge N^2",
                        source=SRC["nguyen"] + " (r = 2)", provenance="paper",
                        hypothesis_met=None, case=case, control=CONTROL["dimension"],
                        seeds=[ds.seed])


def check_heldout(ledger, meas, delta: float = 0.1):
    """``atlas.measured.heldout`` (kind reproduction, one case per configuration): at the width m*
    selected on the selection seeds, GD fails on at most a fraction δ of the *held-out* seeds
    (one-sided 95% Clopper–Pearson bound). A width selected on few seeds is optimistic (the
    winner's curse): *not reproduced* says so."""
    if meas.m_star is None:
        raise AssumptionError("a width of the grid succeeds on the selection seeds",
                              f"{meas.theory}, {meas.dataset}, n = {meas.n}: {meas.success}")
    return ledger.check_probability(
        "atlas.measured.heldout", kind="reproduction", failures=meas.failures,
        trials=len(meas.test_seeds), delta=delta,
        statement=r"P(\text{GD misses }\varepsilon\Phi_0\text{ within }T\text{ at }m^*)\le\delta",
        source="our measurement (selection and held-out seeds disjoint)",
        provenance="reconstruction", hypothesis_met=None,
        case=f"{meas.theory},{meas.dataset},n={meas.n}", control=CONTROL["heldout"],
        seeds=list(meas.test_seeds), depends_on=["atlas.data.lambda0"],
        note=f"m* = {meas.m_star}; eta = 1/lambda_max = {meas.eta:.4g}, T = {meas.steps}")


#: required widths whose constant is explicit (the chapter derived it); the others carry a
#: constant 1 of ours
EXPLICIT = ("du",)


def check_required(ledger, meas, key: str, hypothesis_met: bool, delta: float = 0.1):
    """``atlas.required.sufficient`` (one case per theory, data set and n): at the theory's
    required width ``key`` (where it could be run), GD on the theory's model fails on at most δ of
    the held-out seeds. Kind *conclusion* where the width's constant is explicit
    (:data:`EXPLICIT`); kind *reproduction* where the constant 1 is ours (Nguyen as printed, the
    unbalanced Õ): a failure there says the constant is larger than 1, not that the theorem is
    false. ``hypothesis_met`` is the caller's computation
    (:func:`~.theories.unbalanced_hypothesis`, :func:`~.theories.nguyen_hypothesis`,
    :func:`~.theories.du_hypothesis`)."""
    m, failures = meas.at_required[key]
    deps = {"unbalanced": ["atlas.data.lambda_unbalanced"],
            "nguyen": ["atlas.data.lambda_star"], "du": ["atlas.data.lambda0"]}[meas.theory]
    explicit = key in EXPLICIT
    return ledger.check_probability(
        "atlas.required.sufficient", kind="conclusion" if explicit else "reproduction",
        failures=failures, trials=len(meas.test_seeds), delta=delta,
        statement=r"P(\text{GD misses }\varepsilon\Phi_0\text{ within }T\text{ at }"
                  r"m_{\rm required})\le\delta",
        source=SRC[meas.theory], provenance="derived" if explicit else "reconstruction",
        hypothesis_met=hypothesis_met, case=f"{key},{meas.dataset},n={meas.n}",
        control=CONTROL["required"], seeds=list(meas.test_seeds), depends_on=deps,
        note=f"m_required = {m} ({key}{'' if explicit else ', constant 1'}); "
             f"eta = {meas.eta:.4g}, T = {meas.steps}")


def clopper_pearson(failures: int, trials: int, confidence: float = 0.95) -> float:
    """The one-sided upper confidence bound on a failure rate the ledger uses
    (:func:`ntkbook.ledger.clopper_pearson_upper`)."""
    return clopper_pearson_upper(int(failures), int(trials), confidence)


def fitted_exponent(n, m, confidence: float = 0.95) -> tuple[float, float, float]:
    """Least-squares slope of log m against log n (:func:`scipy.stats.linregress`) and its
    two-sided ``confidence`` interval from Student's t with len(n) − 2 degrees of freedom."""
    n, m = np.asarray(n, dtype=np.float64), np.asarray(m, dtype=np.float64)
    if n.size < 3:
        raise AssumptionError("at least three sizes n for an exponent with an interval",
                              f"got {n.size}")
    fit = scipy.stats.linregress(np.log(n), np.log(m))
    stderr = 0.0 if np.ptp(np.log(m)) == 0 else fit.stderr     # constant m: an exact fit
    half = scipy.stats.t.ppf(0.5 + confidence / 2, n.size - 2) * stderr
    return float(fit.slope), float(fit.slope - half), float(fit.slope + half)


def check_exponent(ledger, key: str, dataset: str, n, m_star, m_required, grid_ratio=2 ** 0.5):
    """``atlas.exponent`` (kind reproduction, one case per theory and data set): the exponent of
    the theory's required width in n (fitted on the same subsamples, so λ's dependence on n is
    included) lies in the 95% interval of the fitted exponent of the measured m*, widened to
    at least log(grid_ratio)/log(n_max/n_min): m* is known only to a factor ``grid_ratio`` (the
    width grid), and one grid step at one end of the n range moves the slope by that much."""
    s, lo, hi = fitted_exponent(n, m_star)
    s_req = fitted_exponent(n, m_required)[0]
    half = (hi - lo) / 2
    tol = max(half, float(np.log(grid_ratio) / np.log(np.max(n) / np.min(n))))
    theory = key.split("_")[0]
    rec = ledger.check(
        "atlas.exponent", kind="reproduction", lhs=abs(s - s_req), rel="<=", rhs=tol,
        statement=r"|s(m^*)-s(m_{\rm required})|\le\max(\text{95\% half-interval},"
                  r"\ \text{grid resolution})",
        source=SRC[theory], provenance="reconstruction", hypothesis_met=None,
        case=f"{key},{dataset}", depends_on=["atlas.measured.heldout"],
        note=f"s(m*) = {s:.2f} [{lo:.2f}, {hi:.2f}], s(required) = {s_req:.2f}")
    return rec, (s, lo, hi, s_req)

"""The checks of the foundations page (Du et al. 2019, Assumption 3.1 and Theorem 3.1): H∞, λ0
and the concentration of the finite-width Gram matrix H(W) around H∞.

Each function computes both sides of one inequality and records it in a
:class:`ntkbook.ledger.Ledger`; the negative controls in ``tests/test_foundations.py`` call the same
functions with a hypothesis broken or a constant tightened.
"""
from __future__ import annotations

import numpy as np
import scipy.stats
import torch

from . import data, kernels

SOURCE = "Du et al. 2019"


def lambda0_certificate(X, rel: str, t: float):
    """The rigorous certificate of ``λ0 rel t`` for the exact float inputs ``X``: H∞ enclosed in
    ball arithmetic, λ_min bounded by Rump's verified Cholesky and a Rayleigh quotient
    (:func:`ntkbook.certify.lambda0_certificate`), the relation decided on the enclosure's
    outward-rounded ends (:func:`ntkbook.du2019.certificates.lambda0_relation`)."""
    from .du2019.certificates import lambda0_relation
    return lambda0_relation(X, rel, t)


def check_lambda0_positive(ledger, X, *, seeds=None, duplicate: bool = False,
                           certify: bool = True):
    """Theorem 3.1: λ0 = λ_min(H∞) > 0 when no two inputs are parallel, checked as λ0 above the
    eigensolver's resolution n·eps·‖H∞‖₂ (:func:`ntkbook.kernels.eig_tolerance`).

    ``hypothesis_met`` is computed: no two rows of ``X`` parallel (|cos| < 1 beyond rounding).
    With ``duplicate=True`` the claim is recorded as the counterexample the theorem excludes.
    ``certify`` (default) attaches the certificate of the finding (:func:`lambda0_certificate`):
    λ0 above the resolution, or at most the resolution for the counterexample.

    Returns
    -------
    ntkbook.ledger.Record
    """
    H = kernels.h_infinity(X)
    cos, _ = data.max_abs_cosine(X)
    non_parallel = bool(1.0 - cos > 1e-12)
    tol = kernels.eig_tolerance(H)
    cert = lambda0_certificate(X, "<=" if duplicate else ">", tol) if certify else None
    if duplicate:
        return ledger.check("foundations.thm3.1.duplicate", kind="counterexample",
                            lhs=kernels.lambda_min(H), rel=">", rhs=tol,
                            statement=r"\lambda_{\min}(H^\infty) > 0 \text{ with a duplicated input}",
                            source=f"{SOURCE}, Theorem 3.1 (hypothesis dropped)", provenance="paper",
                            hypothesis_met=non_parallel, seeds=seeds, certificate=cert)
    return ledger.check("foundations.thm3.1", kind="conclusion", lhs=kernels.lambda_min(H), rel=">",
                        rhs=tol, certificate=cert,
                        statement=r"\lambda_{\min}(H^\infty) > 0 \text{ for non-parallel unit inputs}",
                        source=f"{SOURCE}, Theorem 3.1", provenance="paper",
                        hypothesis_met=non_parallel, seeds=seeds,
                        control="tests/test_foundations.py::test_thm31_fails_for_parallel_inputs",
                        depends_on=["def-h-infinity"])


def concentration_bound(n: int, m: int, delta: float) -> float:
    """n·√(log(2n²/δ)/(2m)): Hoeffding per entry and a union bound over the n² entries, then
    ‖A‖₂ ≤ n·max|A_ij| (our derivation, cf. Du et al. Lemma 3.1)."""
    return n * np.sqrt(np.log(2 * n**2 / delta) / (2 * m))


def gram_deviations(X, H_inf, m: int, seeds, init) -> np.ndarray:
    """‖H(W) − H∞‖₂ for W drawn by ``init(m, seed)`` for each seed."""
    H = torch.as_tensor(np.asarray(H_inf, dtype=np.float64))
    return np.array([kernels.spectral_norm(kernels.gram(X, init(m, s)) - H) for s in seeds])


def check_concentration(ledger, deviations, n: int, m: int, delta: float, *, seeds, factor=1.0):
    """P(‖H(W) − H∞‖₂ > factor · n√(log(2n²/δ)/(2m))) ≤ δ over the seeds (one width = one
    configuration). ``factor`` < 1 tightens the constant (the negative control)."""
    bound = factor * concentration_bound(n, m, delta)
    return ledger.check_probability(
        "foundations.concentration", kind="conclusion", case=f"m={m}",
        failures=int((np.asarray(deviations) > bound).sum()), trials=len(deviations), delta=delta,
        statement=r"P\big(\lVert H(W)-H^\infty\rVert_2 > n\sqrt{\log(2n^2/\delta)/(2m)}\big)\le\delta",
        source="Hoeffding + union bound (cf. Du et al. Lemma 3.1)", provenance="derived",
        hypothesis_met=None, seeds=list(seeds), depends_on=["def-h-infinity"],
        control="tests/test_foundations.py::test_concentration_fails_with_a_tightened_constant")


def check_concentration_slope(ledger, widths, deviations: dict, *, target=-0.5, level=0.95):
    """The deviation shrinks like m^(−1/2): the ``level`` confidence interval of the least-squares
    slope of log ‖H(W) − H∞‖₂ on log m (all seeds, ``scipy.stats.linregress``) contains
    ``target``. Recorded as |ŝ − target| ≤ t·SE."""
    xs = np.concatenate([np.full(len(deviations[m]), np.log(m)) for m in widths])
    ys = np.concatenate([np.log(deviations[m]) for m in widths])
    fit = scipy.stats.linregress(xs, ys)
    t = scipy.stats.t.ppf(0.5 + level / 2, len(xs) - 2)
    return ledger.check("foundations.concentration.slope", kind="scaling",
                        lhs=abs(fit.slope - target), rel="<=", rhs=t * fit.stderr,
                        statement=r"|\hat s - (-\tfrac12)| \le t_{0.975}\,\mathrm{SE}(\hat s),\ "
                                  r"\lVert H(W)-H^\infty\rVert_2 \propto m^{\hat s}",
                        source="Du et al. 2019, Remark 3.1 (rate in m)",
                        provenance="paper", hypothesis_met=None,
                        control="tests/test_foundations.py::test_slope_fails_for_a_wrong_exponent",
                        note=f"fitted slope {fit.slope:.4f} ± {fit.stderr:.4f} (SE), "
                             f"widths {list(widths)}")

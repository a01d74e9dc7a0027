"""Nguyen 2021, errata 1–2 of the proof of Theorem 2.2 (algebraic; illustrated at points built
for them).
"""
from __future__ import annotations

import numpy as np
import sympy as sp
import torch
from flint import arb

from ..errors import AssumptionError
from ..models import DeepReLU
from .certified import ball_min, decide
from .proof import ProofTrace
from .theorem22 import SOURCE, cond9_literal, condition_ratios, theorem22


def _certificate(enclosure, finding: str, lhs_key: str, rel: str, rhs_key: str, eta=None):
    """The certificate of a chain erratum's finding ``lhs rel rhs`` (keys of
    :meth:`ntkbook.nguyen2021.certified.Enclosure.quantities`) at the enclosed θ0; None without an
    enclosure."""
    if enclosure is None:
        return None
    q = enclosure.quantities(eta)
    return decide(q[lhs_key], rel, q[rhs_key],
                  f"{finding} at θ0 (exact float64 weights, digest {enclosure.digest})",
                  inputs=enclosure.digest, method=enclosure.method, seconds=enclosure.seconds)


def check_erratum_last_step(ledger, tr: ProofTrace, case=None, enclosure=None):
    """Erratum 1 (kind erratum): at ``tr``'s θ0 the hypotheses AS PRINTED hold (n_{L−1} ≥ N, (7),
    (8), (9), η < (10)), yet the last step of the proof, "by (9)",
    1 − η(α0²/4 − 2q2) ≤ 1 − ηα0²/8 ⟺ 16q2 ≤ α0², fails. Recorded as ``nguyen2021.errata.chain_eq9``
    with hypothesis_met = the printed hypotheses (computed). ``enclosure``
    (:func:`ntkbook.nguyen2021.certified.enclose_theorem22` at ``tr``'s θ0) certifies 16q2 > α0²."""
    t = tr.t
    printed = bool(t.hypothesis_met and tr.eta < t.eta_bound)
    ch = tr.chain() if tr.phi.size > 1 else None
    return ledger.check("nguyen2021.errata.chain_eq9", kind="erratum",
                        severity="breaks", case=case, lhs=16 * tr.q2, rel="<=",
                        rhs=t.alpha0 ** 2, rtol=0.0,
                        statement=r"\text{under (7), (8), (9) as printed: }1-\eta(\tfrac{\alpha_0^2}4-2q_2)"
                                  r"\le1-\eta\tfrac{\alpha_0^2}8\ \Leftrightarrow\ 16q_2\le\alpha_0^2",
                        source=f"{SOURCE}, proof of Thm 2.2, final chain 'by (9)'", provenance="paper",
                        hypothesis_met=printed, depends_on=["nguyen2021.eq9"],
                        certificate=_certificate(enclosure, "16 q2 > α0²", "16q2", ">", "alpha0^2"),
                        note="" if ch is None else
                        f"one-step factor 1 - eta(alpha0^2/4 - 2q2) = {ch['second']:.10f}, "
                        f"target {ch['target']:.10f}")


def check_erratum_printed_line1(ledger, tr: ProofTrace, case=None, enclosure=None):
    """Erratum 2 (kind erratum): the three term bounds add up to the literal factor
    1 − ηα0²/2 + η²q1² + 2ηq2; the printed first line 1 − ηα0²/4 + η²q1² + ηq2 follows from it only
    when α0² ≥ 4q2. At a point where the printed hypotheses hold but α0² < 4q2 the printed factor
    is below the literal one (``nguyen2021.errata.chain_line1``)."""
    t, e = tr.t, tr.eta
    printed = bool(t.hypothesis_met and tr.eta < t.eta_bound)
    lit_minus_printed = e * (tr.q2 - t.alpha0 ** 2 / 4)    # literal - printed (sympy: η(q2 − α0²/4))
    return ledger.check("nguyen2021.errata.chain_line1", kind="erratum",
                        severity="substantive", case=case,
                        lhs=e * t.alpha0 ** 2 / 4, rel=">=", rhs=e * tr.q2, rtol=0.0,
                        statement=r"[1-\eta\tfrac{\alpha_0^2}4+\eta^2q_1^2+\eta q_2]\ge"
                                  r"[1-\eta\tfrac{\alpha_0^2}2+\eta^2q_1^2+2\eta q_2]"
                                  r"\ \Leftrightarrow\ \eta\alpha_0^2/4\ge\eta q_2",
                        source=f"{SOURCE}, proof of Thm 2.2, final chain, line 1", provenance="derived",
                        hypothesis_met=printed,
                        certificate=_certificate(enclosure, "α0² < 4 q2 (the printed line 1 is "
                                                 "below the literal one)", "alpha0^2", "<", "4q2"),
                        note=f"literal - printed = {lit_minus_printed:.3e}")


def printed9_counterexample(model: DeepReLU, seed: int, X, eps: float = 1e-3, C=1.0, grid=None):
    """A θ0 at which (7), (8) and (9) AS PRINTED hold but the corrected (9) (:func:`cond9_needed`),
    which the last step of the proof needs, fails. Construction: W_1..W_{L−1} = β × LeCun, W_L LeCun,
    labels Y = F_L(θ0) + eps·Z (small initial loss makes (7), (8) easy; (9) does not involve Φ).
    Scans β over ``grid`` and returns (params, Y, β, theorem22) for the β where the ratio
    (printed 9 holds) × (needed 9 fails) is most central, or raises AssumptionError if none exists."""
    L = model.L
    base = model.init(seed)
    Z = torch.randn(X.shape[0], model.widths[-1], generator=torch.Generator().manual_seed(seed + 7),
                    dtype=X.dtype).to(X.device)
    grid = 2.0 ** np.arange(-2, 16, 0.25) if grid is None else grid
    found = []
    for b in grid:
        p = {k: (float(b) * v if k != f"W{L}" else v) for k, v in base.items()}
        with torch.no_grad():
            Y = model.forward(p, X) + eps * Z
        t = theorem22(model, p, X, Y, C)
        r = condition_ratios(t)
        if t.hypothesis_met and r["9*"] < 1:
            found.append((abs(np.log(r["9"]) + np.log(r["9*"])), p, Y, float(b), t))
    if not found:
        raise AssumptionError("a theta0 with printed (9) true and corrected (9) false", "none on the grid")
    _, p, Y, b, t = min(found, key=lambda f: f[0])
    return p, Y, b, t


def check_erratum_literal_chain(ledger, tr: ProofTrace, case=None, enclosure=None):
    """Erratum 1, sharper (kind erratum): at ``tr``'s θ0, where the printed hypotheses hold, even
    the condition of the LITERAL chain — α0² ≥ 8q2 (:func:`cond9_literal`, the minimal corrected
    form of (9); the printed chain needs 16q2) — fails
    (``nguyen2021.errata.chain_eq9.literal``)."""
    t = tr.t
    lhs, rhs = cond9_literal(t)
    return ledger.check("nguyen2021.errata.chain_eq9.literal", kind="erratum",
                        severity="breaks", case=case,
                        lhs=8 * tr.q2, rel="<=", rhs=lhs, rtol=0.0,
                        statement=r"\text{under (7), (8), (9) as printed: }8q_2\le\alpha_0^2"
                                  r"\ \text{(what the literal chain needs)}",
                        source=f"{SOURCE}, proof of Thm 2.2, final chain (our expansion)",
                        provenance="derived",
                        hypothesis_met=bool(t.hypothesis_met and tr.eta < t.eta_bound),
                        depends_on=["nguyen2021.errata.chain_eq9"],
                        certificate=_certificate(enclosure, "8 q2 > α0²", "8q2", ">", "alpha0^2"),
                        note=f"alpha0^2 / (8 q2) = {lhs / rhs:.4g}")


def check_erratum_factor(ledger, tr: ProofTrace, case=None, enclosure=None):
    """Erratum 1, sharper (kind erratum): at ``tr``'s θ0 the one-step factor the proof derives,
    1 − η(α0²/4 − 2q2), and the literal one, 1 − ηα0²/2 + η²q1² + 2ηq2, should be < 1 for the
    chain to certify any decrease; both exceed 1 (``nguyen2021.errata.chain_eq9.factor``)."""
    t = tr.t
    e, a2 = tr.eta, t.alpha0 ** 2
    second = 1 - e * (a2 / 4 - 2 * tr.q2)
    literal = 1 - e * a2 / 2 + e ** 2 * tr.q1 ** 2 + 2 * e * tr.q2
    cert = None
    if enclosure is not None:
        q = enclosure.quantities(e)
        cert = decide(ball_min([q["second-1"], q["literal-1"]]), ">", arb(0),
                      f"both one-step factors exceed 1 at θ0 and η = {e!r}: "
                      "η(2q2 − α0²/4) > 0 and η(ηq1² + 2q2 − α0²/2) > 0 "
                      f"(exact float64 weights, digest {enclosure.digest})",
                      inputs=enclosure.digest, method=enclosure.method, seconds=enclosure.seconds)
    return ledger.check("nguyen2021.errata.chain_eq9.factor", kind="erratum",
                        severity="breaks", case=case,
                        lhs=[second, literal], rel="<", rhs=1.0, rtol=0.0,
                        statement=r"1-\eta(\tfrac{\alpha_0^2}4-2q_2)<1,\ "
                                  r"1-\eta\tfrac{\alpha_0^2}2+\eta^2q_1^2+2\eta q_2<1",
                        source=f"{SOURCE}, proof of Thm 2.2, final chain", provenance="derived",
                        hypothesis_met=bool(t.hypothesis_met and tr.eta < t.eta_bound),
                        depends_on=["nguyen2021.errata.chain_eq9"], certificate=cert,
                        note=f"factors - 1: {second - 1:.3e} (printed chain), "
                             f"{literal - 1:.3e} (literal)")


def eq8_implies_eq9_scope(t) -> float:
    """α0λ̄_L / (2√(2Φ0)): when it is ≤ 1, (8) already implies (9*) (16q2 ≤ α0² follows from
    α0³ ≥ 32‖X‖_F²λ̄_LΣ_{l<L}λ̄²_{1→L−1}/λ̄_l²·√(2Φ0) = 2√(2Φ0)/λ̄_L · 16q2), so a θ0 meeting the
    printed hypotheses but not (9*) needs this ratio above 1 — a small initial loss."""
    return float(t.alpha0 * t.lam_bar[t.L - 1] / (2 * t.sqrt_2phi0))


def eq8_implies_eq9_sympy():
    """sympy: with S = ‖X‖_F²Σ_{l<L}λ̄²_{1→L−1}/λ̄_l², (8) reads α0³ ≥ 32λ̄_L S e0 and 16q2 =
    16λ̄_L²S; the bound (8) gives on 16q2/α0² is λ̄_Lα0/(2e0). Returns that bound, simplified."""
    a, lamL, S, e0 = sp.symbols("alpha0 lambdabar_L S e0", positive=True)
    S_max = a ** 3 / (32 * lamL * e0)          # the largest S that (8) allows
    return sp.simplify(16 * lamL ** 2 * S_max / a ** 2)


def certify_FtF_below_sigma2(model: DeepReLU, params: dict, X):
    """Item 3, rigorously: for F = F_{L−1}(θ) (exact float weights, ball forward pass),
    λ_min(FᵀF) < σ_min(F)² — the Rayleigh quotient ‖Fv‖²/‖v‖² of a float null vector v of F bounds
    λ_min(FᵀF) from above, a verified λ_min(FFᵀ) bounds σ_min(F)² from below
    (:mod:`ntkbook.nguyen2021.certified`). Proved only when n_{L−1} > N makes FᵀF singular."""
    import time

    from .. import certify
    from .certified import forward_balls, null_rayleigh_upper, sigma_min_ball
    start = time.perf_counter()
    with certify.working_precision():
        F = forward_balls(params, X, model.L)[model.L - 1]
        up, how = null_rayleigh_upper(F, side="right")
        s, how_s = sigma_min_ball(F)
        digest = certify.inputs_digest(*(params[f"W{l}"] for l in range(1, model.L + 1)), X)
        return decide(up, "<", s * s, "λ_min(FᵀF) < σ_min(F)² for F = F_(L-1)(θ) at the exact "
                      f"float64 weights (digest {digest})", inputs=digest,
                      method=f"ball forward pass; upper: {how}; σ_min: {how_s}",
                      seconds=time.perf_counter() - start)


def certify_sigma_min_product_zero(X, W, resolution: float):
    """Item 5, rigorously: σ_min(XW) ≤ ``resolution`` for the exact float64 X (N×n0) and W, XW
    in ball arithmetic: the N-th singular value is at most the square root of the Rayleigh
    quotient ‖uᵀXW‖²/‖u‖² of a float left null vector u (n0 < N: rank(XW) ≤ n0)."""
    import time

    from .. import certify
    from .certified import _mat, _np, null_rayleigh_upper, sqrt_ball
    start = time.perf_counter()
    with certify.working_precision():
        P = _mat(_np(X)) * _mat(_np(W))
        up, how = null_rayleigh_upper(P, side="left")
        digest = certify.inputs_digest(X, W, resolution)
        return decide(sqrt_ball(up), "<=", arb(float(resolution)),
                      f"σ_min(XW) ≤ {resolution:.3g} at the exact float64 X, W (digest {digest})",
                      inputs=digest, method=f"XW in ball arithmetic; {how}",
                      seconds=time.perf_counter() - start)

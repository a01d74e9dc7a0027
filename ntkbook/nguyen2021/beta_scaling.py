"""Nguyen 2021, Section 3.1: the β-scaling θ̃0 = (βW_1^0, …, βW_{L−1}^0, 0), the exact polynomial
forms (14), (15), (8) in β, and runs from such points.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize
import scipy.stats
import torch

from ..errors import AssumptionError
from ..kernels import sigma_min, spectral_norm
from ..models import DeepReLU
from ..training import gradient_descent
from .proof import loss_resolution
from .theorem22 import (
    CONTROL_B,
    SOURCE,
    Theorem22,
    certified_rate,
    cond9_needed,
    hypothesis_met_corrected,
    theorem22,
    with_C,
)


def beta_scaled_init(model: DeepReLU, seed: int, X, Y, C: float = 1.0, margin: float = 1.05,
                     use_needed_9: bool = True, beta_max: float = 1e8) -> tuple[dict, float, Theorem22]:
    """§3.1: θ̃0 = (βW_1^0, …, βW_{L−1}^0, W_L = 0) from a LeCun draw, with the smallest β (×``margin``)
    on a geometric grid refined by bisection for which (7), (8), (9) — and, if ``use_needed_9``,
    the corrected (9) of :func:`cond9_needed` — hold. Returns (params, β, theorem22(...))."""
    base = model.init(seed)
    L = model.L

    def point(b):
        return {k: (b * v if k != f"W{L}" else torch.zeros_like(v)) for k, v in base.items()}

    def ok(b):
        t = theorem22(model, point(b), X, Y, C)
        good = t.hypothesis_met
        if use_needed_9:
            l9, r9 = cond9_needed(t)
            good = good and l9 >= r9
        return good

    hi = 1.0
    while not ok(hi):
        hi *= 2
        if hi > beta_max:
            raise AssumptionError("(7)-(9) reachable by beta-scaling (Sec. 3.1): alpha_0 > 0",
                                  f"no beta <= {beta_max:g} works (is n_(L-1) >= N and F_(L-1) full rank?)")
    lo = hi / 2
    for _ in range(40):
        mid = math.sqrt(lo * hi)
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    beta = hi * margin
    p = point(beta)
    return p, beta, theorem22(model, p, X, Y, C)


def scaled_point(params: dict, beta: float, L: int) -> dict:
    """θ̃0 = (βW_1^0, …, βW_{L−1}^0, W_L = 0) of §3.1."""
    if not beta > 0:
        raise AssumptionError("beta > 0 (Nguyen 2021, Sec. 3.1)", f"beta = {beta}")
    out = {f"W{l}": beta * params[f"W{l}"] for l in range(1, L)}
    out[f"W{L}"] = torch.zeros_like(params[f"W{L}"])
    return out


def best_rate_beta_init(model: DeepReLU, params: dict, X, Y, betas, C_last) -> tuple[dict, float, np.ndarray, Theorem22]:
    """§3.1 β-scaling with C = (1, …, 1, C_L): over the grids ``betas`` × ``C_last`` keep the point
    θ̃0(β) meeting (7), (8), (9) and the corrected (9) with the largest certified rate ηα0²/8
    (C_l = 1 for l < L as in §3.1; C_L is free in Thm 2.2). Returns (θ̃0, β, C, theorem22)."""
    L = model.L
    best = None
    for b in betas:
        p = scaled_point(params, float(b), L)
        t0 = theorem22(model, p, X, Y, 1.0)
        for cl in C_last:
            C = np.array([1.0] * (L - 1) + [float(cl)])
            t = with_C(t0, C)
            if hypothesis_met_corrected(t):
                r = certified_rate(t)
                if best is None or r > best[0]:
                    best = (r, p, float(b), C, t)
    if best is None:
        raise AssumptionError("(7)-(9) reachable by beta-scaling (Sec. 3.1)", "no (beta, C_L) in the grid works")
    return best[1], best[2], best[3], best[4]


def identity_middle_init(model: DeepReLU, seed: int) -> dict:
    """A θ0 for §3.1's β-scaling whose depth does not shrink α0/(‖X‖ ∏‖W_l‖₂): W_1 LeCun,
    W_l = I (2 ≤ l ≤ L−1; needs n_1 = … = n_{L−1}), W_L LeCun. Since F_1 ≥ 0, σ(F_1 I) = F_1, so
    F_{L−1}(θ0) = σ(XW_1). (Any θ0 with α0 > 0 is admissible in Thm 2.2.)"""
    L = model.L
    if len(set(model.widths[1:L])) != 1:
        raise AssumptionError("n_1 = ... = n_{L-1} for identity middle layers", f"widths {model.widths}")
    p = model.init(seed)
    m = model.widths[1]
    for l in range(2, L):
        p[f"W{l}"] = torch.eye(m, dtype=p["W1"].dtype, device=p["W1"].device)
    return p


P = np.polynomial.Polynomial


@dataclass
class BetaPolynomials:
    """LHS and RHS of (14), (15), (8) and of (9) as printed, as exact polynomials in β.

    With C_l = 1 and W_L = 0: λ̄_l(β) = β‖W_l^0‖₂ + 1 (l < L), λ̄_L = 1, α0(β) = β^{L−1} α0,
    √(2Φ) = ‖Y‖_F."""
    L: int
    alpha0: float
    norms: np.ndarray
    norm_X: float
    norm_Y: float
    sides: dict = field(default_factory=dict)   # name -> (lhs Polynomial, rhs Polynomial)

    def value(self, name: str, beta: float) -> tuple[float, float]:
        lhs, rhs = self.sides[name]
        return float(lhs(beta)), float(rhs(beta))


def beta_polynomials(model: DeepReLU, params: dict, X, Y) -> BetaPolynomials:
    """Build (14), (15), (8), (9)-as-printed at θ̃0(β) from the unscaled θ0 = ``params``."""
    L = model.L
    with torch.no_grad():
        F = model.features(params, X)
        a0 = sigma_min(F[L - 1])
    if a0 <= 0:
        raise AssumptionError("alpha0 = sigma_min(F_{L-1}(theta0)) > 0 (Nguyen 2021, Sec. 3.1)",
                              f"alpha0 = {a0:.3e} (n_(L-1) = {model.widths[L - 1]}, N = {X.shape[0]})")
    norms = np.array([spectral_norm(params[f"W{l}"]) for l in range(1, L)])
    nX, nY = float(torch.linalg.norm(X)), float(torch.linalg.norm(Y))
    lam = [P([1.0, s]) for s in norms]                         # λ̄_l(β) = 1 + β‖W_l‖
    prod_all = P([1.0])
    for q in lam:
        prod_all = prod_all * q
    prod_except = []
    for l in range(L - 1):
        q = P([1.0])
        for p_, lp in enumerate(lam):
            if p_ != l:
                q = q * lp
        prod_except.append(q)
    lhs2 = P([0.0] * (2 * (L - 1)) + [a0 ** 2])               # β^{2(L−1)} α0²
    lhs3 = P([0.0] * (3 * (L - 1)) + [a0 ** 3])               # β^{3(L−1)} α0³
    sq_sum = sum((q * q for q in prod_except), P([0.0]))      # Σ_l ∏_{p≠l} λ̄_p²  = Σ λ̄²_{1→L−1}/λ̄_l²
    # (9) as printed: Σ_l λ̄_{1→L−1} / λ̄_l² = Σ_l ∏_{p≠l} λ̄_p / λ̄_l — not a polynomial; kept as a callable
    bp = BetaPolynomials(L=L, alpha0=a0, norms=norms, norm_X=nX, norm_Y=nY)
    bp.sides["eq14"] = (lhs2, 16 * nX * nY * prod_all)
    bp.sides["eq15"] = (lhs2, 16 * nX ** 2 * sq_sum)
    bp.sides["eq8"] = (lhs3, 32 * nX ** 2 * sq_sum * nY)
    return bp


def printed_eq9_at_beta(bp: BetaPolynomials, beta: float) -> tuple[float, float]:
    """(9) exactly as printed at θ̃0(β): α0(β)² ≥ 16‖X‖² λ̄_L² Σ_l λ̄_{1→L−1}/λ̄_l² (λ̄_L = 1)."""
    lam = 1.0 + beta * bp.norms
    rhs = 16 * bp.norm_X ** 2 * float(np.sum(np.prod(lam) / lam ** 2))
    return (beta ** (bp.L - 1) * bp.alpha0) ** 2, rhs


def poly_balls(enc, name: str, beta: float):
    """Both sides of (14), (15) or (8) at β as balls, from an enclosure ``enc``
    (:func:`ntkbook.nguyen2021.certified.enclose_theorem22`) of the unscaled point with W_L = 0
    (``scaled_point(params, 1.0, L)``: its √(2Φ) is ‖Y‖_F exactly) — the exact polynomials at the
    exact float β."""
    from flint import arb
    b, L = arb(float(beta)), enc.L
    lam = [b * n + 1 for n in enc.norms[:L - 1]]
    prod_all = arb(1)
    for v in lam:
        prod_all *= v
    sq = arb(0)
    for l in range(L - 1):
        q = arb(1)
        for p_, v in enumerate(lam):
            if p_ != l:
                q *= v
        sq += q * q
    a, nX, nY = enc.alpha0, enc.norm_X, enc.s2p
    return {"eq14": (b ** (2 * (L - 1)) * a * a, 16 * nX * nY * prod_all),
            "eq15": (b ** (2 * (L - 1)) * a * a, 16 * nX * nX * sq),
            "eq8": (b ** (3 * (L - 1)) * a ** 3, 32 * nX * nX * sq * nY)}[name]


def smallest_beta(lhs: P, rhs: P) -> float:
    """The smallest β* > 0 such that lhs(β) ≥ rhs(β) for every β ≥ β* (exact polynomials): the
    largest positive real root of lhs − rhs, polished with scipy.optimize.brentq."""
    d = lhs - rhs
    if d.coef[-1] <= 0 or d.degree() < 1:
        raise AssumptionError("LHS of higher degree with positive leading coefficient (Sec. 3.1)",
                              f"leading coefficient {d.coef[-1]:.3e}")
    roots = d.roots()
    real = np.sort(roots[(np.abs(roots.imag) <= 1e-9 * np.maximum(1, np.abs(roots.real))) & (roots.real > 0)].real)
    if real.size == 0:
        return 0.0
    r = real[-1]
    lo, hi = r * (1 - 1e-6), r * (1 + 1e-6)
    if d(lo) < 0 < d(hi):
        r = scipy.optimize.brentq(d, lo, hi, xtol=1e-15 * r, rtol=4 * np.finfo(float).eps, maxiter=200)
    return float(r)


def beta_thresholds(bp: BetaPolynomials) -> dict:
    """β* for (14), (15), (8), for (9) as printed (by brentq on its callable), and their max."""
    out = {k: smallest_beta(*bp.sides[k]) for k in ("eq14", "eq15", "eq8")}
    f9 = lambda b: np.subtract(*printed_eq9_at_beta(bp, b))  # noqa: E731
    hi = 1.0
    while f9(hi) < 0:
        hi *= 2
    lo = hi / 2
    while f9(lo) >= 0 and lo > 1e-12:
        lo /= 2
    out["eq9_printed"] = float(scipy.optimize.brentq(f9, lo, hi, xtol=1e-14 * hi)) if f9(lo) < 0 else 0.0
    out["star"] = max(out["eq14"], out["eq15"], out["eq8"])
    return out


def check_homogeneity(ledger, model: DeepReLU, params: dict, X, betas, *, case=None, power=None):
    """α0(θ̃0) = β^{L−1} α0(θ0) (ReLU positive homogeneity, §3.1) for every β in ``betas``
    (``nguyen2021.sec3_1.homogeneity``, kind identity); ``power`` overrides L − 1 (the check then
    fails)."""
    L = model.L
    power = L - 1 if power is None else power
    with torch.no_grad():
        a0 = sigma_min(model.features(params, X)[L - 1])
        lhs = [sigma_min(model.features(scaled_point(params, b, L), X)[L - 1]) for b in betas]
    return ledger.check("nguyen2021.sec3_1.homogeneity", kind="identity", case=case, lhs=lhs, rel="==",
                        rhs=[b ** power * a0 for b in betas], rtol=1e-10,
                        statement=r"\alpha_0(\tilde\theta_0)=\beta^{L-1}\alpha_0(\theta_0)",
                        source=f"{SOURCE}, Sec. 3.1", provenance="paper", hypothesis_met=None)


POLY_IDENTITY_IDS = {"eq14": "nguyen2021.sec3_1.eq14.identity", "eq8": "nguyen2021.sec3_1.eq8.identity",
                     "eq15": "nguyen2021.sec3_1.eq15.identity"}


def check_polynomial_matches_theorem22(ledger, model, params, X, Y, bp: BetaPolynomials, name: str,
                                       beta: float, *, case=None, cond: str = None):
    """The polynomial form of condition ``name`` at β equals Theorem 2.2's condition ``cond``
    evaluated by :func:`ntkbook.nguyen2021.theorem22` at θ̃0(β), both sides (kind identity)."""
    cond = cond or {"eq14": "cond7", "eq15": "cond9", "eq8": "cond8"}[name]
    t = theorem22(model, scaled_point(params, beta, model.L), X, Y, C=1.0)
    lhs, rhs = bp.value(name, beta)
    t_l, t_r = getattr(t, cond)
    return ledger.check(POLY_IDENTITY_IDS[name], kind="identity", case=case, lhs=[lhs, rhs], rel="==",
                        rhs=[t_l, t_r], rtol=1e-9,
                        statement=rf"\text{{{name}}}(\beta) \equiv \text{{{cond}}} \text{{ at }} \tilde\theta_0",
                        source=f"{SOURCE}, Sec. 3.1, ({name[2:]}) vs Thm 2.2", provenance="paper",
                        hypothesis_met=None, note=f"beta = {beta:.6g}")


def check_eq15_vs_printed_eq9(ledger, model, params, X, Y, bp: BetaPolynomials, beta: float, *, case=None,
                              certify: bool = False):
    """Erratum 1 seen from §3.1 (kind erratum): the paper presents (15) as (9) at θ̃0; the right-hand
    side of (15) is that of (9*) — (9) with λ̄_{1→L−1} squared — not that of (9) as printed, so
    "RHS(15) = RHS(9 as printed)" fails (``nguyen2021.errata.eq15_vs_printed_eq9``). ``certify``:
    the finding RHS(15) > RHS(9 printed) — both at the exact float scaled point, in ball
    arithmetic — as a certificate."""
    p_scaled = scaled_point(params, beta, model.L)
    t = theorem22(model, p_scaled, X, Y, C=1.0)
    r15 = bp.value("eq15", beta)[1]
    cert = None
    if certify:
        from .certified import decide, enclose_theorem22
        enc = enclose_theorem22(model, p_scaled, X, Y, 1.0)
        q = enc.quantities()     # with W_L = 0 and C = 1, λ̄_L = 1: RHS(15) = 16 q2 (= RHS(9*))
        cert = decide(q["16q2"], ">", q["rhs9"], "RHS(15) > RHS(9 as printed) at the exact float64 "
                      f"θ̃0(β), β = {beta!r} (digest {enc.digest})", inputs=enc.digest,
                      method=enc.method, seconds=enc.seconds)
    return ledger.check("nguyen2021.errata.eq15_vs_printed_eq9", kind="erratum",
                        severity="substantive", case=case, lhs=r15,
                        rel="==", rhs=t.cond9[1], rtol=1e-6,
                        statement=r"\text{RHS of (15)} = \text{RHS of (9) as printed at }\tilde\theta_0",
                        source=f"{SOURCE}, Sec. 3.1 (15) vs Thm 2.2 (9)", provenance="paper",
                        hypothesis_met=None, certificate=cert,
                        note=f"ratio (15)/(9 printed) = {r15 / t.cond9[1]:.4g}")


BETA_CONDITION_IDS = {"cond7": "nguyen2021.sec3_1.printed.cond7", "cond8": "nguyen2021.sec3_1.printed.cond8",
                      "cond9": "nguyen2021.sec3_1.printed.cond9"}


def check_condition_at_beta(ledger, model, params, X, Y, beta: float, cond: str, *, case=None,
                            below: bool = False, certify: bool = False):
    """Theorem 2.2's condition ``cond`` ('cond7', 'cond8', 'cond9' as printed) evaluated by
    theorem22 at θ̃0(β): lhs ≥ rhs (kind assumption). ``below=True``: β was chosen below the
    threshold on purpose, the condition must fail (``nguyen2021.sec3_1.printed.below``, kind
    counterexample). ``certify``: the finding (the condition, or its violation when ``below``)
    at the exact float scaled point, in ball arithmetic."""
    p_scaled = scaled_point(params, beta, model.L)
    t = theorem22(model, p_scaled, X, Y, C=1.0)
    lhs, rhs = getattr(t, cond)
    cert = None
    if certify:
        from .certified import certify_condition, enclose_theorem22
        enc = enclose_theorem22(model, p_scaled, X, Y, 1.0)
        cert = certify_condition(enc, {"cond7": "eq7", "cond8": "eq8", "cond9": "eq9"}[cond],
                                 broken=below)
    kw = (dict(kind="counterexample") if below else
          dict(kind="assumption", control=CONTROL_B + "test_beta_thresholds_and_negative_controls"))
    return ledger.check("nguyen2021.sec3_1.printed.below" if below else BETA_CONDITION_IDS[cond],
                        case=case, lhs=lhs, rel=">=", rhs=rhs, rtol=0.0,
                        statement=rf"\text{{{cond}}} \text{{ at }} \tilde\theta_0(\beta)",
                        source=f"{SOURCE}, Sec. 3.1 / Thm 2.2", provenance="paper",
                        hypothesis_met=None, note=f"{cond}, beta = {beta:.10g}", certificate=cert,
                        **kw)


def gd_rate_run(model: DeepReLU, params: dict, X, Y, eta: float, steps: int, with_resolution: bool = False):
    """Plain GD θ_{k+1} = θ_k − η∇Φ(θ_k) on Φ = ½‖F_L − Y‖_F²; returns the losses Φ(θ_k), k = 0..steps
    (and, with ``with_resolution``, the float64 resolution of each, :func:`ntkbook.nguyen2021.loss_resolution`)."""
    record = {"res": lambda p, k: loss_resolution(model, p, X, Y, k)} if with_resolution else None
    traj = gradient_descent(lambda p: model.loss(p, X, Y), params, eta, steps, trainable=model.trainable,
                            record=record)
    if traj.diverged:
        raise AssumptionError("eta below (10) (Nguyen 2021, Thm 2.2)", f"GD diverged with eta = {eta:.3e}")
    return (traj.losses, traj.metric("res")) if with_resolution else traj.losses


def check_rate_11(ledger, losses, eta: float, alpha0: float, *, hypothesis_met: bool, resolution=0.0,
                  case=None, factor: float = 1.0, depends_on=(), certificate=None):
    """(11) along a run from a §3.1 point (``nguyen2021.eq11.sec3_1``, kind conclusion):
    Φ(θ_k) ≤ (1 − η α0²/8)^k Φ(θ0) at every iteration. ``resolution`` (per iteration or scalar) is
    the float64 resolution of the losses. The bound's trivial value is Φ(θ0) (the rate removed):
    where the certified decrease Φ0 − (1 − ηα0²/8)^kΦ0 is within the resolution of it, the element
    is *vacuous* and unresolved by the ledger's rule (``trivial=``) — there (11) cannot be told
    from Φ_k ≤ Φ_0. ``factor`` multiplies the rate's constant (factor > 1 tightens the bound: the
    negative control). ``certificate``: (11) for exact gradient descent from the same θ0
    (:func:`ntkbook.nguyen2021.certified.certify_rate_exact_gd`)."""
    losses = np.asarray(losses, dtype=np.float64)
    k = np.arange(losses.size)
    r = factor * eta * alpha0 ** 2 / 8
    if not 0 < r < 1:
        raise AssumptionError("0 < eta alpha0^2 / 8 < 1 (Nguyen 2021, (10))", f"eta alpha0^2/8 = {r}")
    bound = losses[0] * np.exp(k * np.log1p(-r))       # (1 − r)^k without rounding 1 − r to 1
    res = np.broadcast_to(np.asarray(resolution, dtype=np.float64), losses.shape)
    decrease = -np.expm1(k[-1] * np.log1p(-r))
    return ledger.check("nguyen2021.eq11.sec3_1", kind="conclusion", case=case, lhs=losses[1:], rel="<=",
                        rhs=bound[1:], rtol=0.0, resolution=res[1:], trivial=losses[0],
                        statement=r"\Phi(\theta_k)\le(1-\eta\alpha_0^2/8)^k\Phi(\theta_0)\ \forall k",
                        source=f"{SOURCE}, Thm 2.2, eq. (11), from the point of Sec. 3.1",
                        provenance="paper", hypothesis_met=hypothesis_met, depends_on=list(depends_on),
                        control=CONTROL_B + "test_rate_11_and_tightened_constant",
                        certificate=certificate,
                        note=f"eta = {eta:.4g}, {losses.size - 1} steps; certified total decrease "
                             f"{decrease:.3g} x Phi0 vs loss resolution "
                             f"{float(np.max(res)) / losses[0]:.2g} x Phi0; observed decrease "
                             f"{1 - losses[-1] / losses[0]:.3g} x Phi0")


POLY_IDS = {"eq14": "nguyen2021.sec3_1.eq14", "eq15": "nguyen2021.sec3_1.eq15", "eq8": "nguyen2021.sec3_1.eq8"}


def check_poly_at_beta(ledger, bp: BetaPolynomials, name: str, beta: float, *, case=None,
                       below: bool = False, enclosure=None):
    """The exact polynomial inequality ``name`` ∈ {eq14, eq15, eq8} at β: lhs(β) ≥ rhs(β) (kind
    assumption: a condition of Theorem 2.2 at θ̃0). ``below=True``: β chosen below the threshold
    on purpose (``nguyen2021.sec3_1.below``, kind counterexample, must fail). ``enclosure`` (of
    the unscaled point with W_L = 0, :func:`poly_balls`) certifies the finding."""
    lhs, rhs = bp.value(name, beta)
    cert = None
    if enclosure is not None:
        from .certified import decide
        lb, rb = poly_balls(enclosure, name, beta)
        cert = decide(lb, "<" if below else ">=", rb,
                      f"({name[2:]}) {'fails' if below else 'holds'} at the exact β = {beta!r}: "
                      f"its two sides as exact polynomials in β (base digest {enclosure.digest})",
                      inputs=enclosure.digest, method=enclosure.method, seconds=enclosure.seconds)
    kw = (dict(kind="counterexample") if below else
          dict(kind="assumption", control=CONTROL_B + "test_beta_thresholds_and_negative_controls"))
    return ledger.check("nguyen2021.sec3_1.below" if below else POLY_IDS[name], case=case, lhs=lhs, rel=">=",
                        rhs=rhs, rtol=0.0,
                        statement={"eq14": r"\beta^{2(L-1)}\alpha_0^2\ge16\|X\|_F\|Y\|_F\prod_l(\beta\|W_l^0\|_2+1)",
                                   "eq15": r"\beta^{2(L-1)}\alpha_0^2\ge16\|X\|_F^2\sum_l\prod_{p\ne l}(\beta\|W_p^0\|_2+1)^2",
                                   "eq8": r"\beta^{3(L-1)}\alpha_0^3\ge32\|X\|_F^2\|Y\|_F\sum_l\prod_{p\ne l}(\beta\|W_p^0\|_2+1)^2"}[name],
                        source=f"{SOURCE}, Sec. 3.1, ({name[2:]})", provenance="paper", hypothesis_met=None,
                        note=f"{name}, beta = {beta:.10g}, L = {bp.L}", certificate=cert, **kw)

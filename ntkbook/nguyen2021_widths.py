"""Nguyen 2021, Section 3 — when do the conditions (7)–(9) of Theorem 2.2 hold?

* §3.1 (catalog N-13): the β-scaling θ̃0 = (βW_1^0, …, βW_{L−1}^0, 0) and the exact polynomial
  inequalities (14), (15), (8) in β;
* §3.2 (N-14): two layers under LeCun's initialization (19): λ*, the bounds (20)–(22) and the
  smallest width n1 satisfying (16)–(18), computed with nested columns so one pass gives the
  whole width sweep;
* §3.3 (N-15 … N-18): Assumption 3.1's moments, Lemma 3.3's ratio σ_min(F_{L−1})² / (n0 ∏ n_l β_l²),
  and the exponent bookkeeping of Corollary 3.2 done with sympy.

Every ``check_*`` function records its claim in a :class:`ntkbook.ledger.Ledger` and is called
both by the notebooks and by ``tests/test_nguyen2021_b.py`` (negative controls).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize
import scipy.stats
import sympy as sp
import torch

from .config import DTYPE, few_threads, generator, to_numpy
from .errors import AssumptionError
from .kernels import arccos1, lambda_min, sigma_min, spectral_norm
from .models import DeepReLU
from .nguyen2021 import theorem22

SOURCE = "Nguyen 2021"
P = np.polynomial.Polynomial


# ---------------------------------------------------------------------------------------------
# §3.1  β-scaling
# ---------------------------------------------------------------------------------------------
def scaled_point(params: dict, beta: float, L: int) -> dict:
    """θ̃0 = (βW_1^0, …, βW_{L−1}^0, W_L = 0) of §3.1."""
    if not beta > 0:
        raise AssumptionError("beta > 0 (Nguyen 2021, Sec. 3.1)", f"beta = {beta}")
    out = {f"W{l}": beta * params[f"W{l}"] for l in range(1, L)}
    out[f"W{L}"] = torch.zeros_like(params[f"W{L}"])
    return out


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


CONTROL_B = "tests/test_nguyen2021_b.py::"


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


def check_eq15_vs_printed_eq9(ledger, model, params, X, Y, bp: BetaPolynomials, beta: float, *, case=None):
    """Erratum 1 seen from §3.1 (kind erratum): the paper presents (15) as (9) at θ̃0; the right-hand
    side of (15) is that of (9*) — (9) with λ̄_{1→L−1} squared — not that of (9) as printed, so
    "RHS(15) = RHS(9 as printed)" fails (``nguyen2021.errata.eq15_vs_printed_eq9``)."""
    t = theorem22(model, scaled_point(params, beta, model.L), X, Y, C=1.0)
    r15 = bp.value("eq15", beta)[1]
    return ledger.check("nguyen2021.errata.eq15_vs_printed_eq9", kind="erratum", case=case, lhs=r15,
                        rel="==", rhs=t.cond9[1], rtol=1e-6,
                        statement=r"\text{RHS of (15)} = \text{RHS of (9) as printed at }\tilde\theta_0",
                        source=f"{SOURCE}, Sec. 3.1 (15) vs Thm 2.2 (9)", provenance="paper",
                        hypothesis_met=None, note=f"ratio (15)/(9 printed) = {r15 / t.cond9[1]:.4g}")


BETA_CONDITION_IDS = {"cond7": "nguyen2021.sec3_1.printed.cond7", "cond8": "nguyen2021.sec3_1.printed.cond8",
                      "cond9": "nguyen2021.sec3_1.printed.cond9"}


def check_condition_at_beta(ledger, model, params, X, Y, beta: float, cond: str, *, case=None,
                            below: bool = False):
    """Theorem 2.2's condition ``cond`` ('cond7', 'cond8', 'cond9' as printed) evaluated by
    theorem22 at θ̃0(β): lhs ≥ rhs (kind assumption). ``below=True``: β was chosen below the
    threshold on purpose, the condition must fail (``nguyen2021.sec3_1.printed.below``, kind
    counterexample)."""
    t = theorem22(model, scaled_point(params, beta, model.L), X, Y, C=1.0)
    lhs, rhs = getattr(t, cond)
    kw = (dict(kind="counterexample") if below else
          dict(kind="assumption", control=CONTROL_B + "test_beta_thresholds_and_negative_controls"))
    return ledger.check("nguyen2021.sec3_1.printed.below" if below else BETA_CONDITION_IDS[cond],
                        case=case, lhs=lhs, rel=">=", rhs=rhs, rtol=0.0,
                        statement=rf"\text{{{cond}}} \text{{ at }} \tilde\theta_0(\beta)",
                        source=f"{SOURCE}, Sec. 3.1 / Thm 2.2", provenance="paper",
                        hypothesis_met=None, note=f"{cond}, beta = {beta:.10g}", **kw)


def gd_rate_run(model: DeepReLU, params: dict, X, Y, eta: float, steps: int, with_resolution: bool = False):
    """Plain GD θ_{k+1} = θ_k − η∇Φ(θ_k) on Φ = ½‖F_L − Y‖_F²; returns the losses Φ(θ_k), k = 0..steps
    (and, with ``with_resolution``, the float64 resolution of each, :func:`ntkbook.nguyen2021.loss_resolution`)."""
    from .nguyen2021 import loss_resolution
    from .training import gradient_descent
    record = {"res": lambda p, k: loss_resolution(model, p, X, Y, k)} if with_resolution else None
    traj = gradient_descent(lambda p: model.loss(p, X, Y), params, eta, steps, trainable=model.trainable,
                            record=record)
    if traj.diverged:
        raise AssumptionError("eta below (10) (Nguyen 2021, Thm 2.2)", f"GD diverged with eta = {eta:.3e}")
    return (traj.losses, traj.metric("res")) if with_resolution else traj.losses


def check_rate_11(ledger, losses, eta: float, alpha0: float, *, hypothesis_met: bool, resolution=0.0,
                  case=None, factor: float = 1.0, depends_on=()):
    """(11) along a run from a §3.1 point (``nguyen2021.eq11.sec3_1``, kind conclusion):
    Φ(θ_k) ≤ (1 − η α0²/8)^k Φ(θ0) at every iteration. ``resolution`` (per iteration or scalar) is
    the float64 resolution of the losses; where the certified decrease Φ0 − (1 − ηα0²/8)^kΦ0 is
    below it the element is unresolved (:func:`ntkbook.nguyen2021.rate_resolution`: there (11)
    cannot be told from Φ_k ≤ Φ_0). ``factor`` multiplies the rate's constant (factor > 1
    tightens the bound: the negative control)."""
    from .nguyen2021 import rate_resolution
    losses = np.asarray(losses, dtype=np.float64)
    k = np.arange(losses.size)
    r = factor * eta * alpha0 ** 2 / 8
    if not 0 < r < 1:
        raise AssumptionError("0 < eta alpha0^2 / 8 < 1 (Nguyen 2021, (10))", f"eta alpha0^2/8 = {r}")
    bound = losses[0] * np.exp(k * np.log1p(-r))       # (1 − r)^k without rounding 1 − r to 1
    res = rate_resolution(losses, bound, np.broadcast_to(np.asarray(resolution, dtype=np.float64),
                                                         losses.shape))
    decrease = -np.expm1(k[-1] * np.log1p(-r))
    return ledger.check("nguyen2021.eq11.sec3_1", kind="conclusion", case=case, lhs=losses[1:], rel="<=",
                        rhs=bound[1:], rtol=0.0, resolution=res[1:],
                        statement=r"\Phi(\theta_k)\le(1-\eta\alpha_0^2/8)^k\Phi(\theta_0)\ \forall k",
                        source=f"{SOURCE}, Thm 2.2, eq. (11), from the point of Sec. 3.1",
                        provenance="paper", hypothesis_met=hypothesis_met, depends_on=list(depends_on),
                        control=CONTROL_B + "test_rate_11_and_tightened_constant",
                        note=f"eta = {eta:.4g}, {losses.size - 1} steps; certified total decrease "
                             f"{decrease:.3g} x Phi0 vs loss resolution "
                             f"{float(np.max(np.asarray(resolution))) / losses[0]:.2g} x Phi0")


# ---------------------------------------------------------------------------------------------
# §3.2  two layers, LeCun initialization
# ---------------------------------------------------------------------------------------------
def sphere_data(N: int, d: int, seed: int) -> torch.Tensor:
    """N rows uniform on the sphere of radius √d (§3.2: ‖X_i‖₂ = √d, sub-Gaussian)."""
    z = torch.randn(N, d, generator=generator(seed), dtype=DTYPE)
    return z / z.norm(dim=1, keepdim=True) * math.sqrt(d)


def lambda_star(X) -> float:
    """λ* = λ_min(E_{w~N(0, n0^{-1} I)}[σ(Xw)σ(Xw)ᵀ]) = λ_min(arccos1(X) / n0) (§3.2, below (21))."""
    A = to_numpy(X)
    return lambda_min(arccos1(A) / A.shape[1])


def lambda_star_mc(X, samples: int, seed: int, chunk: int = 50_000):
    """Monte Carlo E[σ(Xw)σ(Xw)ᵀ], w ~ N(0, n0^{-1} I), with the per-entry standard errors."""
    Xt = torch.as_tensor(to_numpy(X), dtype=DTYPE)
    N, n0 = Xt.shape
    g = generator(seed)
    s1 = torch.zeros(N, N, dtype=DTYPE)
    s2 = torch.zeros(N, N, dtype=DTYPE)
    done = 0
    while done < samples:
        k = min(chunk, samples - done)
        F = torch.relu(Xt @ torch.randn(n0, k, generator=g, dtype=DTYPE)) / math.sqrt(n0)
        s1 += F @ F.T
        s2 += (F * F) @ (F * F).T
        done += k
    mean = s1 / samples
    var = (s2 / samples - mean ** 2) * samples / (samples - 1)
    return to_numpy(mean), to_numpy(torch.sqrt(var.clamp_min(0) / samples))


def check_lambda_star(ledger, X, samples: int, seed: int, delta: float = 1e-3, scale: float = 1.0,
                      case=None):
    """Closed form arccos1(X)/n0 against Monte Carlo: max_ij |K̂_ij − K_ij| / SE_ij ≤ z_{δ/(2N²)}
    (normal approximation + Bonferroni; ``nguyen2021.lambda_star``, kind identity: it tests the
    implementation of λ*). ``scale`` multiplies the closed form (≠ 1: the check fails)."""
    A = to_numpy(X)
    N, n0 = A.shape
    K = scale * arccos1(A) / n0
    K_mc, se = lambda_star_mc(A, samples, seed)
    z = float(scipy.stats.norm.isf(delta / (2 * N * N)))
    zmax = float(np.max(np.abs(K_mc - K) / se))
    return ledger.check("nguyen2021.lambda_star", kind="identity", case=case, lhs=zmax, rel="<=", rhs=z,
                        statement=r"\max_{ij}|\hat K_{ij}-K_{ij}|/\widehat{\rm se}_{ij}\le z_{\delta/2N^2},\ "
                                  r"K=\mathbb E_{w\sim N(0,n_0^{-1}I)}\sigma(Xw)\sigma(Xw)^\top",
                        source="closed form of the arc-cosine kernel (Cho & Saul 2009) vs Monte Carlo",
                        provenance="derived", hypothesis_met=None, seeds=seed,
                        note=f"S = {samples}; lambda_min(closed) = {lambda_min(K):.6g}, "
                             f"lambda_min(MC) = {lambda_min(K_mc):.6g}")


def lecun_two_layer(n0: int, n1: int, n2: int, seed: int) -> dict:
    """LeCun's initialization (19): (W_1)_ij ~ N(0, 1/n0), (W_2)_ij ~ N(0, 1/n1)."""
    return DeepReLU([n0, n1, n2]).init(seed)


def _spec(W) -> float:
    """‖W‖₂ from the eigenvalues of the smaller Gram matrix (float64)."""
    A = to_numpy(W)
    G = A @ A.T if A.shape[0] <= A.shape[1] else A.T @ A
    return math.sqrt(max(np.linalg.eigvalsh(G)[-1], 0.0))


def check_eq20(ledger, n0: int, n1: int, n2: int, seeds, delta: float = 0.05, tighten: float = 1.0,
               case=None):
    """(20) with an explicit constant (Gaussian matrix norm bound, Davidson–Szarek Thm 2.13 +
    Gaussian concentration): ‖W_1‖₂ ≤ (√n0 + √n1 + t)/√n0 and ‖W_2‖₂ ≤ (√n1 + √n2 + t)/√n1,
    each w.p. ≥ 1 − e^{−t²/2}; t = √(2 log(2/δ)) so both hold w.p. ≥ 1 − δ. ``tighten`` < 1
    shrinks the bound (negative control). Checked over seeds with a binomial test
    (``nguyen2021.eq20``, kind step of §3.2; unconditional under (19))."""
    t = math.sqrt(2 * math.log(2 / delta))
    b1 = tighten * (math.sqrt(n0) + math.sqrt(n1) + t) / math.sqrt(n0)
    b2 = tighten * (math.sqrt(n1) + math.sqrt(n2) + t) / math.sqrt(n1)
    fails = 0
    worst = []
    for s in seeds:
        with few_threads():
            p = lecun_two_layer(n0, n1, n2, s)
        s1, s2 = _spec(p["W1"]), _spec(p["W2"])
        fails += int(s1 > b1 or s2 > b2)
        worst.append(max(s1 / b1, s2 / b2))
    seeds = list(seeds)
    return ledger.check_probability(
        "nguyen2021.eq20", kind="step", case=case, failures=fails, trials=len(seeds), delta=delta,
        statement=r"\bar\lambda_1-1=\|W_1^0\|_2\le\frac{\sqrt{n_0}+\sqrt{n_1}+t}{\sqrt{n_0}}=O(\sqrt{n_1/n_0}),\ "
                  r"\bar\lambda_2-1=\|W_2^0\|_2\le\frac{\sqrt{n_1}+\sqrt{n_2}+t}{\sqrt{n_1}}=O(1)",
        source=f"{SOURCE}, eq. (20) (constant: Davidson & Szarek 2001, Thm 2.13)", provenance="restated",
        hypothesis_met=None, seeds=seeds, control=CONTROL_B + "test_eq20_and_tightened",
        note=f"n0={n0}, n1={n1}, n2={n2}, t={t:.3f}, max norm/bound = {max(worst):.4f}")


def check_eq21(ledger, X, n1: int, seeds, delta: float = 0.1, n2: int = 1, case=None):
    """(21): α0 = σ_min(σ(XW_1^0)) ≥ √(n1 λ*/4) w.p. ≥ 1 − δ under (19), checked over seeds
    (``nguyen2021.eq21``, kind step). Its hypothesis n1 ≥ Ω̃(N/λ*) is read with constant 1,
    n1 ≥ N log(N/δ)/λ*, and computed."""
    A = torch.as_tensor(to_numpy(X), dtype=DTYPE)
    N, n0 = A.shape
    lstar = lambda_star(A)
    rhs = math.sqrt(n1 * lstar / 4)
    a = []
    for s in seeds:
        with few_threads():
            p = lecun_two_layer(n0, n1, n2, s)
            a.append(sigma_min(torch.relu(A @ p["W1"])))
    a = np.array(a)
    seeds = list(seeds)
    return ledger.check_probability(
        "nguyen2021.eq21", kind="step", case=case, failures=int((a < rhs).sum()), trials=len(seeds),
        delta=delta, statement=r"\alpha_0=\sigma_{\min}(\sigma(XW_1^0))\ge\sqrt{n_1\lambda_*/4}",
        source=f"{SOURCE}, eq. (21)", provenance="paper",
        hypothesis_met=bool(n1 >= N * math.log(N / delta) / lstar), seeds=seeds,
        control=CONTROL_B + "test_eq21_and_too_narrow",
        note=f"N={N}, n0={n0}, n1={n1}, lambda*={lstar:.4f}, min alpha0/rhs = {a.min() / rhs:.4f}")


def eq22_bound(F1: torch.Tensor, Y: torch.Tensor, n1: int, delta: float) -> float:
    """[D] explicit form of (22) conditional on W_1: ‖F1W2‖_F is ‖F1‖₂/√n1-Lipschitz in the Gaussian
    W_2 and E‖F1W2‖_F ≤ √n2 ‖F1‖_F/√n1, so w.p. ≥ 1 − δ
    √(2Φ(θ0)) ≤ ‖Y‖_F + (√n2 ‖F1‖_F + ‖F1‖₂ √(2 log(1/δ)))/√n1,  which is Õ(√N) since ‖F1‖_F² ≈ n1 N/2."""
    n2 = Y.shape[1]
    return float(torch.linalg.norm(Y)) + (math.sqrt(n2) * float(torch.linalg.norm(F1))
                                          + _spec(F1) * math.sqrt(2 * math.log(1 / delta))) / math.sqrt(n1)


def check_eq22(ledger, X, Y, n1: int, seeds, delta: float = 0.1, tighten: float = 1.0, case=None):
    """(22) with the explicit bound of :func:`eq22_bound`, over seeds (binomial test;
    ``nguyen2021.eq22``, kind step, unconditional under (19))."""
    A = torch.as_tensor(to_numpy(X), dtype=DTYPE)
    N, n0 = A.shape
    n2 = Y.shape[1]
    fails, ratios = 0, []
    for s in seeds:
        with few_threads():
            p = lecun_two_layer(n0, n1, n2, s)
            F1 = torch.relu(A @ p["W1"])
            s2p = float(torch.linalg.norm(F1 @ p["W2"] - Y))
            b = tighten * eq22_bound(F1, Y, n1, delta)
        fails += int(s2p > b)
        ratios.append(s2p / math.sqrt(N))
    seeds = list(seeds)
    return ledger.check_probability(
        "nguyen2021.eq22", kind="step", case=case, failures=fails, trials=len(seeds), delta=delta,
        statement=r"\sqrt{2\Phi(\theta_0)}\le\|Y\|_F+\frac{\sqrt{n_2}\|F_1\|_F+\|F_1\|_2\sqrt{2\log(1/\delta)}}"
                  r"{\sqrt{n_1}}=\tilde O(\sqrt N)",
        source=f"{SOURCE}, eq. (22) (explicit constant: our derivation)", provenance="derived",
        hypothesis_met=None, seeds=seeds, control=CONTROL_B + "test_eq22_and_tightened",
        note=f"N={N}, n1={n1}, max sqrt(2Phi)/sqrt(N) = {max(ratios):.3f}")


def check_lambda_star_order(ledger, lstars: dict, c: float = 0.1, case=None):
    """§3.2 uses λ* = Ω(1) for d ≥ N^r, r ≥ 2 (Nguyen & Mondelli 2020, Thm 3.3): the measured λ*
    (``lstars``: N → λ*) are ≥ c (our constant). Kind assumption (a hypothesis of §3.2's width
    claim evaluated on the data used); ``c`` too large makes it fail (the control)."""
    return ledger.check("nguyen2021.sec3_2.lambda_star_order", kind="assumption", case=case,
                        lhs=min(lstars.values()), rel=">=", rhs=c,
                        statement=rf"\lambda_*\ge c={c:g}\text{{ for }}d=N^2",
                        source="Nguyen & Mondelli 2020, Thm 3.3 (as used in Nguyen 2021, Sec. 3.2)",
                        provenance="restated", hypothesis_met=None,
                        control=CONTROL_B + "test_lambda_star_order_and_too_large_constant",
                        note=f"lambda* over N: {dict((k, round(v, 3)) for k, v in lstars.items())}")


@dataclass
class WidthSweep:
    """Quantities of (16)–(18) along nested widths n1 (the first n1 columns of one long draw)."""
    N: int
    d: int
    grid: np.ndarray
    alpha0: np.ndarray
    lam1: np.ndarray
    lam2: np.ndarray
    norm_X: float
    sqrt_2phi: np.ndarray
    fro_F1_sq: np.ndarray

    def conditions(self, C1: float = 1.0, C2: float = 1.0) -> dict:
        """(lhs, rhs) arrays of (16), (17), (18) as printed in §3.2, and of (9) as printed in Thm 2.2."""
        a, l1, l2, nX, s = self.alpha0, self.lam1, self.lam2, self.norm_X, self.sqrt_2phi
        return {"eq16": (a ** 2, 16 * nX * np.maximum(l2 / C1, l1 / C2) * s),
                "eq17": (a ** 3, 32 * nX ** 2 * l2 * s),
                "eq18": (a ** 2, 16 * nX ** 2 * l2 ** 2),
                "eq9_printed": (a ** 2, 16 * nX ** 2 * l2 ** 2 / l1)}

    def threshold(self, names=("eq16", "eq17", "eq18")) -> float:
        """Smallest grid width from which every named condition holds at all larger grid widths (nan if none)."""
        c = self.conditions()
        if any(np.isnan(c[k][1]).any() for k in names):
            raise ValueError(f"{names} need lambda_bar_1: run width_sweep(..., with_lam1=True)")
        ok = np.all([c[k][0] >= c[k][1] for k in names], axis=0)
        if not ok[-1]:
            return float("nan")
        bad = np.flatnonzero(~ok)
        return float(self.grid[bad[-1] + 1] if bad.size else self.grid[0])


def width_sweep(X, Y, n1_max: int, seed: int, ratio: float = 1.06, block: int = 8192,
                with_lam1: bool = True) -> WidthSweep:
    """One pass over the columns of W_1 = Z_1/√n0 and W_2 = Z_2/√n1 (Z i.i.d. N(0,1), nested in n1),
    accumulating F1F1ᵀ, Z1Z1ᵀ, σ(XW_1)Z_2 and Z_2ᵀZ_2, and evaluating α0, λ̄_1, λ̄_2 (C = 1),
    √(2Φ(θ0)) at geometric grid widths N, N·ratio, …, n1_max (LeCun init (19)).
    ``with_lam1=False`` skips ‖W_1‖₂ (an n0²·n1 cost); λ̄_1 is then nan and only (17), (18) can be
    evaluated (they do not involve λ̄_1). float64 torch on one CPU thread (the blocks are small;
    thread hand-offs would dominate), draws from a seeded torch generator."""
    with few_threads():
        return _width_sweep(X, Y, n1_max, seed, ratio, block, with_lam1)


def _draw(g, n0, k, n2):
    return (torch.randn(n0, k, generator=g, dtype=DTYPE), torch.randn(k, n2, generator=g, dtype=DTYPE))


def _width_sweep(X, Y, n1_max, seed, ratio, block, with_lam1) -> WidthSweep:
    A = torch.as_tensor(to_numpy(X), dtype=DTYPE)
    Yn = torch.as_tensor(to_numpy(Y), dtype=DTYPE)
    N, n0 = A.shape
    n2 = Yn.shape[1]
    grid = np.unique(np.round(N * ratio ** np.arange(0, math.log(n1_max / N, ratio) + 1)).astype(int))
    grid = grid[grid >= N]
    g = generator(seed)
    G = torch.zeros(N, N, dtype=DTYPE)
    H = torch.zeros(n0, n0, dtype=DTYPE)
    S = torch.zeros(N, n2, dtype=DTYPE)
    ZZ = torch.zeros(n2, n2, dtype=DTYPE)
    out = {k: [] for k in ("a", "l1", "l2", "s", "f")}
    done = 0
    for target in grid:
        while done < target:
            k = int(min(block, target - done))
            Z1, Z2 = _draw(g, n0, k, n2)
            F = torch.relu(A @ Z1) / math.sqrt(n0)
            G += F @ F.T
            if with_lam1:
                H += Z1 @ Z1.T
            S += F @ Z2
            ZZ += Z2.T @ Z2
            done += k
        n1 = int(target)
        out["a"].append(math.sqrt(max(np.linalg.eigvalsh(G.numpy())[0], 0.0)))
        out["f"].append(float(torch.trace(G)))
        out["l1"].append(math.sqrt(np.linalg.eigvalsh(H.numpy())[-1] / n0) + 1.0 if with_lam1 else np.nan)
        out["l2"].append(math.sqrt(np.linalg.eigvalsh(ZZ.numpy())[-1] / n1) + 1.0)
        out["s"].append(float(torch.linalg.norm(S / math.sqrt(n1) - Yn)))
    return WidthSweep(N=N, d=n0, grid=grid.astype(float), alpha0=np.array(out["a"]), lam1=np.array(out["l1"]),
                      lam2=np.array(out["l2"]), norm_X=float(torch.linalg.norm(A)),
                      sqrt_2phi=np.array(out["s"]), fro_F1_sq=np.array(out["f"]))


def sweep_params_on_grid(X, Y, grid, n1: int, seed: int, block: int = 8192) -> dict:
    """Parameters (W_1, W_2) of :func:`width_sweep` at grid width ``n1`` (same draws, same chunking),
    as float64 torch tensors — for cross-checks against :func:`ntkbook.nguyen2021.theorem22`."""
    A = to_numpy(X)
    N, n0 = A.shape
    n2 = to_numpy(Y).shape[1]
    g = generator(seed)
    Z1s, Z2s = [], []
    done = 0
    for target in np.asarray(grid, dtype=int):
        while done < target:
            k = int(min(block, target - done))
            z1, z2 = _draw(g, n0, k, n2)
            Z1s.append(z1)
            Z2s.append(z2)
            done += k
        if target >= n1:
            break
    Z1, Z2 = torch.cat(Z1s, 1)[:, :n1], torch.cat(Z2s, 0)[:n1]
    return {"W1": Z1 / math.sqrt(n0), "W2": Z2 / math.sqrt(n1)}


# ---------------------------------------------------------------------------------------------
# §3.3  deep nets
# ---------------------------------------------------------------------------------------------
def assumption31_moments(Xs) -> dict:
    """E‖x‖/√n0, E‖x‖²/n0, E‖x − Ex‖²/n0 (Assumption 3.1.2), from samples (rows)."""
    A = to_numpy(Xs)
    n0 = A.shape[1]
    r = np.linalg.norm(A, axis=1)
    return {"E|x|/sqrt(n0)": r.mean() / math.sqrt(n0), "E|x|^2/n0": (r ** 2).mean() / n0,
            "E|x-Ex|^2/n0": (np.linalg.norm(A - A.mean(0), axis=1) ** 2).mean() / n0}


def check_moments(ledger, Xs, band=(0.5, 2.0), case=None):
    """Assumption 3.1.2: each normalised moment lies in the Θ(1) band ``band`` (our choice of
    constants); ``nguyen2021.assumption3.1.moments.lower`` / ``.upper``, kind assumption."""
    m = assumption31_moments(Xs)
    v = np.array(list(m.values()))
    control = CONTROL_B + "test_moments_and_bad_scaling"
    ledger.check("nguyen2021.assumption3.1.moments.lower", kind="assumption", case=case, lhs=v, rel=">=",
                 rhs=band[0],
                 statement=r"\mathbb E\|x\|/\sqrt{n_0},\ \mathbb E\|x\|^2/n_0,\ \mathbb E\|x-\mathbb Ex\|^2/n_0\ \ge c_1",
                 source=f"{SOURCE}, Assumption 3.1.2", provenance="paper", hypothesis_met=None,
                 control=control, note=", ".join(f"{k} = {x:.4f}" for k, x in m.items()))
    return ledger.check("nguyen2021.assumption3.1.moments.upper", kind="assumption", case=case, lhs=v,
                        rel="<=", rhs=band[1], statement=r"\text{the same moments}\le c_2",
                        source=f"{SOURCE}, Assumption 3.1.2", provenance="paper", hypothesis_met=None,
                        control=control)


def check_lipschitz_concentration(ledger, Xs, f, t: float, c: float, case=None):
    """Assumption 3.1.1 for one 1-Lipschitz f: P(|f(x) − Ef(x)| > t) ≤ 2exp(−c t²), over the samples
    (binomial test; E f estimated by the sample mean; ``nguyen2021.assumption3.1.concentration``,
    kind assumption)."""
    v = np.asarray(f(to_numpy(Xs)), dtype=np.float64)
    dev = np.abs(v - v.mean())
    delta = 2 * math.exp(-c * t * t)
    if not delta < 1:
        raise ValueError("choose t with 2exp(-c t^2) < 1")
    return ledger.check_probability(
        "nguyen2021.assumption3.1.concentration", kind="assumption", case=case,
        failures=int((dev > t).sum()), trials=v.size, delta=delta,
        statement=r"\mathbb P(|f(x)-\mathbb Ef(x)|>t)\le2e^{-ct^2/\|f\|_{\rm Lip}^2}",
        source=f"{SOURCE}, Assumption 3.1.1", provenance="paper", hypothesis_met=None,
        control=CONTROL_B + "test_concentration_and_heavy_tails", note=f"t = {t}, c = {c}")


def lemma33_ratio(X, widths, seed: int) -> float:
    """σ_min(F_{L−1})² / (n0 ∏_{l=1}^{L−1} n_l β_l²) for LeCun hidden layers β_l² = 1/n_{l−1} (25);
    ``widths`` = [n0, n1, …, n_{L−1}, n_L]."""
    model = DeepReLU(widths)
    p = model.init(seed)
    A = torch.as_tensor(to_numpy(X), dtype=DTYPE)
    with torch.no_grad():
        F = model.features(p, A)[model.L - 1]
    scale = widths[0] * np.prod([widths[l] / widths[l - 1] for l in range(1, model.L)])
    return sigma_min(F) ** 2 / scale


def check_lemma33(ledger, ratios, *, hypothesis_met: bool, band_factor: float = 4.0, case=None):
    """Lemma 3.3 (29) as Θ(1) (``nguyen2021.lemma3.3``, kind conclusion): all ratios
    σ_min(F_{L−1})²/(n0 ∏ n_lβ_l²) positive and max/min ≤ ``band_factor`` (our constant).
    ``hypothesis_met`` (computed by the caller): (27) and min(n0, m) large enough for the
    lemma's failure probability to be below 1."""
    r = np.asarray(ratios, dtype=np.float64)
    common = dict(kind="conclusion", case=case, source=f"{SOURCE}, Lemma 3.3, eq. (29) "
                  "(from Nguyen, Mondelli & Montúfar 2021)", provenance="restated",
                  hypothesis_met=hypothesis_met, control=CONTROL_B + "test_lemma33_band_and_too_narrow")
    zero = 1e-12     # a normalised ratio below this is a numerically zero singular value
    if np.any(r <= zero):
        return ledger.check("nguyen2021.lemma3.3", lhs=r.min(), rel=">", rhs=zero,
                            statement=r"\sigma_{\min}(F_{L-1})^2/(n_0\textstyle\prod_l n_l\beta_l^2)>0"
                                      r"\ \text{(above }10^{-12}\text{)}", **common)
    return ledger.check("nguyen2021.lemma3.3", lhs=r.max() / r.min(), rel="<=", rhs=band_factor,
                        statement=r"\sigma_{\min}(F_{L-1})^2=\Theta\big(n_0\textstyle\prod_{l}n_l\beta_l^2\big):"
                                  r"\ \max\text{ratio}/\min\text{ratio}\le c",
                        note=f"band [{r.min():.4f}, {r.max():.4f}] over {r.size} (width, seed) pairs", **common)


def printed_exponents(a, b, c) -> dict:
    """The n_{L−1} exponents exactly as printed in the proof of Corollary 3.2."""
    a, b, c = (sp.nsimplify(v) for v in (a, b, c))
    h = sp.Rational(1, 2)
    return {"eq7_L": 1 + b - sp.Max(h, c), "eq7_Lm1": 1 + c - sp.Max(b, (1 - a) / 2),
            "eq7_rest": 1 - sp.Max(h, c) - sp.Max(b, (1 - a) / 2),
            "eq9": 1 - 2 * sp.Max(h, c) - 2 * sp.Max(b, (1 - a) / 2),
            "eq8": h + sp.Max(b, (1 - a) / 2)}


def derived_exponents(a, b, c, L: int = 4) -> dict:
    """[D] The same exponents derived from Theorem 2.2's (7)–(9) with orders in n = n_{L−1}:
    α0 ~ n^{1/2} (Lemma 3.3), λ̄_L ~ n^{max(b,(1−a)/2)}, λ̄_{L−1} ~ n^{max(1/2,c)}, other λ̄_l ~ n^0,
    C_{L−1} = n^c, C_L = n^b, other C_l = 1; D, ‖X‖_F, √(2Φ) and m/n0 factors kept apart (n^0).
    (7) per l: 2·½ + e(C_l) − Σ_{p≠l} e(λ̄_p); (9) with λ̄_{1→L−1}² (the form §3.1 (15) and the proof use)
    and with λ̄_{1→L−1} (as printed); (8) via the paper's route α0 ≳ √(2Φ)/λ̄_L using λ̄_L ≥ C_L."""
    a, b, c = (sp.nsimplify(v) for v in (a, b, c))
    h = sp.Rational(1, 2)
    e = [sp.Integer(0)] * (L - 2) + [sp.Max(h, c), sp.Max(b, (1 - a) / 2)]
    eC = [sp.Integer(0)] * (L - 2) + [c, b]
    tot = sum(e)
    e7 = [sp.simplify(1 + eC[l] - (tot - e[l])) for l in range(L)]
    pre = sum(e[:L - 1])
    e9_sq = 1 - 2 * e[L - 1] - sp.Max(*[2 * (pre - e[l]) for l in range(L - 1)])
    e9_pr = 1 - 2 * e[L - 1] - sp.Max(*[pre - 2 * e[l] for l in range(L - 1)])
    e8_direct = sp.Rational(3, 2) - e[L - 1] - sp.Max(*[2 * (pre - e[l]) for l in range(L - 1)])
    return {"eq7_L": e7[L - 1], "eq7_Lm1": e7[L - 2], "eq7_rest": sp.Min(*e7[:L - 2]),
            "eq7": sp.Min(*e7), "eq9": sp.simplify(e9_sq), "eq9_printed": sp.simplify(e9_pr),
            "eq8": h + b, "eq8_direct": sp.simplify(e8_direct)}


def check_exponents(ledger, a, b, c, expected: dict, case_prefix: str = ""):
    """Printed exponents (Cor. 3.2 proof) == derived ones == ``expected`` (the catalog's numbers):
    ``nguyen2021.cor3.2.exponent``, one case per exponent, kind identity (sympy algebra)."""
    pr, de = printed_exponents(a, b, c), derived_exponents(a, b, c)
    recs = []
    for k, v in expected.items():
        recs.append(ledger.check("nguyen2021.cor3.2.exponent", kind="identity", case=case_prefix + k,
                                 lhs=[float(pr[k]), float(de[k])], rel="==",
                                 rhs=float(sp.nsimplify(v)), rtol=1e-15,
                                 statement=rf"\text{{exponent of }}n_{{L-1}}\text{{ in {k}}} = {sp.latex(sp.nsimplify(v))}",
                                 source=f"{SOURCE}, proof of Corollary 3.2", provenance="paper",
                                 hypothesis_met=None, note=f"printed {pr[k]}, derived {de[k]}"))
    return recs


def corollary32_C(widths) -> np.ndarray:
    """C_l of the proof of Corollary 3.2: 1 (l ≤ L−2), n_{L−1}^{1/2}, n_{L−1}^{−1/6}."""
    L = len(widths) - 1
    n = widths[L - 1]
    return np.array([1.0] * (L - 2) + [n ** 0.5, n ** (-1 / 6)])


def corollary32_point(X, Y, widths, seed: int):
    """θ0 by (25)–(26) (W_L variance n_{L−1}^{−4/3}) and Theorem 2.2's quantities with the C_l above."""
    model = DeepReLU(widths)
    L = model.L
    stds = [1 / math.sqrt(widths[l - 1]) for l in range(1, L)] + [widths[L - 1] ** (-2 / 3)]
    p = model.init(seed, stds=stds)
    return model, p, theorem22(model, p, X, Y, C=corollary32_C(widths))


def eq30_required(norm_X: float, sqrt_2phi: float, m: int, n0: int) -> dict:
    """The three lines of (30) with constant 1: the n_{L−1} each requires (cube of its right-hand side)."""
    return {"line1": (norm_X ** 2 * max(1, m / n0)) ** 3,
            "line2": (norm_X * sqrt_2phi * max(1, math.sqrt(m / n0))) ** 3,
            "line3": sqrt_2phi ** 3}


POLY_IDS = {"eq14": "nguyen2021.sec3_1.eq14", "eq15": "nguyen2021.sec3_1.eq15", "eq8": "nguyen2021.sec3_1.eq8"}


def check_poly_at_beta(ledger, bp: BetaPolynomials, name: str, beta: float, *, case=None,
                       below: bool = False):
    """The exact polynomial inequality ``name`` ∈ {eq14, eq15, eq8} at β: lhs(β) ≥ rhs(β) (kind
    assumption: a condition of Theorem 2.2 at θ̃0). ``below=True``: β chosen below the threshold
    on purpose (``nguyen2021.sec3_1.below``, kind counterexample, must fail)."""
    lhs, rhs = bp.value(name, beta)
    kw = (dict(kind="counterexample") if below else
          dict(kind="assumption", control=CONTROL_B + "test_beta_thresholds_and_negative_controls"))
    return ledger.check("nguyen2021.sec3_1.below" if below else POLY_IDS[name], case=case, lhs=lhs, rel=">=",
                        rhs=rhs, rtol=0.0,
                        statement={"eq14": r"\beta^{2(L-1)}\alpha_0^2\ge16\|X\|_F\|Y\|_F\prod_l(\beta\|W_l^0\|_2+1)",
                                   "eq15": r"\beta^{2(L-1)}\alpha_0^2\ge16\|X\|_F^2\sum_l\prod_{p\ne l}(\beta\|W_p^0\|_2+1)^2",
                                   "eq8": r"\beta^{3(L-1)}\alpha_0^3\ge32\|X\|_F^2\|Y\|_F\sum_l\prod_{p\ne l}(\beta\|W_p^0\|_2+1)^2"}[name],
                        source=f"{SOURCE}, Sec. 3.1, ({name[2:]})", provenance="paper", hypothesis_met=None,
                        note=f"{name}, beta = {beta:.10g}, L = {bp.L}", **kw)


def check_sweep_threshold(ledger, sw: WidthSweep, names=("eq16", "eq17", "eq18"),
                          n1: float | None = None, *, case=None, below: bool = False):
    """(16)–(18) (those in ``names``) at grid width ``n1`` (default: the measured threshold n1*):
    every lhs ≥ rhs. At n1* this holds by the definition of the threshold
    (``nguyen2021.sec3_2.threshold``, kind identity: a check of :meth:`WidthSweep.threshold`);
    ``below=True`` — the grid point just below n1*, width too small on purpose — records
    ``nguyen2021.sec3_2.threshold.below`` (kind counterexample, must fail)."""
    n1 = sw.threshold(names) if n1 is None else n1
    i = int(np.flatnonzero(sw.grid == n1)[0])
    c = sw.conditions()
    lhs = [c[k][0][i] for k in names]
    rhs = [c[k][1][i] for k in names]
    return ledger.check("nguyen2021.sec3_2.threshold.below" if below else "nguyen2021.sec3_2.threshold",
                        kind="counterexample" if below else "identity", case=case, lhs=lhs, rel=">=",
                        rhs=rhs, rtol=0.0,
                        statement=r"(16)\text{–}(18)\text{ at width }n_1:\ \alpha_0^2\ge16\|X\|_F\max(\bar\lambda_2,\bar\lambda_1)"
                                  r"\sqrt{2\Phi},\ \alpha_0^3\ge32\|X\|_F^2\bar\lambda_2\sqrt{2\Phi},\ \alpha_0^2\ge16\|X\|_F^2\bar\lambda_2^2",
                        source=f"{SOURCE}, Sec. 3.2, (16)–(18)", provenance="paper", hypothesis_met=None,
                        note=f"N = {sw.N}, d = {sw.d}, n1 = {int(n1)}, conditions {list(names)}")


def fit_exponent(x, y) -> float:
    """Least-squares slope of log y on log x."""
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)), 1)[0])


def check_exponent(ledger, claim_id: str, x, y, target: float, tol: float, statement: str, source: str,
                   provenance: str, *, hypothesis_met, kind: str = "scaling", case=None, note: str = ""):
    """|slope(log y on log x) − target| ≤ tol. ``kind`` "scaling" (a fitted exponent; control:
    a wrong target) or "erratum" (the paper's exponent, which must fail); ``hypothesis_met`` is
    computed by the caller (a bool, or None when the fitted law has no hypothesis)."""
    p = fit_exponent(x, y)
    control = CONTROL_B + "test_check_exponent_can_fail" if kind == "scaling" else None
    return ledger.check(claim_id, kind=kind, case=case, lhs=abs(p - target), rel="<=", rhs=tol,
                        statement=statement, source=source, provenance=provenance,
                        hypothesis_met=hypothesis_met, control=control,
                        note=(note + f" fitted exponent {p:.3f}, target {target}").strip())


def eq9_squared(t) -> tuple[float, float]:
    """(9) with λ̄_{1→L−1} squared — the form the proof's last step needs and §3.1 (15), §3.2 (18) use:
    α0² ≥ 16‖X‖_F² λ̄_L² Σ_{l<L} λ̄²_{1→L−1}/λ̄_l² (t: a :class:`ntkbook.nguyen2021.Theorem22`)."""
    lam = t.lam_bar
    L = t.L
    pre = float(np.prod(lam[:L - 1]))
    return t.alpha0 ** 2, float(16 * t.norm_X ** 2 * lam[L - 1] ** 2 * np.sum(pre ** 2 / lam[:L - 1] ** 2))


def needed_width(ns, ratios) -> float:
    """Extrapolate the log-log fit of lhs/rhs against n_{L−1} to the width where it reaches 1."""
    k, c = np.polyfit(np.log(np.asarray(ns, float)), np.log(np.asarray(ratios, float)), 1)
    if k <= 0:
        return float("inf")
    return float(math.exp(-c / k))


def eq16_prediction_ratio(sw: WidthSweep, lam_star: float) -> float:
    """[D] n1*(16) / (256 N 2Φ(θ0)/λ*²): the width (16) needs against the paper's N²λ*^{-2} reasoning
    (α0² ≈ n1λ*, ‖X‖_F λ̄_1 ≈ √(N n1) for n1 ≫ n0), with Φ measured at the threshold."""
    n1 = sw.threshold(("eq16",))
    i = int(np.flatnonzero(sw.grid == n1)[0])
    return float(n1 / (256 * sw.N * sw.sqrt_2phi[i] ** 2 / lam_star ** 2))


def check_eq16_prediction(ledger, ratios, band=(0.5, 2.0), case=None):
    """The ratios of :func:`eq16_prediction_ratio` lie in ``band`` (our constants):
    ``nguyen2021.sec3_2.eq16_prediction.lower`` / ``.upper``, kind scaling (the constant of the
    width law n1*(16) ≈ 256 N 2Φ/λ*², our derivation)."""
    r = np.asarray(ratios, dtype=np.float64)
    src = "our derivation from (16), (19)–(22)"
    control = CONTROL_B + "test_eq16_prediction_and_tightened"
    ledger.check("nguyen2021.sec3_2.eq16_prediction.lower", kind="scaling", case=case, lhs=r, rel=">=",
                 rhs=band[0], source=src, provenance="derived", control=control,
                 statement=r"n_1^\star(16)\ge c_1\,256\,N\,2\Phi(\theta_0)/\lambda_*^2", hypothesis_met=None)
    return ledger.check("nguyen2021.sec3_2.eq16_prediction.upper", kind="scaling", case=case, lhs=r,
                        rel="<=", rhs=band[1], source=src, provenance="derived", control=control,
                        statement=r"n_1^\star(16)\le c_2\,256\,N\,2\Phi(\theta_0)/\lambda_*^2",
                        hypothesis_met=None, note=f"ratios {np.round(r, 3).tolist()}")


def eq18_necessary_width(r=2):
    """[D] The width (18) forces, symbolically (sympy): α0² = σ_min(F_1)² ≤ ‖F_1‖_F²/N, λ̄_2 ≥ C_2 = 1 and
    E‖F_1‖_F² = n1‖X‖_F²/(2n0) = n1N/2 under (19) with ‖x_i‖² = n0 = d turn (18),
    α0² ≥ 16‖X‖_F²λ̄_2² = 16Nd, into n1 ≥ 32Nd. Returns (n1_min as a sympy expression in N, d;
    its exponent in N at d = N^r)."""
    N, d, n1 = sp.symbols("N d n_1", positive=True)
    fro_F1_sq = n1 * N * d / (2 * d)                  # E‖σ(XW_1)‖_F² = n1 · N · ‖x‖²/(2 n0)
    alpha0_sq_max = fro_F1_sq / N                     # σ_min² ≤ mean squared singular value
    rhs18_min = 16 * (N * d) * 1 ** 2                 # 16‖X‖_F² λ̄_2², ‖X‖_F² = Nd, λ̄_2 ≥ 1
    n1_min = sp.solve(sp.Eq(alpha0_sq_max, rhs18_min), n1)[0]
    expo = sp.limit(sp.log(n1_min.subs(d, N ** r)) / sp.log(N), N, sp.oo)
    return n1_min, expo


def check_sigma_min_vs_frobenius(ledger, sw: WidthSweep, factor: float = 1.0, case=None):
    """[D] α0² ≤ factor · ‖F_1‖_F²/N at every width of the sweep — the smallest squared singular
    value is at most their mean (``nguyen2021.errata.sec3_2.sigma_min_le_fro``, kind identity: true
    by construction). ``factor`` < 1 makes it false (the check then fails)."""
    return ledger.check("nguyen2021.errata.sec3_2.sigma_min_le_fro", kind="identity", case=case,
                        lhs=sw.alpha0 ** 2, rel="<=", rhs=factor * sw.fro_F1_sq / sw.N, rtol=1e-12,
                        statement=r"\alpha_0^2=\sigma_{\min}(F_1)^2\le\|F_1\|_F^2/N",
                        source="our derivation (errata item 8)", provenance="derived", hypothesis_met=None,
                        note=f"N = {sw.N}, d = {sw.d}, widths {int(sw.grid[0])}..{int(sw.grid[-1])}, "
                             f"max ratio {np.max(sw.alpha0 ** 2 * sw.N / sw.fro_F1_sq):.3f}")


def check_eq18_exponent(ledger, r: int = 2, paper: float = 2.0, case=None):
    """Erratum 8 (kind erratum): by :func:`eq18_necessary_width`, (18) forces n1 ≥ 32Nd = 32N^{1+r} at
    d = N^r, so the paper's "n1 = Ω(N²) suffices" would need an exponent ≤ 2: recorded as
    exponent ≤ ``paper``, which fails for r ≥ 2 (``nguyen2021.errata.sec3_2.exponent``). With r = 1
    (d ∝ N) there is no contradiction and the check holds (an erratum that does not fail is an
    error: the control of this check)."""
    n1_min, expo = eq18_necessary_width(r=r)
    return ledger.check("nguyen2021.errata.sec3_2.exponent", kind="erratum", case=case, lhs=float(expo),
                        rel="<=", rhs=paper,
                        statement=r"\text{(16)–(18) for }n_1=\Omega(N^2)\Rightarrow\text{the width (18) forces, }"
                                  r"32Nd=32N^{1+r},\text{ has exponent}\le2",
                        source="Nguyen 2021, Sec. 3.2 (16)-(19)", provenance="paper", hypothesis_met=None,
                        note=f"n1_min = {n1_min}, d = N^{r}, exponent {expo}")



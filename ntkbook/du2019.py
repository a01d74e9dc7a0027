"""Du, Zhai, Póczos, Singh (ICLR 2019), Sections 3–3.2: the quantities of Assumption 3.1,
Lemmas 3.1–3.4 and Theorems 3.1–3.3, and the check functions the chapter's notebooks and the
negative controls in ``tests/test_du2019_a.py`` share.

Conventions: X is (n, d) with unit rows, W is (m, d) (row r is w_r), a is (m,).
Constants marked [D] are our derivation (catalog ``shared/theorems.md``), not the paper's.

Generic helpers (stable names, imported by other modules):
:func:`R_lemma32`, :func:`R_prime_flow`, :func:`m_lemma31`, :func:`m_R_prime_below_R`,
:func:`near_boundary`, :func:`pattern_changes`, :func:`max_distance`,
:func:`anticoncentration_bound`, :func:`adversarial_perturbation`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.special
import torch

from . import data, kernels
from .config import DTYPE, generator, to_numpy
from .errors import AssumptionError
from .ledger import must_fail as _must_fail
from .models import TwoLayerReLU
from .training import loglog_slope

SOURCE = "Du et al. 2019"
#: [D] the constant c in Lemma 3.2's radius R = c δ λ0 / n² that makes the Markov step give λ0/4.
C_LEMMA32 = math.sqrt(2 * math.pi) / 16
#: "no two inputs parallel" is decided as 1 − max_{i≠j}|cos∠(x_i, x_j)| > PARALLEL_TOL (float64)
PARALLEL_TOL = 1e-12

#: the negative controls: tests in which the same check function reports a violation
_TESTS = "tests/test_du2019_a.py::"
CONTROL = {
    "data": _TESTS + "test_data_assumption",
    "init": _TESTS + "test_init_variance_and_moments",
    "thm3.1": _TESTS + "test_theorem31_and_antipodal",
    "angle_slope": _TESTS + "test_angle_slope",
    "slope": _TESTS + "test_remark31_slopes",
    "lemma3.1": _TESTS + "test_lemma31",
    "anticoncentration": _TESTS + "test_anticoncentration_claim",
    "lemma3.2": _TESTS + "test_lemma32_negative_controls",
    "lemma3.3": _TESTS + "test_lemma33",
    "lemma3.4": _TESTS + "test_lemma34",
    "thm3.2": _TESTS + "test_thm32",
    "rate": _TESTS + "test_rate",
    "thm3.3": _TESTS + "test_joint_training",
}


def non_parallel(X) -> bool:
    """Theorem 3.1's hypothesis, computed: no two inputs on one line (1 − max|cos| > tolerance)."""
    return bool(1.0 - data.max_abs_cosine(X)[0] > PARALLEL_TOL)


# ------------------------------------------------------------------------------------------
# radii and widths
# ------------------------------------------------------------------------------------------
def R_lemma32(n: int, lam0: float, delta: float, c: float = C_LEMMA32) -> float:
    """Lemma 3.2's radius R = c δ λ0 / n² (c = √(2π)/16 is our derivation [D])."""
    if not (0 < delta < 1) or lam0 <= 0 or n < 1 or c <= 0:
        raise AssumptionError("0 < delta < 1, lambda0 > 0, n >= 1, c > 0 (Du et al. Lemma 3.2)",
                              f"n = {n}, lambda0 = {lam0}, delta = {delta}, c = {c}")
    return c * delta * lam0 / n ** 2


def R_prime_flow(n: int, m: int, resid0: float, lam0: float) -> float:
    """Lemma 3.3's radius R' = 2√n ‖y − u(0)‖₂ / (√m λ0) (display [M]/[D] in the catalog)."""
    if lam0 <= 0 or m < 1:
        raise AssumptionError("lambda0 > 0 and m >= 1 (Du et al. Lemma 3.3)", f"lambda0 = {lam0}, m = {m}")
    return 2 * math.sqrt(n) * float(resid0) / (math.sqrt(m) * lam0)


def m_lemma31(n: int, lam0: float, delta: float) -> int:
    """[D] an explicit width for Lemma 3.1: m ≥ 8 n² log(2n²/δ) / λ0² gives, by entrywise Hoeffding
    and a union bound, ‖H(0) − H∞‖₂ ≤ λ0/4 with probability ≥ 1 − δ."""
    if not (0 < delta < 1) or lam0 <= 0:
        raise AssumptionError("0 < delta < 1 and lambda0 > 0 (Du et al. Lemma 3.1)",
                              f"lambda0 = {lam0}, delta = {delta}")
    return int(math.ceil(8 * n ** 2 * math.log(2 * n ** 2 / delta) / lam0 ** 2))


def hoeffding_deviation(n: int, m: int, delta: float) -> float:
    """[D] n √(log(2n²/δ)/(2m)): w.p. ≥ 1 − δ a bound on ‖H(0) − H∞‖_F (hence on ‖·‖₂)."""
    return n * math.sqrt(math.log(2 * n ** 2 / delta) / (2 * m))


def m_R_prime_below_R(n: int, resid0: float, lam0: float, delta: float, c: float = C_LEMMA32) -> int:
    """Smallest integer m with R' < R (Lemma 3.4's hypothesis), R' = 2√n r/(√m λ0), R = cδλ0/n²:
    m > 4 n⁵ r² / (c² δ² λ0⁴)."""
    R = R_lemma32(n, lam0, delta, c)
    bound = (2 * math.sqrt(n) * float(resid0) / (lam0 * R)) ** 2
    return int(math.floor(bound)) + 1


def anticoncentration_bound(R) -> np.ndarray:
    """Lemma 3.2's step P_{z~N(0,1)}(|z| < R) ≤ 2R/√(2π)."""
    return 2 * np.asarray(R, dtype=np.float64) / math.sqrt(2 * math.pi)


def anticoncentration_exact(R) -> np.ndarray:
    """P_{z~N(0,1)}(|z| < R) = erf(R/√2) (exact)."""
    return scipy.special.erf(np.asarray(R, dtype=np.float64) / math.sqrt(2))


# ------------------------------------------------------------------------------------------
# events and perturbations
# ------------------------------------------------------------------------------------------
def _t(x) -> torch.Tensor:
    return torch.as_tensor(x, dtype=DTYPE).cpu()


def near_boundary(X, W, R: float) -> torch.Tensor:
    """The events A_ir = {|w_r(0)ᵀx_i| < R} (Du et al. Lemma 3.2 proof): a bool (n, m) tensor.
    For unit x_i, A_ir holds iff some w with ‖w − w_r(0)‖ ≤ R has a different pattern
    1{wᵀx_i ≥ 0} (up to the boundary case |w_r(0)ᵀx_i| = R)."""
    return (_t(X) @ _t(W).T).abs() < R


def pattern_changes(X, W0, W) -> torch.Tensor:
    """Bool (n, m): 1{w_r(0)ᵀx_i ≥ 0} ≠ 1{w_rᵀx_i ≥ 0} (the activation patterns that changed)."""
    X = _t(X)
    return (X @ _t(W0).T >= 0) != (X @ _t(W).T >= 0)


def max_distance(W0, W) -> float:
    """max_r ‖w_r − w_r(0)‖₂."""
    return float((_t(W) - _t(W0)).norm(dim=1).max())


def _least_norm_flip(X, w, idx, Z, R):
    """Least-norm Δ with x_iᵀ(w + Δ) = −sign(x_iᵀw)·ε for i ∈ idx (None if ‖Δ‖ > R)."""
    z = Z[idx]
    eps = min(1e-3 * R, 0.5 * (R - float(z.abs().max())))
    target = torch.where(z >= 0, -eps, eps).to(DTYPE)
    delta = torch.linalg.pinv(X[idx]) @ (target - z)
    return delta if float(delta.norm()) <= R else None


def adversarial_perturbation(X, W0, R: float, mode: str = "flip", v=None, max_subset: int = 6,
                             _Z=None, _H0=None) -> torch.Tensor:
    """A W with ‖w_r − w_r(0)‖₂ ≤ R for every r, chosen to change H(W) as much as it can.

    Only neurons with near-boundary inputs A_r = {i : |w_r(0)ᵀx_i| < R} can change (Lemma 3.2's
    events). For such a neuron:

    * ``mode="flip"``: the least-norm Δ with x_iᵀ(w_r(0)+Δ) = −s_i ε for every i ∈ A_r (every
      near-boundary pattern flips; s_i the old side); if ‖Δ‖ > R the input farthest from its
      boundary is dropped and the solve repeated;
    * ``mode="off"``: the same for the *active* i ∈ A_r only (switches neurons off, lowering H);
    * ``mode="eigen"``: over the subsets T of A_r (its ``max_subset`` nearest inputs), the
      feasible least-norm flip of T that minimises the neuron's share ‖Σ_i v_i 1{w_rᵀx_i ≥ 0} x_i‖²
      of vᵀHv, with v the bottom eigenvector of H(W(0)) by default — an attack on λ_min(H).

    ε is half the slack R − max |w_r(0)ᵀx_i| over the targeted inputs, capped at 10⁻³R.
    """
    if mode not in ("flip", "off", "eigen"):
        raise ValueError(f"mode must be 'flip', 'off' or 'eigen', got {mode!r}")
    X, W0 = _t(X), _t(W0)
    W = W0.clone()
    Z = X @ W0.T if _Z is None else _Z                   # (n, m)
    A = Z.abs() < R
    if mode == "off":
        A &= Z >= 0
    if mode == "eigen" and v is None:
        H0 = to_numpy(kernels.gram(X, W0)) if _H0 is None else _H0
        v = scipy.linalg.eigh(0.5 * (H0 + H0.T), subset_by_index=[0, 0])[1][:, 0]
    if mode == "eigen":
        v = _t(v)
    for r in torch.nonzero(A.any(dim=0)).flatten().tolist():
        idx = torch.nonzero(A[:, r]).flatten()
        idx = idx[torch.argsort(Z[idx, r].abs())]        # nearest to the boundary first
        if mode == "eigen":
            idx = idx[:max_subset]
            best, best_val = None, float(((v * (Z[:, r] >= 0)) @ X).pow(2).sum())
            k = idx.numel()
            for mask in range(1, 2 ** k):
                sub = idx[[b for b in range(k) if mask >> b & 1]]
                delta = _least_norm_flip(X, W0[r], sub, Z[:, r], R)
                if delta is None:
                    continue
                val = float(((v * (X @ (W0[r] + delta) >= 0)) @ X).pow(2).sum())
                if val < best_val:
                    best, best_val = delta, val
            if best is not None:
                W[r] = W0[r] + best
            continue
        while idx.numel():
            delta = _least_norm_flip(X, W0[r], idx, Z[:, r], R)
            if delta is not None:
                W[r] = W0[r] + delta
                break
            idx = idx[:-1]
    dist = (W - W0).norm(dim=1)
    if float(dist.max()) > R:
        raise AssertionError(f"perturbation left the radius: {float(dist.max())} > {R}")
    return W


# ------------------------------------------------------------------------------------------
# Theorem 3.1: antipodal pairs
# ------------------------------------------------------------------------------------------
def antipodal_data(k: int, d: int, seed: int, extra: int = 0) -> torch.Tensor:
    """k random unit vectors x_1..x_k, their antipodes −x_1..−x_k, then ``extra`` more random
    unit vectors: rows [x_1..x_k, −x_1..−x_k, z_1..z_extra]."""
    Z = data.sphere(k + extra, d, seed)
    return torch.cat([Z[:k], -Z[:k], Z[k:]])


def antipodal_spectrum(Xk) -> np.ndarray:
    """[D] For the 2k inputs [X_k; −X_k], H∞ = [[A, B], [B, A]] with A_ij = ρ(π−θ)/2π and
    B_ij = −ρθ/2π (ρ, θ of x_i, x_j), so its spectrum is eig(A + B) ∪ eig(A − B) and
    A − B = X_k X_kᵀ / 2 has rank ≤ d: more than d antipodal pairs force λ0 = 0.
    Returns the predicted eigenvalues, ascending."""
    Xk = to_numpy(Xk)
    A = kernels.h_infinity(Xk)
    theta = kernels.angles(Xk)
    B = -(Xk @ Xk.T) * theta / (2 * np.pi)
    return np.sort(np.concatenate([kernels.eigenvalues(A + B), kernels.eigenvalues(A - B)]))


def closest_pair_bound(X) -> float:
    """[D] λ0 ≤ λ_min of the 2×2 principal block of H∞ for the pair with the largest |x_iᵀx_j|
    (Cauchy interlacing); when that pair is at a small angle θ with x_iᵀx_j > 0 it equals
    1/2 − cos θ (π − θ)/(2π) ≈ θ/(2π) (a nearly antipodal pair gives ≈ 1/2, no useful bound)."""
    _, (i, j) = data.max_abs_cosine(X)
    H = kernels.h_infinity(to_numpy(X)[[i, j]])
    return kernels.lambda_min(H)


# ------------------------------------------------------------------------------------------
# check functions (shared by the notebooks and the negative controls)
# ------------------------------------------------------------------------------------------
def check_data(ledger, X, y=None, C=None, *, case=None, depends_on=("du2019-assumption-3-1",)):
    """Du-4, an assumption of the run: no two inputs parallel, recorded as
    1 − max_{i≠j}|cos∠(x_i, x_j)| > :data:`PARALLEL_TOL` (a duplicated or antipodal input fails
    it); unit norms and |y_i| ≤ C are enforced by :func:`ntkbook.data.validate` (AssumptionError)."""
    data.validate(X, y, C=C, non_parallel=False)
    c, (i, j) = data.max_abs_cosine(X)
    return ledger.check("du2019.assumption.data", kind="assumption", lhs=1.0 - c, rel=">",
                        rhs=PARALLEL_TOL,
                        statement=r"1-\max_{i\ne j}|\cos\angle(x_i,x_j)|>10^{-12}"
                                  r"\ \ (\|x_i\|_2=1,\ |y_i|\le C\ \text{enforced})",
                        source=f"{SOURCE}, Sec. 3 and Thm 3.1", provenance="paper",
                        hypothesis_met=None, case=case, control=CONTROL["data"],
                        depends_on=depends_on,
                        note=f"closest pair ({i}, {j}), |cos| = {c:.6f}")


def check_lambda0_positive(ledger, X, claim="du2019.thm3.1", *, expect="hold", case=None,
                           seeds=None, note="", depends_on=("du2019.assumption.data",)):
    """Theorem 3.1: λ_min(H∞) above eigensolver resolution, with H∞ from the closed form
    (``kernels.h_infinity``, which does not refuse parallel inputs). ``X`` may be a list of data
    sets (one comparison each). ``hypothesis_met`` is computed (:func:`non_parallel` on every
    set); ``expect="violation"`` records a counterexample (a parallel pair on purpose)."""
    sets = list(X) if isinstance(X, (list, tuple)) else [X]
    Hs = [kernels.h_infinity(Xi) for Xi in sets]
    bad = _must_fail(expect)
    return ledger.check(claim, kind="counterexample" if bad else "conclusion",
                        lhs=[kernels.lambda_min(H) for H in Hs], rel=">",
                        rhs=[kernels.eig_tolerance(H) for H in Hs],
                        statement=r"\lambda_0=\lambda_{\min}(H^\infty)>0",
                        source=f"{SOURCE}, Theorem 3.1", provenance="paper",
                        hypothesis_met=all(non_parallel(Xi) for Xi in sets), case=case,
                        control=None if bad else CONTROL["thm3.1"], seeds=seeds, note=note,
                        depends_on=() if bad else depends_on)


def check_homogeneity(ledger, X, params, scales):
    """Du-1, an identity: f(cW, a, x) = c f(W, a, x) for c > 0 (ReLU is positively
    1-homogeneous); it tests the model's code."""
    X = _t(X)
    f = TwoLayerReLU.forward
    u = f(params, X)
    err = [float((f({**params, "W": c * params["W"]}, X) - c * u).abs().max()) for c in scales]
    tol = [64 * np.finfo(np.float64).eps * abs(c) * (1 + float(u.abs().max()))
           * params["W"].shape[0] ** 0.5 for c in scales]
    return ledger.check("du2019.eq1.homogeneity", kind="identity", lhs=err, rel="<=", rhs=tol,
                        statement=r"f(cW,a,x)=c\,f(W,a,x)\ (c>0)", source=f"{SOURCE}, eq. (1)",
                        provenance="derived", hypothesis_met=None,
                        note=f"scales {list(scales)}")


def init_output_moments(X, m: int, seeds, w_std: float = 1.0) -> np.ndarray:
    """u_i(0) = f(W(0), a, x_i) over seeds: array (len(seeds), n). ``w_std`` ≠ 1 breaks Du-3."""
    X = _t(X)
    out = []
    for s in seeds:
        p = TwoLayerReLU.init(m, X.shape[1], s, dev="cpu")
        p["W"] = w_std * p["W"]
        out.append(to_numpy(TwoLayerReLU.forward(p, X)))
    return np.asarray(out)


def check_init_variance(ledger, U, z=5.0, seeds=None):
    """Du-1/Du-3, a step of our width derivation (Markov on ‖y − u(0)‖²): E[u_i(0)] = 0 and
    E[u_i(0)²] = E[σ(z)²] = 1/2 for unit x_i; the sample means over seeds must lie within z
    standard errors (per input i). A wrong initialization (w_std ≠ 1) breaks it."""
    U = np.asarray(U, dtype=np.float64)
    N = U.shape[0]
    sq = U ** 2
    dev = np.concatenate([np.abs(sq.mean(0) - 0.5) / (sq.std(0, ddof=1) / math.sqrt(N)),
                          np.abs(U.mean(0)) / (U.std(0, ddof=1) / math.sqrt(N))])
    return ledger.check("du2019.eq1.init_variance", kind="step", lhs=dev, rel="<=", rhs=z,
                        statement=r"|\overline{u_i(0)^2}-\tfrac12|,\ |\overline{u_i(0)}|"
                                  r"\ \le z\cdot\mathrm{SE}",
                        source=f"{SOURCE}, eq. (1) with w_r ~ N(0, I), a_r ~ unif{{±1}}",
                        provenance="derived", hypothesis_met=None, seeds=seeds,
                        control=CONTROL["init"], depends_on=["du2019.init.moments"],
                        note=f"{N} seeds, z = {z}: E[u_i(0)] = 0, E[u_i(0)^2] = 1/2")


def check_init_moments(ledger, W, a, z=5.0, seeds=None):
    """Du-3, an assumption of the run: entries of W have mean 0 and variance 1 (z-scores of the
    sample moments), a_r ∈ {±1} with mean 0."""
    Wn, an = to_numpy(W).ravel(), to_numpy(a).ravel()
    N = Wn.size
    z_mean = abs(Wn.mean()) * math.sqrt(N)                        # sd of entries = 1
    z_var = abs((Wn ** 2).mean() - 1) / math.sqrt(2.0 / N)        # Var(w²) = 2
    z_a = abs(an.mean()) * math.sqrt(an.size)
    not_sign = float(np.abs(np.abs(an) - 1).max())
    return ledger.check("du2019.init.moments", kind="assumption",
                        lhs=[z_mean, z_var, z_a, not_sign], rel="<=", rhs=[z, z, z, 1e-15],
                        statement=r"w_r\sim N(0,I_d),\ a_r\sim\mathrm{unif}\{\pm1\}"
                                  r"\ \text{(sample moments)}",
                        source=f"{SOURCE}, Thm 3.2 (initialization)", provenance="restated",
                        hypothesis_met=None, seeds=seeds, control=CONTROL["init"],
                        depends_on=["du2019-assumption-3-1"],
                        note="z-scores of mean(W), mean(W^2) - 1, mean(a); max ||a_r| - 1|")


def check_gradient_formula(ledger, X, y, params, expect="hold"):
    """Du-2, an identity of the code: autograd ∂L/∂W (σ'(0) = 0) against eq. (3) with the indicator
    1{w_rᵀx_i ≥ 0}. With ``expect="violation"`` the counterexample ``du2019.eq3.tie``: an exact
    tie w_rᵀx_i = 0 on purpose (the measure-zero case where the two differ)."""
    X, y = _t(X), _t(y)
    p = {k: _t(v) for k, v in params.items()}
    Wg = p["W"].clone().requires_grad_(True)
    loss = 0.5 * (TwoLayerReLU.forward({**p, "W": Wg}, X) - y).pow(2).sum()
    g_auto, = torch.autograd.grad(loss, Wg)
    g_formula = TwoLayerReLU.grad_W(p, X, y)
    err = float((g_auto - g_formula).abs().max())
    tol = 1e-12 * max(1.0, float(g_formula.abs().max()))
    ties = int(((X @ p["W"].T) == 0).sum())
    statement = (r"\nabla_W L\ (\text{autograd})=\tfrac1{\sqrt m}\sum_i(u_i-y_i)a_r x_i"
                 r"\mathbb I\{w_r^\top x_i\ge0\}")
    if _must_fail(expect):
        return ledger.check("du2019.eq3.tie", kind="counterexample", lhs=err, rel="<=", rhs=tol,
                            statement=statement + r"\ \text{with an exact tie}",
                            source=f"{SOURCE}, eq. (3)", provenance="paper",
                            hypothesis_met=ties == 0, note=f"{ties} exact ties w_r^T x_i = 0")
    return ledger.check("du2019.eq3.autograd", kind="identity", lhs=err, rel="<=", rhs=tol,
                        statement=statement, source=f"{SOURCE}, eq. (3)", provenance="paper",
                        hypothesis_met=None, note=f"{ties} exact ties w_r^T x_i = 0")


def prediction_dynamics(X, y, params, eta: float = 1e-8):
    """Du-5, eq. (7): (u(W − η∇L) − u(W))/η and H(W)(y − u) with H from ``kernels.gram(X, W, a)``
    (the a_r² factor is 1 under Du et al.'s a_r ∈ {±1})."""
    X, y = _t(X), _t(y)
    p = {k: _t(v) for k, v in params.items()}
    u = TwoLayerReLU.forward(p, X)
    g = TwoLayerReLU.grad_W(p, X, y)
    u1 = TwoLayerReLU.forward({**p, "W": p["W"] - eta * g}, X)
    H = kernels.gram(X, p["W"])
    return to_numpy((u1 - u) / eta), to_numpy(H @ (y - u))


def check_prediction_dynamics(ledger, X, y, params, eta=1e-8):
    """Du-5, an identity of the code: du/dt = H(t)(y − u) with H_ij = (1/m) x_iᵀx_j Σ_r 1{·}1{·},
    by a finite difference (exact up to rounding when no pattern flips within the step, since f
    is then linear in W)."""
    fd, pred = prediction_dynamics(X, y, params, eta)
    err = float(np.abs(fd - pred).max())
    tol = 1e-5 * max(1e-3, float(np.abs(pred).max()))
    return ledger.check("du2019.eq7", kind="identity", lhs=err, rel="<=", rhs=tol,
                        statement=r"\tfrac{d}{dt}u(t)=H(t)\,(y-u(t))", source=f"{SOURCE}, eq. (7)",
                        provenance="paper", hypothesis_met=None,
                        note=f"forward difference with eta = {eta}")


def check_mc_entries(ledger, H_closed, samples_fn, S: int, claim, statement, source, z=5.0,
                     seeds=None, provenance="derived"):
    """An identity (closed form against its defining expectation): a closed-form kernel against
    a Monte Carlo mean, |mean − closed| ≤ z·SE entrywise, SE from the sample standard deviation.
    ``samples_fn()`` returns (mean, std) matrices over S draws."""
    mean, std = samples_fn()
    se = np.maximum(std / math.sqrt(S), 1e-300)
    zs = np.abs(mean - H_closed) / se
    zs[std == 0] = np.where(np.abs(mean - H_closed)[std == 0] == 0, 0.0, np.inf)
    return ledger.check(claim, kind="identity", lhs=zs.max(), rel="<=", rhs=z,
                        statement=statement, source=source, provenance=provenance,
                        hypothesis_met=None, seeds=seeds,
                        note=f"S = {S} Monte Carlo draws; worst entrywise z-score")


def mc_moments(X, S: int, seed: int, feature: str = "indicator", chunk: int = 100_000):
    """Monte Carlo mean and standard deviation of x_iᵀx_j 1{wᵀx_i ≥ 0}1{wᵀx_j ≥ 0} (``indicator``,
    H-1) or σ(wᵀx_i)σ(wᵀx_j) (``relu``, H-2) over S Gaussian w."""
    X = _t(X)
    g = generator(seed)
    s1 = torch.zeros(X.shape[0], X.shape[0], dtype=DTYPE)
    s2 = torch.zeros_like(s1)
    G = X @ X.T
    done = 0
    while done < S:
        k = min(chunk, S - done)
        Wc = torch.randn(k, X.shape[1], generator=g, dtype=DTYPE)
        Z = X @ Wc.T
        F = (Z >= 0).to(DTYPE) if feature == "indicator" else torch.relu(Z)
        P = F[:, None, :] * F[None, :, :]                  # (n, n, k)
        if feature == "indicator":
            P = P * G[:, :, None]
        s1 += P.sum(-1)
        s2 += P.pow(2).sum(-1)
        done += k
    mean = s1 / S
    var = (s2 / S - mean ** 2) * S / (S - 1)
    return to_numpy(mean), to_numpy(var.clamp_min(0).sqrt())


# ------------------------------------------------------------------------------------------
# Remark 3.1 / Lemma 3.1
# ------------------------------------------------------------------------------------------
def init_deviation(X, m: int, seed: int, H_inf=None) -> float:
    """‖H(0) − H∞‖₂ for one initialization of width m (Remark 3.1)."""
    H_inf = kernels.h_infinity(X) if H_inf is None else H_inf
    W = TwoLayerReLU.init(m, _t(X).shape[1], seed, dev="cpu")["W"]
    return kernels.spectral_norm(to_numpy(kernels.gram(_t(X), W)) - H_inf)


def check_slope(ledger, widths, values, claim, target=-0.5, tol=0.1, statement="", source="",
                provenance="paper", note="", at_most=False, control=CONTROL["slope"],
                depends_on=()):
    """A scaling claim: the fitted log-log slope ŝ of ``values`` against ``widths`` satisfies
    |ŝ − target| ≤ tol, or with ``at_most=True`` ŝ ≤ target + tol (an O(m^target) upper bound:
    decay at least that fast). Remark 3.1's O(1/√m) ⇒ target −1/2. Unconditional
    (``hypothesis_met=None``)."""
    slope = loglog_slope(widths, values)
    kw = dict(kind="scaling", source=source, provenance=provenance, hypothesis_met=None,
              control=control, depends_on=depends_on,
              note=(note + f" fitted slope {slope:.4f}").strip())
    if at_most:
        return ledger.check(claim, lhs=slope, rel="<=", rhs=target + tol,
                            statement=statement or rf"\hat s\le {target}+{tol}", **kw)
    return ledger.check(claim, lhs=abs(slope - target), rel="<=", rhs=tol,
                        statement=statement or rf"|\hat s-({target})|\le {tol}", **kw)


@dataclass
class Lemma31Run:
    lam_min: np.ndarray     # λ_min(H(0)) per seed
    deviation: np.ndarray   # ‖H(0) − H∞‖₂ per seed
    m: int
    lam0: float


def lemma31_run(X, m: int, seeds) -> Lemma31Run:
    """λ_min(H(0)) and ‖H(0) − H∞‖₂ over seeds at width m."""
    X = _t(X)
    H_inf = kernels.h_infinity(X)
    lam0 = kernels.lambda_min(H_inf)
    lm, dv = [], []
    for s in seeds:
        W = TwoLayerReLU.init(m, X.shape[1], s, dev="cpu")["W"]
        H0 = to_numpy(kernels.gram(X, W))
        lm.append(kernels.lambda_min(H0))
        dv.append(kernels.spectral_norm(H0 - H_inf))
    return Lemma31Run(np.asarray(lm), np.asarray(dv), m, lam0)


def check_lemma31(ledger, run: Lemma31Run, delta: float, n: int, seeds=None,
                  parts=("lambda_min", "norm")):
    """Lemma 3.1 as probabilities (steps of Theorems 3.2 and 4.1): P(λ_min(H(0)) < ¾λ0) ≤ δ
    (``du2019.lemma3.1``) and P(‖H(0) − H∞‖₂ > λ0/4) ≤ δ (``du2019.lemma3.1.norm``),
    Clopper–Pearson bounds over seeds; hypothesis met iff m ≥ 8n² log(2n²/δ)/λ0² [D]."""
    hyp = bool(run.m >= m_lemma31(n, run.lam0, delta))
    kw = dict(kind="step", trials=len(run.lam_min), delta=delta,
              source=f"{SOURCE}, Lemma 3.1 (width constant: our derivation)", hypothesis_met=hyp,
              seeds=seeds, note=f"m = {run.m}", control=CONTROL["lemma3.1"],
              depends_on=["du2019.init.moments", "du2019.thm3.1", "du2019-lemma-3-1"])
    out = []
    if "lambda_min" in parts:
        out.append(ledger.check_probability(
            "du2019.lemma3.1", failures=int((run.lam_min < 0.75 * run.lam0).sum()),
            statement=r"P\big(\lambda_{\min}(H(0))\ge\tfrac34\lambda_0\big)\ge1-\delta",
            provenance="paper", **kw))
    if "norm" in parts:
        out.append(ledger.check_probability(
            "du2019.lemma3.1.norm", failures=int((run.deviation > run.lam0 / 4).sum()),
            statement=r"P\big(\|H(0)-H^\infty\|_2\le\lambda_0/4\big)\ge1-\delta",
            provenance="restated", **kw))
    return out


# ------------------------------------------------------------------------------------------
# Lemma 3.2
# ------------------------------------------------------------------------------------------
def anticoncentration_counts(X, m: int, seeds, R) -> tuple[int, int]:
    """Events |w_r(0)ᵀx_{r mod n}| < R over neurons and seeds (one input per neuron, so the
    trials are independent): (count, trials)."""
    X = _t(X)
    n = X.shape[0]
    count = trials = 0
    for s in seeds:
        W = TwoLayerReLU.init(m, X.shape[1], s, dev="cpu")["W"]
        z = (W * X[torch.arange(m) % n]).sum(1)
        count += int((z.abs() < R).sum())
        trials += m
    return count, trials


def check_anticoncentration(ledger, count: int, trials: int, R: float, factor: float = 1.0,
                            seeds=None):
    """Lemma 3.2's step P(|w_r(0)ᵀx_i| < R) ≤ 2R/√(2π), the event rate's Clopper–Pearson bound
    against the bound (``factor`` < 1 tightens it, for negative controls); one case per R."""
    bound = factor * float(anticoncentration_bound(R))
    if not 0 < bound < 1:
        raise ValueError(f"bound 2R/sqrt(2 pi) = {bound} must lie in (0, 1) for a binomial test")
    return ledger.check_probability(
        "du2019.lemma3.2.anticoncentration", kind="step", case=f"R={R:g}", failures=count,
        trials=trials, delta=bound,
        statement=r"P\big(|w_r(0)^\top x_i|<R\big)\le\frac{2R}{\sqrt{2\pi}}",
        source=f"{SOURCE}, Lemma 3.2 (proof)", provenance="restated", hypothesis_met=None,
        seeds=seeds, control=CONTROL["anticoncentration"], depends_on=["du2019.init.moments"],
        note=f"R = {R:.4g}; exact erf(R/sqrt2) = {float(anticoncentration_exact(R)):.6g}")


@dataclass
class Lemma32Run:
    """One row per seed: the perturbed Gram matrix against H(0)."""
    R: float
    m: int
    lam0: float
    norm: np.ndarray          # ‖H − H(0)‖₂
    l1: np.ndarray            # Σ_ij |H_ij − H_ij(0)|
    lam_min: np.ndarray       # λ_min(H)
    lam_min0: np.ndarray      # λ_min(H(0))
    events: np.ndarray        # Σ_ir 1{A_ir}
    flips: np.ndarray         # Σ_ir 1{pattern changed}
    outside: np.ndarray       # flips outside the events A_ir (must be 0)
    dist: np.ndarray          # max_r ‖w_r − w_r(0)‖


def lemma32_runs(X, m: int, seeds, R: float, modes=("flip",), radius_factor: float = 1.0) -> dict:
    """Per seed: draw W(0), perturb it adversarially within ``radius_factor``·R with each of
    ``modes`` (:func:`adversarial_perturbation`) and measure the quantities of Lemma 3.2.
    ``radius_factor`` > 1 leaves the lemma's ball (a negative control for the event equivalence).
    Only the moved neurons are re-evaluated, so H = H(0) + (its change) costs O(n² · moved).
    Returns {mode: Lemma32Run}."""
    X = _t(X)
    lam0 = kernels.lambda_min(kernels.h_infinity(X))
    G = X @ X.T
    keys = ("norm", "l1", "lam_min", "lam_min0", "events", "flips", "outside", "dist")
    rows = {mode: {k: [] for k in keys} for mode in modes}
    for s in seeds:
        W0 = TwoLayerReLU.init(m, X.shape[1], s, dev="cpu")["W"]
        Z = X @ W0.T
        S0 = (Z >= 0).to(DTYPE)
        H0 = to_numpy(G * (S0 @ S0.T) / m)
        lam_min0 = kernels.lambda_min(H0)
        A = Z.abs() < R
        events = int(A.sum())
        for mode in modes:
            W = adversarial_perturbation(X, W0, radius_factor * R, mode, _Z=Z, _H0=H0)
            moved = torch.nonzero((W != W0).any(dim=1)).flatten()
            S1 = (X @ W[moved].T >= 0).to(DTYPE)
            S0c = S0[:, moved]
            dH = to_numpy(G * (S1 @ S1.T - S0c @ S0c.T) / m)
            H = H0 + dH
            F = S1 != S0c
            row = rows[mode]
            row["norm"].append(kernels.spectral_norm(dH))
            row["l1"].append(float(np.abs(dH).sum()))
            row["lam_min"].append(kernels.lambda_min(H))
            row["lam_min0"].append(lam_min0)
            row["events"].append(events)
            row["flips"].append(int(F.sum()))
            row["outside"].append(int((F & ~A[:, moved]).sum()))
            row["dist"].append(float((W[moved] - W0[moved]).norm(dim=1).max()) if moved.numel() else 0.0)
    return {mode: Lemma32Run(R=R, m=m, lam0=lam0, **{k: np.asarray(v) for k, v in rows[mode].items()})
            for mode in modes}


def lemma32_run(X, m: int, seeds, R: float, mode: str = "flip", radius_factor: float = 1.0) -> Lemma32Run:
    """:func:`lemma32_runs` for a single adversary ``mode``."""
    return lemma32_runs(X, m, seeds, R, (mode,), radius_factor)[mode]


def check_lemma32(ledger, run: Lemma32Run, delta: float, n: int, c: float = C_LEMMA32,
                  seeds=None, parts=("events", "markov", "norm", "lambda_min"),
                  expect="hold"):
    """Lemma 3.2 over seeds:

    * ``events`` (identity, ``du2019.lemma3.2.events``) — patterns change only inside the events
      A_ir (Cauchy–Schwarz: true for every perturbation inside the ball);
    * ``markov`` (step, ``du2019.lemma3.2.markov``) — Σ|H_ij − H_ij(0)| ≤ 4n²R/(√(2π)δ) with
      probability ≥ 1 − δ [restated]; hypothesis: the perturbation stays in the ball (computed);
    * ``norm`` (step, ``du2019.lemma3.2``) — ‖H − H(0)‖₂ < λ0/4 w.p. ≥ 1 − δ; hypothesis
      R ≤ cδλ0/n² (c = √(2π)/16 [D]); with ``expect="violation"`` the counterexample
      ``du2019.lemma3.2.large_R`` (R far above it on purpose);
    * ``lambda_min`` (step, ``du2019.lemma3.2.lambda_min``) — λ_min(H) > λ0/2 w.p. ≥ 1 − δ;
      hypothesis R ≤ cδλ0/n² and m ≥ 8n² log(2n²/δ)/λ0² [D] (Lemma 3.1 gives λ_min(H(0)) ≥ ¾λ0).
    """
    R_ok = bool(run.R <= R_lemma32(n, run.lam0, delta, c) * (1 + 1e-12))
    m_ok = bool(run.m >= m_lemma31(n, run.lam0, delta))
    in_ball = bool(run.dist.max() <= run.R * (1 + 1e-12))
    src = f"{SOURCE}, Lemma 3.2"
    note = f"R = {run.R:.4g}, m = {run.m}, adversarial perturbation"
    deps = ["du2019.lemma3.2.anticoncentration", "du2019.lemma3.2.events",
            "du2019.lemma3.2.markov", "du2019-lemma-3-2"]
    prob = dict(trials=len(run.norm), delta=delta, seeds=seeds, control=CONTROL["lemma3.2"],
                note=note, provenance="restated")
    out = []
    if "events" in parts:
        out.append(ledger.check(
            "du2019.lemma3.2.events", kind="identity", lhs=run.outside, rel="==", rhs=0,
            statement=r"\mathbb I\{w_r^\top x_i\ge0\}\ne\mathbb I\{w_r(0)^\top x_i\ge0\},"
                      r"\ \|w_r-w_r(0)\|\le R\ \Rightarrow\ |w_r(0)^\top x_i|<R",
            source=f"{src} (proof: event A_ir; Cauchy-Schwarz)", provenance="paper",
            hypothesis_met=None, seeds=seeds, note=note))
    if "markov" in parts:
        bound = 4 * n ** 2 * run.R / (math.sqrt(2 * math.pi) * delta)
        out.append(ledger.check_probability(
            "du2019.lemma3.2.markov", kind="step", failures=int((run.l1 > bound).sum()),
            statement=r"P\Big(\sum_{ij}|H_{ij}-H_{ij}(0)|\le\frac{4n^2R}{\sqrt{2\pi}\delta}\Big)"
                      r"\ge1-\delta",
            source=f"{src} (proof, Markov step)", hypothesis_met=in_ball,
            depends_on=["du2019.lemma3.2.anticoncentration", "du2019.lemma3.2.events"], **prob))
    if "norm" in parts:
        failures = int((run.norm >= run.lam0 / 4).sum())
        statement = (r"P\big(\|H-H(0)\|_2<\lambda_0/4\ \ \forall\,\|w_r-w_r(0)\|\le R\big)"
                     r"\ge1-\delta")
        if _must_fail(expect):
            out.append(ledger.check_probability(
                "du2019.lemma3.2.large_R", kind="counterexample", failures=failures,
                statement=statement + r"\ \ (R\gg c\delta\lambda_0/n^2)",
                source=f"{src} (radius hypothesis dropped)", hypothesis_met=R_ok,
                **{**prob, "control": None}))
        else:
            out.append(ledger.check_probability(
                "du2019.lemma3.2", kind="step", failures=failures, statement=statement,
                source=f"{src} (c = sqrt(2 pi)/16: our derivation)", hypothesis_met=R_ok,
                depends_on=deps, **prob))
    if "lambda_min" in parts:
        out.append(ledger.check_probability(
            "du2019.lemma3.2.lambda_min", kind="step",
            failures=int((run.lam_min <= run.lam0 / 2).sum()),
            statement=r"P\big(\lambda_{\min}(H)>\lambda_0/2\big)\ge1-\delta",
            source=f"{src} (with Lemma 3.1)", hypothesis_met=R_ok and m_ok,
            depends_on=["du2019.lemma3.2", "du2019.lemma3.1"], **prob))
    return out


# ------------------------------------------------------------------------------------------
# Lemmas 3.3–3.4, Theorems 3.2–3.3 (gradient flow)
# ------------------------------------------------------------------------------------------
@dataclass
class FlowRun:
    """A gradient-flow run of the two-layer net, recorded on a time grid."""
    t: np.ndarray              # times
    resid2: np.ndarray         # ‖y − u(t)‖²
    lam_min_H: np.ndarray      # λ_min(H(t)) (with a_r(t)² when a is trained)
    lam_min_G: np.ndarray      # λ_min(G(t)) (joint training; NaN otherwise)
    quad_H: np.ndarray         # (y−u)ᵀH(y−u)
    quad_HG: np.ndarray        # (y−u)ᵀ(H+G)(y−u)
    dist_w: np.ndarray         # max_r ‖w_r(t) − w_r(0)‖
    dist_a: np.ndarray         # max_r |a_r(t) − a_r(0)|
    balance: np.ndarray        # max_r |(a_r² − ‖w_r‖²)(t) − (a_r² − ‖w_r‖²)(0)|
    dH: np.ndarray             # ‖H(t) − H(0)‖₂
    flips: np.ndarray          # Σ_ir pattern changes since t = 0
    max_w: np.ndarray          # max_r sup_{s≤t} ‖w_r(s)‖
    max_a: np.ndarray          # max_r sup_{s≤t} |a_r(s)|
    lam0: float
    m: int
    n: int
    train_a: bool

    @property
    def resid0(self) -> float:
        return float(math.sqrt(self.resid2[0]))


def flow_run(X, y, m: int, seed: int, t_max: float, dt: float, train_a: bool = False,
             every: int = 1, method: str = "rk4") -> FlowRun:
    """Integrate dθ/dt = −∇L(θ) with ``ntkbook.training.gradient_flow`` (RK4 by default) and
    record the quantities of Lemmas 3.3–3.4 and Thm 3.3 every ``every`` steps."""
    from .training import gradient_flow
    X, y = _t(X), _t(y)
    net = TwoLayerReLU(train_a=train_a)
    p0 = net.init(m, X.shape[1], seed, dev="cpu")
    W0, a0 = p0["W"].clone(), p0["a"].clone()
    bal0 = a0 ** 2 - W0.pow(2).sum(1)
    lam0 = kernels.lambda_min(kernels.h_infinity(X))
    H0 = to_numpy(kernels.gram(X, W0))
    rec = {k: [] for k in ("resid2", "lam_min_H", "lam_min_G", "quad_H", "quad_HG", "dist_w", "dist_a",
                           "balance", "dH", "flips", "max_w", "max_a")}
    sup = {"w": W0.norm(dim=1).clone(), "a": a0.abs().clone()}

    def metrics(params, k):
        W, a = params["W"].detach(), params["a"].detach()
        sup["w"] = torch.maximum(sup["w"], W.norm(dim=1))
        sup["a"] = torch.maximum(sup["a"], a.abs())
        r = y - TwoLayerReLU.forward({"W": W, "a": a}, X)
        H = to_numpy(kernels.gram(X, W, a if train_a else None))
        rn = to_numpy(r)
        rec["resid2"].append(float(rn @ rn))
        rec["lam_min_H"].append(kernels.lambda_min(H))
        rec["quad_H"].append(float(rn @ H @ rn))
        if train_a:
            G = to_numpy(kernels.feature_gram(X, W))
            rec["lam_min_G"].append(kernels.lambda_min(G))
            rec["quad_HG"].append(float(rn @ (H + G) @ rn))
        else:
            rec["lam_min_G"].append(np.nan)
            rec["quad_HG"].append(float(rn @ H @ rn))
        rec["dist_w"].append(max_distance(W0, W))
        rec["dist_a"].append(float((a - a0).abs().max()))
        rec["balance"].append(float((a ** 2 - W.pow(2).sum(1) - bal0).abs().max()))
        rec["dH"].append(kernels.spectral_norm(to_numpy(kernels.gram(X, W)) - H0))
        rec["flips"].append(int(pattern_changes(X, W0, W).sum()))
        rec["max_w"].append(float(sup["w"].max()))
        rec["max_a"].append(float(sup["a"].max()))
        return 0.0

    traj = gradient_flow(lambda p: net.loss(p, X, y), p0, t_max, dt, trainable=net.trainable,
                         record={"_": metrics}, every=every, method=method)
    if traj.diverged:
        raise AssumptionError("a finite gradient flow (dt small enough)", f"the loss diverged at dt = {dt}")
    return FlowRun(t=np.asarray(traj.steps, dtype=np.float64) * dt, lam0=lam0, m=m, n=X.shape[0],
                   train_a=train_a, **{k: np.asarray(v, dtype=np.float64) for k, v in rec.items()})


def check_decay(ledger, run: FlowRun, claim, *, kind, hypothesis_met, source, control,
                provenance="paper", rate_factor: float = 1.0, case=None, seeds=None, note="",
                depends_on=()):
    """‖y − u(t)‖² ≤ exp(−λ0 t)‖y − u(0)‖² at every recorded t > 0 (``rate_factor`` > 1 makes
    the bound false, for negative controls). ``claim`` and ``kind`` are the caller's (Lemma 3.3's
    step, Theorem 3.3's conclusion)."""
    rhs = np.exp(-rate_factor * run.lam0 * run.t) * run.resid2[0]
    pos = run.t > 0                                  # at t = 0 the two sides are equal
    return ledger.check(claim, kind=kind, lhs=run.resid2[pos], rel="<=", rhs=rhs[pos],
                        statement=r"\|y-u(t)\|_2^2\le e^{-\lambda_0t}\|y-u(0)\|_2^2",
                        source=source, provenance=provenance, hypothesis_met=hypothesis_met,
                        case=case, seeds=seeds, rtol=1e-9, note=note, control=control,
                        depends_on=depends_on)


def lemma33_hypothesis(run: FlowRun) -> bool:
    """Lemma 3.3's hypothesis λ_min(H(s)) ≥ λ0/2 on the recorded grid."""
    return bool(np.all(run.lam_min_H >= run.lam0 / 2))


def thm32_hypothesis(run: FlowRun, delta: float, c: float = C_LEMMA32) -> bool:
    """The width hypothesis of Theorems 3.2/3.3 as the proof uses it: Lemma 3.4's R' < R at this
    run's width and residual (R' of Lemma 3.3, R = cδλ0/n² of Lemma 3.2)."""
    return bool(R_prime_flow(run.n, run.m, run.resid0, run.lam0)
                < R_lemma32(run.n, run.lam0, delta, c))


def check_lemma33(ledger, run: FlowRun, radius_factor: float = 1.0, rate_factor: float = 1.0,
                  seeds=None):
    """Lemma 3.3 (steps of Theorem 3.2): if λ_min(H(s)) ≥ λ0/2 on [0, t] (computed on the grid)
    then the decay holds (``du2019.lemma3.3``) and max_r ‖w_r(t) − w_r(0)‖ ≤ R' =
    2√n‖y − u(0)‖/(√m λ0) (``du2019.lemma3.3.radius``); ``rate_factor`` > 1 or
    ``radius_factor`` < 1 make them false (negative controls)."""
    hyp = lemma33_hypothesis(run)
    Rp = radius_factor * R_prime_flow(run.n, run.m, run.resid0, run.lam0)
    src = f"{SOURCE}, Lemma 3.3"
    return (check_decay(ledger, run, "du2019.lemma3.3", kind="step", hypothesis_met=hyp,
                        source=src, rate_factor=rate_factor, seeds=seeds,
                        control=CONTROL["lemma3.3"], depends_on=["du2019-lemma-3-3"],
                        note="hypothesis lambda_min(H(s)) >= lambda0/2 checked on the time grid"),
            ledger.check("du2019.lemma3.3.radius", kind="step", lhs=run.dist_w, rel="<=", rhs=Rp,
                         statement=r"\max_r\|w_r(t)-w_r(0)\|_2\le R'="
                                   r"\frac{2\sqrt n\|y-u(0)\|_2}{\sqrt m\lambda_0}",
                         source=f"{src} (display reconstructed: our derivation)",
                         provenance="derived", hypothesis_met=hyp, seeds=seeds,
                         control=CONTROL["lemma3.3"], depends_on=["du2019.lemma3.3"],
                         note=f"R' = {Rp:.4g}"))


def check_joint(ledger, run: FlowRun, seeds=None, tol_balance=1e-4):
    """Theorem 3.3 (App. A.1) on a joint-training flow, three identities: G(t) = FFᵀ/m ⪰ 0 and
    hence (y−u)ᵀ(H+G)(y−u) ≥ (y−u)ᵀH(y−u) at every recorded t (true by construction), and
    a_r² − ‖w_r‖² conserved by the flow (to integration error) [D]."""
    if not run.train_a:
        raise AssumptionError("joint training of both layers (Du et al. Sec. 3.2)",
                              "run has a fixed")
    src = f"{SOURCE}, Theorem 3.3 / App. A.1"
    return (ledger.check("du2019.thm3.3.G_psd", kind="identity", lhs=run.lam_min_G, rel=">=",
                         rhs=-1e-12, statement=r"\lambda_{\min}(G(t))\ge0\ \ (G=FF^\top/m)",
                         source=src, provenance="paper", hypothesis_met=None, seeds=seeds),
            ledger.check("du2019.thm3.3.H_plus_G", kind="identity", lhs=run.quad_HG, rel=">=",
                         rhs=run.quad_H, statement=r"(y-u)^\top(H+G)(y-u)\ge(y-u)^\top H(y-u)",
                         source=src, provenance="paper", hypothesis_met=None, seeds=seeds),
            check_balance(ledger, run, tol_balance, seeds=seeds))


def check_balance(ledger, run: FlowRun, tol=1e-4, expect="hold", seeds=None):
    """[D] an identity of gradient flow: a_r² − ‖w_r‖² is conserved (d/dt a_r² = d/dt ‖w_r‖² =
    −(2/√m) a_r Σ_i (u_i − y_i) σ(w_rᵀx_i)): max over r and recorded t of its drift ≤ ``tol``
    (the integration error of RK4). ``expect="violation"``: the counterexample
    ``du2019.thm3.3.balance_gd`` — a finite GD step (the flow hypothesis dropped) breaks it."""
    kw = dict(lhs=run.balance, rel="<=", rhs=tol,
              statement=r"a_r(t)^2-\|w_r(t)\|_2^2=a_r(0)^2-\|w_r(0)\|_2^2",
              source="conservation law of gradient flow (our derivation)", provenance="derived",
              seeds=seeds, note=f"max over r and recorded t of the drift; tolerance {tol}")
    if _must_fail(expect):
        return ledger.check("du2019.thm3.3.balance_gd", kind="counterexample",
                            hypothesis_met=False, **kw)
    return ledger.check("du2019.thm3.3.balance", kind="identity", hypothesis_met=None, **kw)


def joint_drift_bounds(run: FlowRun) -> tuple[np.ndarray, np.ndarray]:
    """[D] If ‖y − u(s)‖ ≤ e^{−λ0 s/2}‖y − u(0)‖ on [0, t] then, from |∂L/∂a_r| ≤ √(n/m)
    sup‖w_r‖‖y−u‖ and ‖∂L/∂w_r‖ ≤ √(n/m) sup|a_r| ‖y−u‖ (unit inputs),
    |a_r(t) − a_r(0)| ≤ 2√n sup_s‖w_r(s)‖ ‖y−u(0)‖/(√m λ0) and
    ‖w_r(t) − w_r(0)‖ ≤ 2√n sup_s|a_r(s)| ‖y−u(0)‖/(√m λ0). Returns (R_a'(t), R_w'(t)) on the grid."""
    base = 2 * math.sqrt(run.n) * run.resid0 / (math.sqrt(run.m) * run.lam0)
    return base * run.max_w, base * run.max_a


def check_joint_drift(ledger, run: FlowRun, factor: float = 1.0, seeds=None):
    """[D] the drift bounds of :func:`joint_drift_bounds` (steps of Theorem 3.3; ``factor`` < 1
    tightens them). Hypothesis (computed): the decay e^{−λ0 t} held on the recorded grid."""
    Ra, Rw = joint_drift_bounds(run)
    hyp = bool(np.all(run.resid2 <= np.exp(-run.lam0 * run.t) * run.resid2[0] * (1 + 1e-9)))
    src = f"{SOURCE}, App. A.1 (Lemma A.6-type bound; constants our derivation)"
    kw = dict(kind="step", rel="<=", source=src, provenance="derived", hypothesis_met=hyp,
              seeds=seeds, control=CONTROL["thm3.3"], depends_on=["du2019.thm3.3.balance"])
    return (ledger.check("du2019.thm3.3.a_drift", lhs=run.dist_a, rhs=factor * Ra,
                         statement=r"|a_r(t)-a_r(0)|\le\frac{2\sqrt n\,\sup_s\|w_r(s)\|\,"
                                   r"\|y-u(0)\|}{\sqrt m\lambda_0}", **kw),
            ledger.check("du2019.thm3.3.w_drift", lhs=run.dist_w, rhs=factor * Rw,
                         statement=r"\|w_r(t)-w_r(0)\|\le\frac{2\sqrt n\,\sup_s|a_r(s)|\,"
                                   r"\|y-u(0)\|}{\sqrt m\lambda_0}", **kw))


def check_lemma34(ledger, run: FlowRun, delta: float, c: float = C_LEMMA32,
                  expect_hypothesis="violation", seeds=None):
    """Lemma 3.4 on a flow: its conclusion λ_min(H(t)) ≥ λ0/2 at every recorded t (a step of
    Theorem 3.2; hypothesis met iff R' < R, computed), and its hypothesis R' < R itself —
    recorded as a counterexample by default (the run drops it: R' < R needs
    m ≥ :func:`m_R_prime_below_R`, ~10¹² at the book's sizes); ``expect_hypothesis="hold"``
    records it as an assumption of the run."""
    R = R_lemma32(run.n, run.lam0, delta, c)
    Rp = R_prime_flow(run.n, run.m, run.resid0, run.lam0)
    m_star = m_R_prime_below_R(run.n, run.resid0, run.lam0, delta, c)
    src = f"{SOURCE}, Lemma 3.4"
    bad = _must_fail(expect_hypothesis)
    return (ledger.check("du2019.lemma3.4.lambda_min", kind="step", lhs=run.lam_min_H, rel=">=",
                         rhs=run.lam0 / 2,
                         statement=r"\lambda_{\min}(H(t))\ge\lambda_0/2\ \ \forall t", source=src,
                         provenance="paper", hypothesis_met=bool(Rp < R), seeds=seeds,
                         control=CONTROL["lemma3.4"],
                         depends_on=["du2019.lemma3.2", "du2019.lemma3.3.radius",
                                     "du2019-lemma-3-4"]),
            ledger.check("du2019.lemma3.4.hypothesis",
                         kind="counterexample" if bad else "assumption", lhs=Rp, rel="<",
                         rhs=R, statement=r"R'<R\ \ \text{(Lemma 3.4's hypothesis)}",
                         source=f"{src} (hypothesis; c = sqrt(2 pi)/16 ours)", provenance="paper",
                         hypothesis_met=None, seeds=seeds,
                         control=None if bad else CONTROL["lemma3.4"],
                         note=f"m = {run.m}; R' < R first at m = {m_star:.3g} for this residual"))


def check_thm32(ledger, runs, delta: float, rate_factor: float = 1.0, seeds=None, note=""):
    """Theorem 3.2 as a probability: the seeds (flows) on which ‖y − u(t)‖² ≤ exp(−λ0 t)‖y −
    u(0)‖² fails at some recorded t, Clopper–Pearson bound against δ (``rate_factor`` > 1
    makes the bound false). Hypothesis (computed): R' < R on every run."""
    fails = sum(not np.all(r.resid2 <= np.exp(-rate_factor * r.lam0 * r.t) * r.resid2[0]
                           * (1 + 1e-9)) for r in runs)
    return ledger.check_probability(
        "du2019.thm3.2", kind="conclusion", failures=int(fails), trials=len(runs), delta=delta,
        statement=r"P\big(\|y-u(t)\|_2^2\le e^{-\lambda_0t}\|y-u(0)\|_2^2\ \forall t\big)"
                  r"\ge1-\delta",
        source=f"{SOURCE}, Theorem 3.2", provenance="paper",
        hypothesis_met=all(thm32_hypothesis(r, delta) for r in runs), seeds=seeds, note=note,
        control=CONTROL["thm3.2"],
        depends_on=["du2019.lemma3.3", "du2019.lemma3.3.radius", "du2019.lemma3.4.lambda_min",
                    "du2019.lemma3.4.hypothesis", "du2019.lemma3.1", "du2019.lemma3.2",
                    "du2019.assumption.data", "du2019-thm-3-2"])


def check_closest_pair(ledger, datasets, factor: float = 1.0):
    """[D] an identity (Cauchy interlacing): λ0 ≤ :func:`closest_pair_bound` on each data set
    (``factor`` < 1 makes it false)."""
    lam = [kernels.lambda_min(kernels.h_infinity(Xi)) for Xi in datasets]
    bound = [factor * closest_pair_bound(Xi) for Xi in datasets]
    return ledger.check("du2019.thm3.1.closest_pair", kind="identity", lhs=lam, rel="<=",
                        rhs=bound,
                        statement=r"\lambda_0\le\lambda_{\min}\begin{pmatrix}H^\infty_{ii}&"
                                  r"H^\infty_{ij}\\H^\infty_{ij}&H^\infty_{jj}\end{pmatrix}"
                                  r"\ \text{(closest pair)}",
                        source="Cauchy interlacing on Du et al.'s H-infinity",
                        provenance="derived", hypothesis_met=None)


def check_antipodal_spectrum(ledger, datasets, ks):
    """[D] an identity (block structure): :func:`antipodal_spectrum` equals the spectrum of H∞ for
    inputs [X_k; −X_k]."""
    for Xa, k in zip(datasets, ks):
        A = to_numpy(Xa)
        if A.shape[0] != 2 * k or not np.array_equal(A[k:], -A[:k]):
            raise AssumptionError("inputs are k antipodal pairs [X_k; -X_k]",
                                  f"got {A.shape[0]} rows for k = {k}, or rows k.. are not "
                                  "-(rows ..k)")
    err = [float(np.abs(antipodal_spectrum(to_numpy(Xa)[:k])
                        - kernels.eigenvalues(kernels.h_infinity(Xa))).max())
           for Xa, k in zip(datasets, ks)]
    return ledger.check("du2019.antipodal.spectrum", kind="identity", lhs=err, rel="<=",
                        rhs=1e-12,
                        statement=r"\mathrm{spec}\,H^\infty([X_k;-X_k])=\mathrm{spec}(A+B)"
                                  r"\cup\mathrm{spec}(\tfrac12X_kX_k^\top)",
                        source="block structure of H-infinity for antipodal pairs",
                        provenance="derived", hypothesis_met=None)


def fitted_decay_rate(run: FlowRun, start_fraction: float = 0.5) -> float:
    """Least-squares rate ρ of ‖y − u(t)‖² ≈ C e^{−ρ t} over the last part of the run
    (t ≥ ``start_fraction``·t_max)."""
    late = run.t >= start_fraction * run.t[-1]
    return float(-np.polyfit(run.t[late], np.log(run.resid2[late]), 1)[0])


def check_rate(ledger, run: FlowRun, delta: float = 0.1, factor: float = 1.0, seeds=None):
    """Catalog Du-8, a scaling claim: the fitted late-time decay rate of ‖y − u(t)‖² is at least
    λ0 (``factor`` > 1 demands a faster rate, for negative controls). Hypothesis (computed):
    :func:`thm32_hypothesis`."""
    rate = fitted_decay_rate(run)
    return ledger.check("du2019.thm3.2.rate", kind="scaling", lhs=rate, rel=">=",
                        rhs=factor * run.lam0,
                        statement=r"-\tfrac{d}{dt}\log\|y-u(t)\|_2^2\ \text{(fitted, late half)}"
                                  r"\ \ge\lambda_0",
                        source=f"{SOURCE}, Theorem 3.2 (rate)", provenance="paper",
                        hypothesis_met=thm32_hypothesis(run, delta), seeds=seeds,
                        control=CONTROL["rate"], depends_on=["du2019.thm3.2"],
                        note=f"fitted rate {rate:.4f}; 2 min_t lambda_min(H(t)) = "
                             f"{2 * run.lam_min_H.min():.4f}")




# ------------------------------------------------------------------------------------------
# page summaries
# ------------------------------------------------------------------------------------------
def glue_kind_counts(ledger, prefix: str) -> dict:
    """Glue (myst-nb) the number of this page's claims of each kind as ``<prefix>_<kind>`` and
    the number of tests of the theorems (steps, conclusions, scalings, reproductions) with the
    hypothesis met / not met as ``<prefix>_tests_met`` / ``<prefix>_tests_beyond``."""
    from myst_nb import glue

    from .ledger import KINDS, TESTS
    counts = {k: sum(1 for r in ledger.records if r.kind == k) for k in KINDS}
    tests = [r for r in ledger.records if r.kind in TESTS]
    counts["tests_met"] = sum(1 for r in tests if r.hypothesis_met is not False)
    counts["tests_beyond"] = sum(1 for r in tests if r.hypothesis_met is False)
    for key, value in counts.items():
        glue(f"{prefix}_{key}", value, display=False)
    return counts

"""Nguyen 2021, Section 3.2: two layers under LeCun's initialization (19): λ*, (20)–(22), the
smallest width meeting (16)–(18), and errata 7–8.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import scipy.optimize
import scipy.stats
import sympy as sp
import torch

from ..config import DTYPE, few_threads, generator, to_numpy
from ..errors import AssumptionError
from ..kernels import arccos1, lambda_min, sigma_min
from ..models import DeepReLU
from .theorem22 import CONTROL_B, SOURCE


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
    """(20) with an explicit constant — the Gaussian operator-norm tail bound, Theorem II.13 of
    Davidson & Szarek 2001 (Gordon's bound on the expectation plus Gaussian concentration; the
    paper cites their Theorem 2.12): ‖W_1‖₂ ≤ (√n0 + √n1 + t)/√n0 and ‖W_2‖₂ ≤ (√n1 + √n2 + t)/√n1,
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
        source=f"{SOURCE}, eq. (20) (the paper cites Davidson & Szarek 2001, Thm 2.12; the "
               "explicit tail bound used here is their Thm II.13)", provenance="restated",
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
                        note=f"N = {sw.N}, d = {sw.d}, n1 = {int(n1)}, conditions {list(names)}"
                             + ("; not certified: nested networks of up to 1e5-1e6 neurons "
                                "evaluated through accumulated Gram matrices, beyond the chapter's "
                                "time budget in ball arithmetic (margin: one grid step, x1.06)"
                                if below else ""))


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
    exponent ≤ ``paper``, which fails for r ≥ 2 (``nguyen2021.errata.sec3_2.exponent``). The
    exponent is sympy's exact integer, so the finding (exponent > 2) is certified by an exact
    comparison. With r = 1 (d ∝ N) there is no contradiction: the check holds and the certificate
    is disproved (an erratum that does not fail is an error: the control of this check)."""
    from .. import certify
    n1_min, expo = eq18_necessary_width(r=r)
    cert = certify.compare(int(expo), ">", int(paper))
    cert = dataclasses.replace(cert, statement=f"the exponent of N in 32Nd at d = N^{r} is "
                               f"{int(expo)} > {int(paper)} (sympy, exact integers)",
                               method="sympy: exact limit log(n1_min)/log N; " + cert.method)
    return ledger.check("nguyen2021.errata.sec3_2.exponent", kind="erratum",
                        severity="substantive", case=case, lhs=int(expo),
                        rel="<=", rhs=int(paper), certificate=cert,
                        statement=r"\text{(16)–(18) for }n_1=\Omega(N^2)\Rightarrow\text{the width (18) forces, }"
                                  r"32Nd=32N^{1+r},\text{ has exponent}\le2",
                        source="Nguyen 2021, Sec. 3.2 (16)-(19)", provenance="paper", hypothesis_met=None,
                        note=f"n1_min = {n1_min}, d = N^{r}, exponent {expo}")


def certify_eq18_vs_printed_eq9(X, params: dict):
    """RHS(18) > RHS(9 as printed) for L = 2 at the exact float64 θ0 = ``params`` (C = 1): they
    differ by the factor λ̄_1 = ‖W_1‖₂ + 1 > 1. λ̄_1 is enclosed between 1 + the largest column
    norm of W_1 and 1 + ‖W_1‖_F, λ̄_2 = ‖W_2‖₂ + 1 and ‖X‖_F in ball arithmetic (cheap for a wide
    W_1: no Gram matrix)."""
    import time

    from .. import certify
    from .certified import _mat, _np, decide, frobenius_ball, interval, norm2_ball
    start = time.perf_counter()
    with certify.working_precision():
        W1 = _np(params["W1"])
        cols = [frobenius_ball(W1[:, j:j + 1]) for j in np.argsort(-np.sum(W1 ** 2, axis=0))[:4]]
        best = cols[0]
        for c in cols[1:]:
            best = c if c.lower() > best.lower() else best
        lam1 = interval(best + 1, frobenius_ball(_mat(W1)) + 1)
        lam2 = norm2_ball(params["W2"])[0] + 1
        nX = frobenius_ball(X)
        rhs18 = 16 * nX * nX * lam2 * lam2
        digest = certify.inputs_digest(X, params["W1"], params["W2"])
        return decide(rhs18, ">", rhs18 / lam1, "RHS(18) = 16‖X‖_F²λ̄_2² > RHS(9 as printed) = "
                      f"16‖X‖_F²λ̄_2²/λ̄_1 at the exact float64 θ0 (digest {digest})",
                      inputs=digest, method="λ̄_1 between 1 + a column norm of W_1 and 1 + ‖W_1‖_F, "
                      "λ̄_2 and ‖X‖_F, all in ball arithmetic",
                      seconds=time.perf_counter() - start)


def certify_eq18_fails(X, Y, grid, n1: int, seeds):
    """The counterexample to (18) below its necessary width, rigorously: at every seed s, θ0 =
    :func:`sweep_params_on_grid` (X, Y, grid, n1, s) — the exact float64 weights of the sweep's
    width-n1 network — has α0² < 16‖X‖_F²λ̄_2² (C_2 = 1): F_1 = σ(XW_1) as a ball matrix, α0 through
    a verified λ_min(F_1F_1ᵀ), λ̄_2 = ‖W_2‖₂ + 1 and ‖X‖_F in ball arithmetic
    (:mod:`ntkbook.nguyen2021.certified`). One certificate for all seeds: proved when every seed
    is; [lower, upper] encloses the largest α0² − RHS(18)."""
    import time

    from flint import arb

    from .. import certify
    from .certified import (
        _mat,
        _np,
        ball_max,
        decide,
        frobenius_ball,
        norm2_ball,
        relu_ball,
        sigma_min_ball,
    )
    start = time.perf_counter()
    seeds = list(seeds)
    diffs = []
    with certify.working_precision():
        Xa = _mat(_np(X))
        nX = frobenius_ball(Xa)
        for s in seeds:
            p = sweep_params_on_grid(X, Y, grid, n1, seed=s)
            a, how = sigma_min_ball(relu_ball(Xa * _mat(_np(p["W1"]))))
            lam2 = norm2_ball(p["W2"])[0] + 1
            diffs.append(a * a - 16 * nX * nX * lam2 * lam2)
        digest = certify.inputs_digest(X, Y, int(n1), *[int(s) for s in seeds])
        return decide(ball_max(diffs), "<", arb(0),
                      f"(18) fails at each of the {len(seeds)} seeds: α0² < 16‖X‖_F²λ̄_2² at the "
                      f"exact float64 weights of the width-{n1} network (C_2 = 1; digest {digest})",
                      inputs=digest, method=f"ball forward pass σ(XW_1); α0: {how}; ‖W_2‖₂: the "
                      "vector norm in ball arithmetic", seconds=time.perf_counter() - start)


def slope_interval(x, y, level: float = 0.95) -> tuple[float, float]:
    """The least-squares slope of log y on log x (:func:`ntkbook.training.loglog_slope`) and the
    half-width of its ``level`` confidence interval (scipy.stats.linregress standard error times
    the Student-t quantile with n − 2 degrees of freedom)."""
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    if lx.size < 3:
        raise AssumptionError("at least 3 points for a slope interval", f"{lx.size} points")
    fit = scipy.stats.linregress(lx, ly)
    return float(fit.slope), float(fit.stderr * scipy.stats.t.ppf(0.5 + level / 2, lx.size - 2))

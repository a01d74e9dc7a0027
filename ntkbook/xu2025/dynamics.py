"""GD and gradient-flow runs on 𝓛 = ℓ(W₂W₁), the per-step local quantities of a run
(:class:`LocalTrace`), initializations and the escape from the saddle at 0."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import torch

from ..config import DTYPE, few_threads
from ..errors import AssumptionError
from ..models import LinearNet
from ..training import gradient_descent, gradient_flow
from .local_bounds import (
    curvature_along_step,
    dims,
    global_minimum,
    grads,
    hessian_bound_grad,
    hessian_norm,
    imbalance_lower,
    imbalance_step,
    mu_lower_bound,
    mu_upper_bound,
    objective,
    segment_bound,
    sigma_terms,
    smoothness_bound,
    spectral,
)


@dataclass
class LocalTrace:
    """Per-step quantities of a GD run (index t = 0 … T−1 for the step θ_t → θ_{t+1};
    ``loss`` has T+1 entries)."""
    loss: np.ndarray
    L_star: float
    eta: np.ndarray
    grad_sq: np.ndarray
    mu: np.ndarray          # (P)
    K: np.ndarray           # curvature_along_step
    K_hat: np.ndarray       # (H)
    K_bar: np.ndarray       # (Seg)
    mu_lb: np.ndarray       # (PL-lb) or nan when h < d and h < k
    mu_ub: np.ndarray       # (PL-ub)
    sig: np.ndarray         # σ_d²(W₁) + σ_k²(W₂)
    imb_lb: np.ndarray      # (Imb)
    hess: np.ndarray        # ‖∇²𝓛(θ_t)‖₂ (nan where not computed)
    hess_bound: np.ndarray  # L(‖W₁‖²+‖W₂‖²) + ‖∇ℓ‖₂
    D_err: np.ndarray       # ‖(D_{t+1} − D_t) − η²(G₁G₁ᵀ − G₂ᵀG₂)‖_F
    D_scale: np.ndarray     # ‖D_{t+1} − D_t‖_F
    dims: tuple
    mu_ell: float
    L_ell: float
    ell_star: float = 0.0   # ℓ* of the loss (𝓛* = ℓ* is the hypothesis of the μ_t bounds)

    @property
    def gap(self) -> np.ndarray:
        return self.loss - self.L_star

    @property
    def rho(self) -> np.ndarray:
        """Per-step factor of (DL): 1 − 2μ_tη_t + μ_tK_tη_t²."""
        return 1 - 2 * self.mu * self.eta + self.mu * self.K * self.eta ** 2

    def replace(self, **kw) -> "LocalTrace":
        return dataclasses.replace(self, **kw)


@few_threads()
def run(loss, params, eta, steps: int, L_star: float | None = None, stop_below: float | None = None,
        keep: bool = True):
    """GD on 𝓛 = ℓ(W₂W₁) through :func:`ntkbook.training.gradient_descent` (closed-form gradients);
    ``eta`` a float or ``eta(k, params, grads)``. Records the steps actually taken."""
    taken = []

    def eta_fn(k, p, g):
        e = eta(k, p, g) if callable(eta) else float(eta)
        taken.append(e)
        return e

    traj = gradient_descent(objective(loss), params, eta_fn, steps, trainable=("W1", "W2"),
                            grad=lambda p: grads(loss, p), keep_params=keep, stop_below=stop_below)
    traj.etas = np.asarray(taken[:len(traj.loss) - 1] if not traj.diverged else taken, dtype=np.float64)
    return traj


def local_trace(loss, traj, L_star: float | None = None, grid: int = 9, hessian_every: int = 0) -> LocalTrace:
    """Compute every local quantity of a :func:`run` (with ``keep=True``) at every step."""
    hist = traj.history
    T = len(hist) - 1
    h, d, k = dims(hist[0])
    if L_star is None:
        L_star = global_minimum(loss, h)
    out = {n: np.full(T, np.nan) for n in ("eta", "grad_sq", "mu", "K", "K_hat", "K_bar", "mu_lb", "mu_ub",
                                             "sig", "imb_lb", "hess", "hess_bound", "D_err", "D_scale")}
    losses = np.array(traj.loss[:T + 1], dtype=np.float64)
    if traj.diverged or not np.all(np.isfinite(losses)):
        raise AssumptionError("local constants need a finite GD run", "the loss became non-finite (diverged)")
    if np.any(losses[:T] <= L_star):
        raise AssumptionError("the local PL ratio needs 𝓛(θ_t) > 𝓛* at every step",
                              f"min 𝓛_t − 𝓛* = {float(np.min(losses[:T]) - L_star):.3g}; stop the run earlier")
    for t in range(T):
        p, q = hist[t], hist[t + 1]
        g = grads(loss, p)
        eta = float(traj.etas[t])
        gsq = float(sum(torch.sum(g[n] ** 2) for n in g))
        out["eta"][t] = eta
        out["grad_sq"][t] = gsq
        out["mu"][t] = gsq / (2 * (losses[t] - L_star))
        out["K"][t] = curvature_along_step(loss, p, g, eta, grid)
        out["K_hat"][t] = smoothness_bound(loss, p)
        out["K_bar"][t] = segment_bound(loss, p, g, eta)
        out["hess_bound"][t] = hessian_bound_grad(loss, p)
        if not (h < d and h < k):
            out["mu_lb"][t] = mu_lower_bound(loss, p)
        out["mu_ub"][t] = mu_upper_bound(loss, p)
        out["sig"][t] = sum(sigma_terms(p))
        out["imb_lb"][t] = imbalance_lower(p)
        if hessian_every and t % hessian_every == 0:
            out["hess"][t] = hessian_norm(loss, p)
        dD = LinearNet.imbalance(q) - LinearNet.imbalance(p)
        out["D_scale"][t] = float(dD.norm())
        out["D_err"][t] = float((dD - imbalance_step(g, eta)).norm())
    return LocalTrace(loss=losses, L_star=float(L_star), dims=(h, d, k), mu_ell=loss.mu, L_ell=loss.L,
                      ell_star=float(loss.minimum), **out)


def flow_drift(loss, params, t_max: float, dt: float, method: str = "rk4") -> tuple[float, float, bool]:
    """(‖D(T) − D(0)‖_F, ‖D(0)‖_F, diverged) along gradient flow (ntkbook.training.gradient_flow)."""
    traj = gradient_flow(objective(loss), params, t_max, dt, trainable=("W1", "W2"), method=method)
    D0 = LinearNet.imbalance(params)
    DT = LinearNet.imbalance(traj.params)
    return float((DT - D0).norm()), float(D0.norm()), traj.diverged


def horizon_drift(loss, params, eta: float, time: float) -> float:
    """‖D_T − D_0‖_F after T = time/η GD steps (a fixed gradient-flow time)."""
    traj = run(loss, params, eta, int(round(time / eta)), keep=False)
    return float((LinearNet.imbalance(traj.params) - LinearNet.imbalance(params)).norm())


def init(d: int, h: int, k: int, seed: int, scale: float, imbalance: float = 1.0) -> dict:
    """θ₀ with W₁ entries N(0, scale²·imbalance/h) and W₂ entries N(0, scale²/(imbalance·h)):
    ‖W₁‖₂ ≈ √imbalance·scale and ‖W₂‖₂ ≈ scale/√imbalance up to (1 + √(d/h)) factors;
    imbalance = 1 is balanced in distribution, imbalance > 1 makes λ_d(D) > 0 likely."""
    return LinearNet.init(d, h, k, seed=seed, s1=scale * math.sqrt(imbalance / h),
                          s2=scale / math.sqrt(imbalance * h))


def escape_steps(losses) -> int:
    """Steps until the loss has halved (the length of the plateau near the saddle)."""
    losses = np.asarray(losses, dtype=np.float64)
    hit = np.flatnonzero(losses <= 0.5 * losses[0])
    if not hit.size:
        raise AssumptionError("the run must leave the plateau (loss halved) within its budget")
    return int(hit[0])


def predicted_escape_slope(loss, h: int) -> float:
    """Near θ = 0 GD is linear with growth factor 1 + η₀σ₁(∇ℓ(0)) per step (η₀ = 1/K̂(0)), so the
    escape time grows like ln(1/ε)/ln(1 + η₀σ₁(∇ℓ(0))) in the initialization scale ε (our derivation)."""
    k, d = loss.Phi.shape
    zero = {"W1": torch.zeros(h, d, dtype=DTYPE), "W2": torch.zeros(k, h, dtype=DTYPE)}
    eta0 = 1.0 / smoothness_bound(loss, zero)
    return 1.0 / math.log1p(eta0 * spectral(loss.grad(torch.zeros(k, d, dtype=DTYPE))))



def pl_and_segment(loss, traj, L_star: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(μ_t, K̄_t) at every step of a :func:`run` with ``keep=True``: the PL ratio (P) and the
    segment bound (Seg) — the cheap part of :func:`local_trace`."""
    hist = traj.history
    mu, kb = [], []
    for t in range(len(hist) - 1):
        g = grads(loss, hist[t])
        gsq = float(sum(torch.sum(v ** 2) for v in g.values()))
        mu.append(gsq / (2 * (float(traj.loss[t]) - L_star)))
        kb.append(segment_bound(loss, hist[t], g, float(traj.etas[t])))
    return np.array(mu), np.array(kb)

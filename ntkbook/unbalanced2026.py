"""ICLR 2026 submission "Convergence of Near-Linear Width ReLU Networks with Unbalanced
Initialization" (OpenReview wGc6aWvRLa; catalog section 5, items U-1 … U-5) — an EXPERIMENTAL
RECONSTRUCTION.

Only the abstract of the submission is public. Its claims (GD converges linearly at width
Ω̃(Nn/λ); NAG needs O(√(nκ) log 1/ε) instead of O(nκ log 1/ε) iterations at the same width; a
sketching step at initialization reduces the width to Ω̃(Nr/λ) for rank-r responses) are recorded
with provenance ``"reconstruction"``: *claim of the submission, tested in our reconstruction*.
The set-up below (model scaling, the two initialization scales, the coupled init, step sizes,
success criteria, the sketch) is OURS. Identities we derived are recorded with provenance
``"derived"``.

Model (catalog U-1): F(X) = (1/√m) σ(XW) V ∈ R^{N×n}, W ∈ R^{d×m}, V ∈ R^{m×n}, Φ = ½‖F − Y‖_F².
With R = F − Y, S = 1{XW ≥ 0} and Σ = σ(XW):

(G)   ∇_V Φ = Σᵀ R / √m,     ∇_W Φ = Xᵀ((R Vᵀ) ∘ S) / √m.
(KV)  K_V[(i,k),(j,l)] = δ_kl (ΣΣᵀ/m)_ij, i.e. K_V = (ΣΣᵀ/m) ⊗ I_n exactly (index (i,k) ↦ i·n + k).
(KW)  K_W[(i,k),(j,l)] = (1/m) x_iᵀx_j Σ_r S_ir S_jr V_rk V_rl  →  s_V² H∞ ⊗ I_n   (m → ∞).
(K∞)  K_V → s_W² G∞ ⊗ I_n for unit-norm inputs (G∞ = :func:`ntkbook.kernels.arccos1`), so the
      limiting NTK is K∞ = (s_V² H∞ + s_W² G∞) ⊗ I_n; λ = λ_min(s_V² H∞ + s_W² G∞) and
      κ = λ_max/λ of the same N×N matrix (the Kronecker factor I_n does not change the spectrum).
(C)   c_r = ‖v_r‖² − ‖w_r‖² (v_r the r-th row of V, w_r the r-th column of W) is conserved by
      gradient flow: ⟨w_r, ∇_{w_r}Φ⟩ = ⟨v_r, ∇_{v_r}Φ⟩ because σ'(z)z = σ(z). One GD step changes
      it by exactly η²(‖∇_{v_r}Φ‖² − ‖∇_{w_r}Φ‖²).
(SK)  Sketch (our construction): Q = orth(Yᵀ Ω) ∈ R^{n×r}, Ω ∈ R^{N×r} Gaussian (a randomized
      range finder for the row space of Y), V₀ = Ṽ₀ Qᵀ with Ṽ₀ ∈ R^{m×r}. If the rows of Y lie in
      span(Q), every GD iterate keeps V_t = V_t Q Qᵀ and the run is the r-output run on Y Q.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.linalg
import torch

from .config import DTYPE, generator, to_numpy
from .data import check_finite, check_unit_norm
from .errors import AssumptionError, ClaimViolation
from .kernels import arccos1, eigenvalues, h_infinity, lambda_max, lambda_min
from .models import SharedTwoLayer
from .training import loglog_slope

CHAPTER = "unbalanced2026"
SOURCE = ("ICLR 2026 submission 'Convergence of Near-Linear Width ReLU Networks with Unbalanced "
          "Initialization' (abstract)")
RECON = "claim of the submission, tested in our reconstruction"


# ----------------------------------------------------------------------------- kernels (U-1)
def _params(params):
    W = torch.as_tensor(params["W"], dtype=DTYPE).cpu()
    V = torch.as_tensor(params["V"], dtype=DTYPE).cpu()
    if W.ndim != 2 or V.ndim != 2 or W.shape[1] != V.shape[0]:
        raise AssumptionError("W is (d, m) and V is (m, n)", f"W {tuple(W.shape)}, V {tuple(V.shape)}")
    return W, V


def ntk_blocks(X, params) -> tuple[np.ndarray, np.ndarray]:
    """Closed forms (KW) and (KV) of the two NTK blocks at ``params``, each (N·n)×(N·n), ordered
    (i, k) ↦ i·n + k as :func:`ntkbook.kernels.empirical_ntk`."""
    X = torch.as_tensor(X, dtype=DTYPE).cpu()
    W, V = _params(params)
    m, n = V.shape
    Z = X @ W
    S = (Z >= 0).to(DTYPE)
    Sig = torch.relu(Z)
    KV = torch.kron(Sig @ Sig.T / m, torch.eye(n, dtype=DTYPE))
    A = (S[:, None, :] * V.T[None, :, :]).reshape(-1, m)          # A[(i,k), r] = S_ir V_rk
    KW = torch.kron(X @ X.T, torch.ones(n, n, dtype=DTYPE)) * (A @ A.T) / m
    return to_numpy(KW), to_numpy(KV)


def limiting_factor(X, s_W: float = 1.0, s_V: float = 1.0) -> np.ndarray:
    """(K∞): the N×N factor s_V² H∞ + s_W² G∞ of the limiting NTK (unit-norm inputs)."""
    check_unit_norm(X)
    if not (s_W > 0 and s_V > 0):
        raise AssumptionError("positive initialization scales s_W, s_V", f"s_W = {s_W}, s_V = {s_V}")
    return s_V ** 2 * h_infinity(X) + s_W ** 2 * arccos1(X)


def lam_kappa(X, s_W: float = 1.0, s_V: float = 1.0) -> tuple[float, float]:
    """λ = λ_min and κ = λ_max/λ_min of the limiting NTK (K∞)."""
    K = limiting_factor(X, s_W, s_V)
    lo, hi = lambda_min(K), lambda_max(K)
    if lo <= 0:
        raise AssumptionError("limiting NTK positive definite (lambda > 0)", f"lambda = {lo:.3e}")
    return lo, hi / lo


def block_w_deviation(X, n: int, m: int, seed: int, s_W=1.0, s_V=1.0, shared_v=False) -> float:
    """‖K_W(θ₀) − s_V² H∞ ⊗ I_n‖₂ at width m. ``shared_v=True`` breaks the hypothesis that the
    V_rk are independent across outputs and neurons: every neuron gets the same output row."""
    p = SharedTwoLayer.init(X.shape[1], m, n, seed, s_W=s_W, s_V=s_V)
    if shared_v:
        p["V"] = p["V"][:1].repeat(m, 1)
    KW, _ = ntk_blocks(X, p)
    return float(np.linalg.norm(KW - s_V ** 2 * np.kron(h_infinity(X), np.eye(n)), 2))


def check_ntk_block_v(ledger, X, params, *, seeds=None, tol=1e-12, expect="hold"):
    """(KV): the empirical second-layer NTK block equals (ΣΣᵀ/m) ⊗ I_n at any width."""
    from .kernels import empirical_ntk
    p = {k: torch.as_tensor(v, dtype=DTYPE).cpu() for k, v in params.items()}
    X = torch.as_tensor(X, dtype=DTYPE).cpu()
    K = to_numpy(empirical_ntk(SharedTwoLayer.forward, p, X, trainable=["V"]))
    _, KV = ntk_blocks(X, p)
    err = np.abs(K - KV).max() / max(1.0, np.abs(KV).max())
    return ledger.check(f"{CHAPTER}.ntk_block_v", lhs=err, rel="<=", rhs=tol,
                        statement=r"J_V J_V^\top = (\sigma(XW)\sigma(XW)^\top/m)\otimes I_n",
                        source="catalog U-1 (standard)", provenance="derived", hypothesis_met=None,
                        seeds=seeds, expect=expect, note=f"relative max-entry error, m = {p['V'].shape[0]}")


def check_slope(ledger, claim_id, x, y, *, target, tol, statement, source, provenance,
                hypothesis_met, seeds=None, expect="hold", note=""):
    """A fitted log-log slope lies within ``tol`` of ``target``: |slope − target| ≤ tol."""
    s = loglog_slope(x, y)
    return ledger.check(claim_id, lhs=abs(s - target), rel="<=", rhs=tol, statement=statement,
                        source=source, provenance=provenance, hypothesis_met=hypothesis_met,
                        seeds=seeds, expect=expect, note=(note + f" fitted slope {s:.3f}, target {target}").strip()), s


# ----------------------------------------------------------------------------- batched GD
def init_batch(d, m, n, seeds, s_W=1.0, s_V=1.0, coupled=True, Q=None):
    """Stacked :meth:`SharedTwoLayer.init` draws, one per seed: W (B, d, m), V (B, m, n).
    With an orthonormal ``Q`` (n×r), the sketched init (SK): V₀ = Ṽ₀ Qᵀ, Ṽ₀ drawn with r outputs."""
    Ws, Vs = [], []
    for s in seeds:
        if Q is None:
            p = SharedTwoLayer.init(d, m, n, int(s), s_W=s_W, s_V=s_V, coupled=coupled, dev="cpu")
            Ws.append(p["W"]); Vs.append(p["V"])
        else:
            Q = torch.as_tensor(Q, dtype=DTYPE)
            p = SharedTwoLayer.init(d, m, Q.shape[1], int(s), s_W=s_W, s_V=s_V, coupled=coupled, dev="cpu")
            Ws.append(p["W"]); Vs.append(p["V"] @ Q.T)
    return torch.stack(Ws), torch.stack(Vs)


def loss_and_grads(X, Y, W, V):
    """Φ and (G) for a batch of networks (B leading dimension)."""
    m = W.shape[-1]
    Z = X @ W
    S = (Z >= 0).to(DTYPE)
    Sig = torch.relu(Z)
    R = Sig @ V / math.sqrt(m) - Y
    loss = 0.5 * R.pow(2).sum(dim=(-2, -1))
    gV = Sig.transpose(-1, -2) @ R / math.sqrt(m)
    gW = X.T @ ((R @ V.transpose(-1, -2)) * S) / math.sqrt(m)
    return loss, gW, gV


def gd_batch(X, Y, W, V, eta, steps, momentum: float = 0.0):
    """GD (``momentum = 0``) or Nesterov (θ_{t+1} = φ_t − η∇Φ(φ_t), φ_{t+1} = θ_{t+1} + β(θ_{t+1} − θ_t),
    the update of :func:`ntkbook.training.nesterov`) on a batch; returns the losses Φ(θ_t),
    t = 0..steps, shape (B, steps+1), and the final (W, V)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)          # tiny matrices: one thread is several times faster
    try:
        return _gd_batch(X, Y, W, V, eta, steps, momentum)
    finally:
        torch.set_num_threads(threads)


def _gd_batch(X, Y, W, V, eta, steps, momentum):
    X = torch.as_tensor(X, dtype=DTYPE); Y = torch.as_tensor(Y, dtype=DTYPE)
    W, V = W.clone(), V.clone()
    pW, pV = W.clone(), V.clone()
    out = torch.empty(W.shape[0], steps + 1, dtype=DTYPE)
    for t in range(steps + 1):
        if momentum == 0.0:
            loss, gW, gV = loss_and_grads(X, Y, W, V)
            out[:, t] = loss
            if t == steps:
                break
            W, V = W - eta * gW, V - eta * gV
        else:
            out[:, t] = loss_and_grads(X, Y, W, V)[0]
            if t == steps:
                break
            _, gW, gV = loss_and_grads(X, Y, pW, pV)
            nW, nV = pW - eta * gW, pV - eta * gV
            pW, pV = nW + momentum * (nW - W), nV + momentum * (nV - V)
            W, V = nW, nV
    out = torch.nan_to_num(out, nan=float("inf"))
    return to_numpy(out), W, V


def first_below(losses, eps) -> np.ndarray:
    """Per run, the first iteration t with Φ_t ≤ eps·Φ_0 (np.inf if never)."""
    L = np.asarray(losses)
    hit = L <= eps * L[:, :1]
    return np.where(hit.any(1), hit.argmax(1), np.inf).astype(float)


def success_rate(X, Y, m, seeds, *, s_W, s_V, eta, steps, eps, Q=None) -> float:
    """Fraction of seeds whose GD run (coupled init) reaches Φ_t ≤ eps·Φ_0 within ``steps``."""
    W, V = init_batch(X.shape[1], m, Y.shape[1], seeds, s_W, s_V, coupled=True, Q=Q)
    L, _, _ = gd_batch(X, Y, W, V, eta, steps)
    return float(np.mean(np.isfinite(first_below(L, eps))))


def width_threshold(X, Y, seeds, *, s_W, s_V, eps=1e-4, budget=1.0, grid=None, level=0.9, Q=None):
    """m*: the smallest width on ``grid`` (even widths, geometric) at which GD with η = 1/λ_max(K∞)
    reaches eps·Φ_0 within T = ⌈budget·κ·log(1/eps)⌉ steps in ≥ ``level`` of the seeds, found by
    bisection on the grid (success is treated as monotone in m). Returns (m*, T, rates dict)."""
    lam, kap = lam_kappa(X, s_W, s_V)
    eta = 1.0 / (lam * kap)
    T = int(math.ceil(budget * kap * math.log(1 / eps)))
    grid = list(grid or [int(2 * round(2 ** (k / 2))) for k in range(2, 25)])
    rates = {}

    def ok(i):
        if grid[i] not in rates:
            rates[grid[i]] = success_rate(X, Y, grid[i], seeds, s_W=s_W, s_V=s_V, eta=eta, steps=T,
                                          eps=eps, Q=Q)
        return rates[grid[i]] >= level

    lo, hi = 0, len(grid) - 1
    if not ok(hi):
        raise AssumptionError("GD converges at the largest width of the grid", f"m = {grid[hi]}, "
                              f"success rate {rates[grid[hi]]:.2f}")
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    return grid[lo], T, rates

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
With R = F − Y, S = 1{XW ≥ 0} and Σ = σ(XW)::

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

Claim kinds (:mod:`ntkbook.ledger`): the closed forms (KV), Weyl's inequality, (C) for one GD step,
the coupled zero output and (SK) are *identities* (they test the code); the NTK limit and the
conservation along the flow are *steps* of the GD theorem; the theorem's conclusions (the success
probability at our instance ``m_claim`` of the claimed width, the iteration bounds) are
*conclusions* whose ``hypothesis_met`` is computed as ``m >= m_claim``; the abstract's empirical
statements (n-dependence of widths and iterations, the √κ speed-up, the sketch's gain, the kernel
staying close) are *reproductions* with a stated criterion. Every falsifiable check names its
negative control in ``tests/test_unbalanced2026.py``.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.linalg
import torch

from .config import DTYPE, few_threads, generator, to_numpy
from .data import check_unit_norm
from .errors import AssumptionError
from .kernels import arccos1, eigenvalues, h_infinity, lambda_max, lambda_min
from .models import SharedTwoLayer
from .training import loglog_slope

CHAPTER = "unbalanced2026"
SOURCE = ("ICLR 2026 submission 'Convergence of Near-Linear Width ReLU Networks with Unbalanced "
          "Initialization' (abstract)")
RECON = "claim of the submission, tested in our reconstruction"
TESTS = "tests/test_unbalanced2026.py::"          # where the negative controls live


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


def second_layer_share(X, s_W: float = 1.0, s_V: float = 1.0) -> float:
    """The share of λ supplied by the second-layer block: s_W² uᵀG∞u / λ, u the eigenvector of λ
    in (K∞) (λ = uᵀ(s_V²H∞ + s_W²G∞)u exactly, so the two shares add up to 1). The second-layer
    block is K_V = (ΣΣᵀ/m) ⊗ I_n, exactly independent of n."""
    K = limiting_factor(X, s_W, s_V)
    w, U_ = np.linalg.eigh(K)
    u = U_[:, 0]
    return float(s_W ** 2 * u @ arccos1(X) @ u / w[0])


def block_w_deviation(X, n: int, m: int, seed: int, s_W=1.0, s_V=1.0, shared_v=False) -> float:
    """‖K_W(θ₀) − s_V² H∞ ⊗ I_n‖₂ at width m. ``shared_v=True`` breaks the hypothesis that the
    V_rk are independent across outputs and neurons: every neuron gets the same output row."""
    p = SharedTwoLayer.init(X.shape[1], m, n, seed, s_W=s_W, s_V=s_V, dev="cpu")
    if shared_v:
        p["V"] = p["V"][:, :1].repeat(1, n)       # V_rk = V_r1: outputs perfectly correlated
    KW, _ = ntk_blocks(X, p)
    return float(np.linalg.norm(KW - s_V ** 2 * np.kron(h_infinity(X), np.eye(n)), 2))


def check_ntk_block_v(ledger, X, params, *, seeds=None, tol=1e-12, forward=None):
    """(KV): the empirical second-layer NTK block equals (ΣΣᵀ/m) ⊗ I_n at any width (an identity:
    it tests the closed form against ``torch.func``). ``forward`` replaces the network (an output
    not linear in V breaks the identity; a unit test)."""
    from .kernels import empirical_ntk
    p = {k: torch.as_tensor(v, dtype=DTYPE).cpu() for k, v in params.items()}
    X = torch.as_tensor(X, dtype=DTYPE).cpu()
    K = to_numpy(empirical_ntk(forward or SharedTwoLayer.forward, p, X, trainable=["V"]))
    _, KV = ntk_blocks(X, p)
    err = np.abs(K - KV).max() / max(1.0, np.abs(KV).max())
    return ledger.check("unbalanced2026.ntk_block_v", kind="identity", lhs=err, rel="<=", rhs=tol,
                        statement=r"J_V J_V^\top = (\sigma(XW)\sigma(XW)^\top/m)\otimes I_n",
                        source="catalog U-1 (standard)", provenance="derived", hypothesis_met=None,
                        seeds=seeds, note=f"relative max-entry error, m = {p['V'].shape[0]}")


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


# ----------------------------------------------------------------------------- batched GD
def init_batch(d, m, n, seeds, s_W=1.0, s_V=1.0, coupled=True, Q=None):
    """Stacked :meth:`ntkbook.models.SharedTwoLayer.init` draws, one per seed: W (B, d, m), V (B, m, n).
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


def gd_batch(X, Y, W, V, eta, steps, momentum: float = 0.0, stop_eps: float | None = None):
    """GD (``momentum = 0``) or Nesterov (θ_{t+1} = φ_t − η∇Φ(φ_t), φ_{t+1} = θ_{t+1} + β(θ_{t+1} − θ_t),
    the update of :func:`ntkbook.training.nesterov`) on a batch; returns the losses Φ(θ_t),
    t = 0..steps, shape (B, steps+1), and the final (W, V). With ``stop_eps`` the run stops once every
    network has Φ_t ≤ stop_eps·Φ₀ (the remaining entries repeat the last loss)."""
    with few_threads():               # tiny matrices: one thread is several times faster
        return _gd_batch(X, Y, W, V, eta, steps, momentum, stop_eps)


def _gd_batch(X, Y, W, V, eta, steps, momentum, stop_eps=None):
    X = torch.as_tensor(X, dtype=DTYPE); Y = torch.as_tensor(Y, dtype=DTYPE)
    W, V = W.clone(), V.clone()
    pW, pV = W.clone(), V.clone()
    out = torch.empty(W.shape[0], steps + 1, dtype=DTYPE)
    for t in range(steps + 1):
        if stop_eps is not None and t > 0 and t % 10 == 0 and bool((out[:, t - 1] <= stop_eps * out[:, 0]).all()):
            out[:, t:] = out[:, t - 1:t]
            break
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
    L, _, _ = gd_batch(X, Y, W, V, eta, steps, stop_eps=eps)
    return float(np.mean(np.isfinite(first_below(L, eps))))


def width_threshold(X, Y, seeds, *, s_W, s_V, eps=1e-4, budget=1.0, grid=None, level=0.9, Q=None):
    """m*: the smallest width on ``grid`` (even widths, geometric) at which GD with η = 1/λ_max(K∞)
    reaches eps·Φ_0 within T = ⌈budget·κ·log(1/eps)⌉ steps in ≥ ``level`` of the seeds, found by
    bisection on the grid (success is treated as monotone in m). Returns (m*, T, rates dict)."""
    lam, kap = lam_kappa(X, s_W, s_V)
    eta = 1.0 / (lam * kap)
    T = int(math.ceil(budget * kap * math.log(1 / eps)))
    grid = list(grid or [int(2 * round(2 ** (k / 2))) for k in range(2, 19)])
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


def check_close(ledger, claim_id, est, ref, *, tol, statement, source, provenance, hypothesis_met,
                kind="step", control=None, depends_on=(), seeds=None, note=""):
    """|est − ref| / |ref| ≤ tol (worst case over arrays)."""
    est, ref = np.asarray(est, float), np.asarray(ref, float)
    return ledger.check(claim_id, kind=kind, lhs=np.abs(est - ref) / np.abs(ref), rel="<=",
                        rhs=tol, statement=statement, source=source, provenance=provenance,
                        hypothesis_met=hypothesis_met, control=control, depends_on=depends_on,
                        seeds=seeds, note=note)


# ----------------------------------------------------------------------------- balance (U-2, U-3)
def balance(params) -> np.ndarray:
    """(C): c_r = ‖v_r‖² − ‖w_r‖² for every neuron r."""
    W, V = _params(params)
    return to_numpy(V.pow(2).sum(1) - W.pow(2).sum(0))


def shift_after_training(X, Y, m, seed, *, s_W, s_V, steps, coupled=True):
    """Train GD (η = 1/λ_max(K(θ₀))) for ``steps`` steps and return the kernel shift
    ‖K(θ_T) − K(θ₀)‖₂ / λ (λ of the limiting NTK), the fraction of activation patterns
    1{x_iᵀw_r ≥ 0} that changed, the relative movements ‖ΔW‖_F/‖W₀‖_F, ‖ΔV‖_F/‖V₀‖_F, and Φ_T/Φ₀."""
    lam, _ = lam_kappa(X, s_W, s_V)
    W, V = init_batch(X.shape[1], m, Y.shape[1], [seed], s_W, s_V, coupled=coupled)
    KW, KV = ntk_blocks(X, {"W": W[0], "V": V[0]})
    K0 = KW + KV
    eta = 1.0 / lambda_max(K0)
    L, WT, VT = gd_batch(X, Y, W, V, eta, steps)
    KW, KV = ntk_blocks(X, {"W": WT[0], "V": VT[0]})
    return {"shift": float(np.linalg.norm(KW + KV - K0, 2)) / lam,
            "patterns": float(((X @ W[0] >= 0) != (X @ WT[0] >= 0)).to(DTYPE).mean()),
            "move_W": float((WT - W).norm() / W.norm()), "move_V": float((VT - V).norm() / V.norm()),
            "loss_ratio": float(L[0, -1] / L[0, 0])}


def one_step_drift(loss, params, eta):
    """(C) for one GD step of :func:`ntkbook.training.gradient_descent`: returns the measured
    change c_r(θ₁) − c_r(θ₀) and the derived η²(‖∇_{v_r}Φ‖² − ‖∇_{w_r}Φ‖²)."""
    from .training import gradient_descent, gradients
    _, g = gradients(loss, params, ("W", "V"))
    traj = gradient_descent(loss, params, eta, 1)
    pred = eta ** 2 * to_numpy(g["V"].pow(2).sum(1) - g["W"].pow(2).sum(0))
    return balance(traj.params) - balance(params), pred


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


def balance_drift_flow(X, Y, params, t_max, dt, method="rk4"):
    """max_r |c_r(t) − c_r(0)| along :func:`ntkbook.training.gradient_flow` (RK4 or Euler = GD
    with η = dt), recorded at every step; returns (times, drifts)."""
    from .training import gradient_flow
    c0 = balance(params)
    net = SharedTwoLayer()
    traj = gradient_flow(lambda p: net.loss(p, X, Y), params, t_max, dt, method=method,
                         record={"drift": lambda p, k: float(np.abs(balance(p) - c0).max())})
    return np.asarray(traj.steps) * dt, traj.metric("drift")


def balance_drift_gd(X, Y, params, eta, steps):
    """max_r |c_r(θ_K) − c_r(θ₀)| after ``steps`` steps of :func:`ntkbook.training.gradient_descent`."""
    from .training import gradient_descent
    net = SharedTwoLayer()
    traj = gradient_descent(lambda p: net.loss(p, X, Y), params, eta, steps)
    return float(np.abs(balance(traj.params) - balance(params)).max())


def check_coupled_zero(ledger, X, params, *, seeds=None):
    """Coupled init (catalog U-2): F(X; θ₀) = 0, up to rounding relative to (1/√m)Σ_r|σ(x_iᵀw_r)||V_rk|."""
    X = torch.as_tensor(X, dtype=DTYPE).cpu()
    W, V = _params(params)
    F = SharedTwoLayer.forward({"W": W, "V": V}, X)
    scale = (torch.relu(X @ W) @ V.abs()).max() / math.sqrt(W.shape[1])
    return ledger.check("unbalanced2026.coupled_zero_output", kind="identity",
                        lhs=float(F.abs().max() / scale), rel="<=", rhs=1e-13,
                        statement=r"F(X;\theta_0)=0 \text{ for } W=[\tilde W,\tilde W],\ "
                                  r"V=[\tilde V;-\tilde V]",
                        source="catalog U-2 (coupled init, Munteanu et al. 2022)",
                        provenance="derived", hypothesis_met=None, seeds=seeds,
                        note="relative to the output scale")


def claimed_width(N, n, lam) -> int:
    """Our instance of the abstract's Ω̃(Nn/λ): m = ⌈(Nn/λ)·ln(Nn)⌉ rounded up to an even number
    (one logarithmic factor, constant 1 — the submission's constants are not public)."""
    m = math.ceil(N * n / lam * max(1.0, math.log(N * n)))
    return m + (m % 2)


def gd_failures(X, Y, m, seeds, *, s_W, s_V, eps=1e-3, budget=1.0, Q=None) -> int:
    """Number of seeds whose GD run (η = 1/λ_max(K∞), coupled init) does NOT reach eps·Φ₀ within
    T = ⌈budget·κ·log(1/eps)⌉ steps — "linear convergence at the rate of the limiting NTK"."""
    lam, kap = lam_kappa(X, s_W, s_V)
    T = int(math.ceil(budget * kap * math.log(1 / eps)))
    rate = success_rate(X, Y, m, seeds, s_W=s_W, s_V=s_V, eta=1.0 / (lam * kap), steps=T, eps=eps, Q=Q)
    return int(round((1 - rate) * len(list(seeds))))


def iterations_gd_nag(X, Y, m, seeds, *, s_W, s_V, eps, beta=None, max_factor=3.0):
    """Iterations to Φ_t ≤ eps·Φ₀ for GD and NAG from the same coupled initializations, with
    η = 1/λ̂_max and, for NAG, β = (√κ̂ − 1)/(√κ̂ + 1) (unless ``beta`` is given), where λ̂_max and
    κ̂ are those of the empirical NTK K(θ₀) of each seed (catalog U-4, our choice of
    hyper-parameters). Returns arrays (κ̂, t_GD, t_NAG), np.inf where the budget
    ⌈max_factor·κ̂·log(1/eps)⌉ was exhausted."""
    kap, tg, tn = [], [], []
    for s in seeds:
        W, V = init_batch(X.shape[1], m, Y.shape[1], [s], s_W, s_V, coupled=True)
        ev = eigenvalues(sum(ntk_blocks(X, {"W": W[0], "V": V[0]})))
        k = ev[-1] / ev[0]
        b = (math.sqrt(k) - 1) / (math.sqrt(k) + 1) if beta is None else beta
        T = int(math.ceil(max_factor * k * math.log(1 / eps)))
        Lg, _, _ = gd_batch(X, Y, W, V, 1.0 / ev[-1], T, stop_eps=eps)
        Ln, _, _ = gd_batch(X, Y, W, V, 1.0 / ev[-1], T, momentum=b, stop_eps=eps) if b > 0 else (Lg, None, None)
        kap.append(k); tg.append(first_below(Lg, eps)[0]); tn.append(first_below(Ln, eps)[0])
    return np.array(kap), np.array(tg), np.array(tn)


def check_speedup(ledger, kappa, t_gd, t_nag, *, gap=0.25, seeds=None, expect="hold"):
    """NAG's iteration count grows more slowly in κ than GD's: slope_GD − slope_NAG ≥ ``gap``
    (fitted log-log slopes; theory 1 − 1/2 = 1/2, the threshold 1/4 is our criterion).

    A *reproduction* of the abstract's √κ-vs-κ claim (reproduced / not reproduced). With
    ``expect="violation"`` the runs are NAG with β = 0 (plain GD, the momentum dropped on
    purpose): recorded as the counterexample ``unbalanced2026.nag_speedup.beta0``."""
    sg, sn = loglog_slope(kappa, t_gd), loglog_slope(kappa, t_nag)
    common = dict(lhs=sg - sn, rel=">=", rhs=gap, provenance="reconstruction", seeds=seeds,
                  source="abstract: NAG O(sqrt(n kappa) log 1/eps) vs GD O(n kappa log 1/eps)",
                  note=f"slopes GD {sg:.3f}, NAG {sn:.3f}")
    if expect == "violation":
        rec = ledger.check("unbalanced2026.nag_speedup.beta0", kind="counterexample",
                           statement=r"\text{slope}_\kappa(t_{\rm GD})-\text{slope}_\kappa"
                                     r"(t_{\rm NAG},\ \beta=0)\ge 1/4",
                           hypothesis_met=False, **common)
    else:
        rec = ledger.check("unbalanced2026.nag_speedup", kind="reproduction",
                           statement=r"\text{slope}_\kappa(t_{\rm GD})-\text{slope}_\kappa"
                                     r"(t_{\rm NAG})\ge 1/4",
                           hypothesis_met=None, depends_on=["unbalanced2026.kappa_limit"],
                           **common)
    return rec, sg, sn


# ----------------------------------------------------------------------------- sketch (U-5)
def sketch_basis(Y, r: int, seed: int) -> np.ndarray:
    """(SK): Q = orth(Yᵀ Ω), Ω ∈ R^{N×r} with i.i.d. N(0,1) entries (randomized range finder);
    Q is n×r with orthonormal columns. Raises if the sketch has rank < r (then Y has rank < r)."""
    Yn = to_numpy(Y)
    if not 1 <= r <= min(Yn.shape):
        raise AssumptionError("sketch size 1 <= r <= min(N, n)", f"r = {r}, Y is {Yn.shape}")
    Om = to_numpy(torch.randn(Yn.shape[0], r, generator=generator(seed), dtype=DTYPE))
    Q, Rf = scipy.linalg.qr(Yn.T @ Om, mode="economic")
    if np.abs(np.diag(Rf)).min() <= 1e-10 * np.abs(np.diag(Rf)).max():
        raise AssumptionError("rank(Y) >= r (the sketch spans an r-dimensional row space)",
                              f"sketch of rank < {r}")
    return Q


def subspace_leak(V, Q) -> float:
    """‖V(I − QQᵀ)‖_F / ‖V‖_F for V of shape (..., m, n)."""
    V = torch.as_tensor(V, dtype=DTYPE)
    Q = torch.as_tensor(Q, dtype=DTYPE)
    return float((V - V @ Q @ Q.T).norm() / V.norm())


def check_sketch_subspace(ledger, X, Y, Q, m, seeds, *, s_W, s_V, steps, sketched=True):
    """(SK): GD started from the sketched init keeps V_t = V_t QQᵀ (rows of V in span(Q)) — an
    identity of the construction, to rounding. ``sketched=False`` starts from the unsketched init
    (the hypothesis V₀ = V₀QQᵀ dropped): the counterexample ``sketch_subspace.unsketched``."""
    lam, kap = lam_kappa(X, s_W, s_V)
    W, V = init_batch(X.shape[1], m, Y.shape[1], seeds, s_W, s_V, coupled=True,
                      Q=Q if sketched else None)
    _, _, VT = gd_batch(X, Y, W, V, 1.0 / (lam * kap), steps)
    common = dict(lhs=subspace_leak(VT, Q), rel="<=", rhs=1e-12, provenance="derived",
                  source="our sketch construction (catalog U-5)", seeds=list(seeds),
                  note=f"after {steps} GD steps, m = {m}")
    if not sketched:
        return ledger.check("unbalanced2026.sketch_subspace.unsketched", kind="counterexample",
                            statement=r"\|V_T(I-QQ^\top)\|_F \le 10^{-12}\|V_T\|_F"
                                      r"\ \text{(unsketched init)}",
                            hypothesis_met=False, **common)
    return ledger.check("unbalanced2026.sketch_subspace", kind="identity",
                        statement=r"\|V_T(I-QQ^\top)\|_F \le 10^{-12}\|V_T\|_F",
                        hypothesis_met=None, **common)


def check_lambda_weyl(ledger, X, s_W, s_V, *, factor=1.0):
    """Weyl: λ_min(s_V²H∞ + s_W²G∞) ≥ s_V²λ_min(H∞) + s_W²λ_min(G∞) — true by construction (an
    identity: it tests the closed forms). ``factor`` > 1 tightens it (a unit test)."""
    lam, _ = lam_kappa(X, s_W, s_V)
    rhs = factor * (s_V ** 2 * lambda_min(h_infinity(X)) + s_W ** 2 * lambda_min(arccos1(X)))
    return ledger.check("unbalanced2026.lambda_weyl", kind="identity", lhs=lam, rel=">=", rhs=rhs,
                        statement=r"\lambda \ge s_V^2\lambda_{\min}(H^\infty)"
                                  r"+s_W^2\lambda_{\min}(G^\infty)",
                        source="Weyl's inequality", provenance="derived", hypothesis_met=None,
                        note=f"factor {factor}")


def check_lambda_positive(ledger, X, s_W, s_V, *, case=None, seeds=None):
    """The hypothesis λ > 0 of the GD theorem, evaluated on this data: λ_min(s_V²H∞ + s_W²G∞)
    above the eigensolver's resolution n·eps·‖K‖₂ (an *assumption*; a duplicated input makes
    it fail, ``test_lambda_positive_fails_for_duplicate_inputs``)."""
    from .kernels import eig_tolerance
    K = limiting_factor(X, s_W, s_V)
    return ledger.check("unbalanced2026.lambda_positive", kind="assumption", lhs=lambda_min(K),
                        rel=">", rhs=eig_tolerance(K), case=case,
                        statement=r"\lambda=\lambda_{\min}(s_V^2H^\infty+s_W^2G^\infty)>0",
                        source="abstract: lambda the least eigenvalue of the limiting NTK",
                        provenance="reconstruction", hypothesis_met=None, seeds=seeds,
                        control=TESTS + "test_lambda_positive_fails_for_duplicate_inputs",
                        depends_on=["unbalanced2026-lemma-blocks"])


def check_conservation(ledger, X, Y, params, *, t_max, dt, method="rk4", tol=1e-6, seeds=None):
    """(C) along the flow: max_t max_r |c_r(t) − c_r(0)| ≤ tol · max_r |c_r(0)|, a step of the GD
    theorem (the imbalance of the init persists). The hypothesis is gradient *flow*: computed as
    ``method == "rk4"``; Euler with a large step is GD, and the drift is then O(dt²) per step."""
    _, drift = balance_drift_flow(X, Y, params, t_max, dt, method=method)
    c_scale = float(np.abs(balance(params)).max())
    rec = ledger.check("unbalanced2026.conservation", kind="step", lhs=drift / c_scale, rel="<=",
                       rhs=tol,
                       statement=r"\max_r|c_r(t)-c_r(0)| \le 10^{-6}\max_r|c_r(0)|"
                                 r" \text{ along gradient flow}",
                       source="catalog U-3", provenance="derived",
                       hypothesis_met=bool(method == "rk4"), seeds=seeds,
                       control=TESTS + "test_conservation_fails_for_large_euler_steps",
                       depends_on=["unbalanced2026-lemma-conservation"],
                       note=f"{method}, dt = {dt}")
    return rec, drift


def check_gd_drift_identity(ledger, loss, params, eta, *, eta_claimed=None, seeds=None):
    """(C) for one GD step: c_r(θ₁) − c_r(θ₀) = η²(‖∇_{v_r}Φ‖² − ‖∇_{w_r}Φ‖²) to rounding — an
    identity (algebra of one step). ``eta_claimed`` ≠ eta evaluates the right-hand side with a
    wrong step (a unit test of the check, not a control)."""
    change, pred = one_step_drift(loss, params, eta)
    pred = pred * ((eta_claimed or eta) / eta) ** 2
    return ledger.check("unbalanced2026.gd_drift_identity", kind="identity",
                        lhs=np.abs(change - pred).max(), rel="<=",
                        rhs=1e-12 * np.abs(balance(params)).max(),
                        statement=r"c_r(\theta_1)-c_r(\theta_0)=\eta^2(\|\nabla_{v_r}\Phi\|^2"
                                  r"-\|\nabla_{w_r}\Phi\|^2)",
                        source="catalog U-3", provenance="derived", hypothesis_met=None,
                        seeds=seeds)


# ----------------------------------------------------------------------------- the theorems' claims
def width_hypothesis(X, n_out: int, m: int, s_W: float, s_V: float) -> tuple[bool, int]:
    """The chapter's reading of the hypothesis of the GD theorem: the unbalanced side
    (s_W > s_V) and m ≥ m_claim = :func:`claimed_width` (N, n_out, λ). Returns (met, m_claim)."""
    lam, _ = lam_kappa(X, s_W, s_V)
    m_claim = claimed_width(X.shape[0], n_out, lam)
    return bool(m >= m_claim and s_W > s_V), m_claim


def check_width(ledger, X, Y, m, seeds, *, s_W, s_V, case, Q=None, narrow=False, eps=1e-3):
    """GD (η = 1/λ_max(K∞), coupled init, T = ⌈κ log(1/eps)⌉ steps) reaches eps·Φ₀ at width
    ``m`` with probability ≥ 0.9 — one configuration (``case``), one binomial test.

    Without ``Q``: the GD theorem (``unbalanced2026.gd_width``, output count n); with an
    orthonormal ``Q`` (n×r): the sketched init and the low-rank theorem
    (``unbalanced2026.sketch_width``, output count r). ``hypothesis_met`` is computed by
    :func:`width_hypothesis`. ``narrow=True`` records the run at a width chosen too small on
    purpose as the counterexample ``….narrow`` (it must fail significantly)."""
    n_out = Y.shape[1] if Q is None else np.asarray(Q).shape[1]
    met, m_claim = width_hypothesis(X, n_out, m, s_W, s_V)
    fails = gd_failures(X, Y, m, seeds, s_W=s_W, s_V=s_V, eps=eps, Q=Q)
    common = dict(failures=fails, trials=len(list(seeds)), delta=0.1, case=case,
                  provenance="reconstruction", hypothesis_met=met, seeds=list(seeds),
                  note=f"m = {m}, m_claim = {m_claim} (constant 1 and one log factor are ours);")
    gd_deps = ["unbalanced2026.lambda_positive", "unbalanced2026.lambda_limit",
               "unbalanced2026.kappa_limit", "unbalanced2026.lambda_weyl",
               "unbalanced2026.kernel_shift", "unbalanced2026.conservation",
               "unbalanced2026.gd_drift_exponent", "unbalanced2026-def-init"]
    if Q is None:
        src = "abstract: GD converges linearly with m = Omega~(Nn/lambda)"
        if narrow:
            return ledger.check_probability(
                "unbalanced2026.gd_width.narrow", kind="counterexample", source=src,
                statement=r"P(\text{GD fails at a width } m\ll m_{\rm claim})\le0.1", **common)
        return ledger.check_probability(
            "unbalanced2026.gd_width", kind="conclusion", source=src,
            statement=r"P(\text{GD fails to reach } \varepsilon\Phi_0 \text{ in } "
                      r"\kappa\log\tfrac1\varepsilon \text{ steps at } "
                      r"m\ge\lceil\tfrac{Nn}{\lambda}\ln(Nn)\rceil)\le0.1",
            control=TESTS + "test_gd_width_holds_at_claimed_width_and_fails_when_too_narrow",
            depends_on=gd_deps, **common)
    src = "abstract: width Omega~(Nr/lambda) with a sketch at initialization"
    if narrow:
        return ledger.check_probability(
            "unbalanced2026.sketch_width.narrow", kind="counterexample", source=src,
            statement=r"P(\text{sketched GD fails at a width } m\ll m_{\rm claim})\le0.1",
            **common)
    return ledger.check_probability(
        "unbalanced2026.sketch_width", kind="conclusion", source=src,
        statement=r"P(\text{sketched GD fails at } m\ge\lceil\tfrac{Nr}{\lambda}\ln(Nr)\rceil)"
                  r"\le0.1",
        control=TESTS + "test_sketch_width_fails_when_too_narrow",
        depends_on=["unbalanced2026.sketch_subspace", "unbalanced2026.gd_width",
                    "unbalanced2026-lemma-subspace"], **common)


def check_iterations(ledger, method, t, kappa, *, n, eps, X, m, s_W, s_V, case, constant=1.0,
                     seeds=None, note=""):
    """The abstract's iteration bounds with constant ``constant`` (1 is our choice), elementwise
    over seeds: GD t ≤ c·nκ̂·log(1/ε) (``method="gd"``), NAG t ≤ c·√(nκ̂)·log(1/ε)
    (``method="nag"``). ``hypothesis_met`` = :func:`width_hypothesis` (m ≥ m_claim, unbalanced).
    A ``constant`` < 1 tightens the bound (the negative control)."""
    met, m_claim = width_hypothesis(X, n, m, s_W, s_V)
    kappa = np.asarray(kappa, float)
    L = math.log(1 / eps)
    common = dict(lhs=np.asarray(t, float), rel="<=", case=case, provenance="reconstruction",
                  hypothesis_met=met, seeds=seeds,
                  source="abstract: GD O(n kappa log 1/eps), NAG O(sqrt(n kappa) log 1/eps)",
                  depends_on=["unbalanced2026.kappa_limit", "unbalanced2026.gd_width"],
                  note=(note + f" constant {constant}; m = {m}, m_claim = {m_claim}").strip())
    if method == "gd":
        return ledger.check("unbalanced2026.gd_iterations", kind="conclusion",
                            rhs=constant * n * kappa * L,
                            statement=r"t_\varepsilon^{\rm GD}\le n\hat\kappa\log(1/\varepsilon)",
                            control=TESTS + "test_gd_iterations_fail_with_a_tightened_constant",
                            **common)
    if method == "nag":
        return ledger.check("unbalanced2026.nag_iterations", kind="conclusion",
                            rhs=constant * np.sqrt(n * kappa) * L,
                            statement=r"t_\varepsilon^{\rm NAG}\le\sqrt{n\hat\kappa}"
                                      r"\log(1/\varepsilon)",
                            control=TESTS + "test_nag_iterations_fail_with_a_tightened_constant",
                            **common)
    raise ValueError(f"method must be 'gd' or 'nag', got {method!r}")


def check_kernel_shift(ledger, shifts, rho, m, *, seeds=None, balanced=False):
    """The abstract's "the unbalanced init tightly controls the kernel shift", with our criterion
    ‖K(θ_T) − K(θ₀)‖₂ ≤ λ/2 after GD has fitted the data (``shifts`` are ‖ΔK‖₂/λ per seed), at
    the largest ratio ρ = s_W/s_V: a *reproduction*. ``balanced=True`` records ρ = 1 (the
    unbalance dropped on purpose) as the counterexample ``kernel_shift.balanced``."""
    common = dict(lhs=np.asarray(shifts, float), rel="<=", rhs=0.5, provenance="reconstruction",
                  seeds=seeds, source="abstract: unbalanced init 'tightly controls the kernel shift'",
                  note=f"m = {m}, rho = {rho:g}")
    if balanced:
        return ledger.check("unbalanced2026.kernel_shift.balanced", kind="counterexample",
                            statement=r"\|K(\theta_T)-K(\theta_0)\|_2 \le \lambda/2"
                                      r" \text{ (balanced, } \rho=%g)" % rho,
                            hypothesis_met=bool(rho > 1), **common)
    return ledger.check("unbalanced2026.kernel_shift", kind="reproduction",
                        statement=r"\|K(\theta_T)-K(\theta_0)\|_2 \le \lambda/2"
                                  r" \text{ (unbalanced, } \rho=%g)" % rho,
                        hypothesis_met=None, depends_on=["unbalanced2026-def-init"], **common)


def check_sketch_gain(ledger, m_sketched, m_unsketched, n, r, *, case, seeds=None):
    """The sketch's width gain, a *reproduction* of Ω̃(Nn/λ) → Ω̃(Nr/λ) with our criterion: the
    measured threshold falls by at least √(n/r) (half the claimed factor n/r on a log scale),
    m*_unsketched / m*_sketched ≥ √(n/r)."""
    return ledger.check("unbalanced2026.sketch_gain", kind="reproduction",
                        lhs=m_unsketched / m_sketched, rel=">=", rhs=math.sqrt(n / r), case=case,
                        statement=r"m^*_{\rm unsketched}/m^*_{\rm sketched}\ge\sqrt{n/r}",
                        source="abstract: width Omega~(Nr/lambda) with a sketch at initialization",
                        provenance="reconstruction", hypothesis_met=None, seeds=seeds,
                        depends_on=["unbalanced2026.sketch_width"],
                        note=f"m* sketched {m_sketched}, unsketched {m_unsketched}, n = {n}, r = {r}")


def glue_kind_counts(ledger, prefix: str) -> dict:
    """Glue (myst-nb) the number of this page's claims of each kind as ``<prefix>_<kind>``, the
    tests of the theorems (steps, conclusions, scalings, reproductions) with the hypothesis met /
    not met as ``<prefix>_tests_met`` / ``_tests_beyond``, and the statuses ``_reproduced``,
    ``_not_reproduced``, ``_low_power``."""
    from myst_nb import glue

    from .ledger import KINDS
    from .ledger import TESTS as TESTED
    counts = {k: sum(1 for r in ledger.records if r.kind == k) for k in KINDS}
    tests = [r for r in ledger.records if r.kind in TESTED]
    counts["tests_met"] = sum(1 for r in tests if r.hypothesis_met is not False)
    counts["tests_beyond"] = sum(1 for r in tests if r.hypothesis_met is False)
    for key, status in (("reproduced", "reproduced"), ("not_reproduced", "not reproduced"),
                        ("low_power", "not refuted (low power)")):
        counts[key] = sum(1 for r in ledger.records if r.status == status)
    for key, value in counts.items():
        glue(f"{prefix}_{key}", value, display=False)
    return counts

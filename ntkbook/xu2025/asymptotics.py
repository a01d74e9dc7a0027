"""GD on ℓ itself (the non-over-parameterized model) and the late contraction factor of GD on 𝓛
(catalog X-7, "asymptotically almost optimal")."""
from __future__ import annotations

import numpy as np
import torch

from ..config import few_threads
from ..training import fitted_rate
from .local_bounds import objective
from .steps import adaptive_step


def gd_on_ell(loss, W0, steps: int, eps: float):
    """GD on ℓ itself (the non-over-parameterized model) with η = 1/L: returns the losses.
    The PL argument gives ℓ_{t+1} − ℓ* ≤ (1 − μ/L)(ℓ_t − ℓ*)."""
    W = W0.clone()
    vals = [float(loss(W))]
    for _ in range(steps):
        W = W - loss.grad(W) / loss.L
        vals.append(float(loss(W)))
        if vals[-1] - loss.minimum <= eps * (vals[0] - loss.minimum):
            break
    return np.array(vals)



def late_factor(gaps, tail: float = 0.3) -> float:
    """The late contraction factor: exp of the least-squares slope of ln(𝓛_t − 𝓛*) over the last
    ``tail`` fraction of the run (:func:`ntkbook.training.fitted_rate`)."""
    gaps = np.asarray(gaps, dtype=np.float64)
    start = int((1 - tail) * (gaps.size - 1))
    return fitted_rate(gaps, start=start)


def optimality_gap(rho_late: float, loss) -> float:
    """1 − ln ρ_late / ln(1 − μ/L): 0 when GD on 𝓛 contracts as fast as the PL rate 1 − μ/L of
    GD on ℓ with η = 1/L (the rate of its slowest mode for a quadratic ℓ); the ratio of the
    logarithms is the ratio of iteration counts."""
    return 1.0 - np.log(rho_late) / np.log(1.0 - loss.mu / loss.L)


@few_threads()
def adaptive_late_run(loss, params, eps: float = 1e-10, steps: int = 20000):
    """GD on 𝓛 with η_t = 1/K̂_t until 𝓛_t − 𝓛* ≤ ε(𝓛₀ − 𝓛*); returns (gaps, fitted late factor
    (:func:`late_factor`), last parameters)."""
    from .dynamics import run
    gap0 = float(objective(loss)(params)) - loss.minimum
    r = run(loss, params, adaptive_step(loss), steps, stop_below=loss.minimum + eps * gap0,
            keep=False)
    gaps = np.asarray(r.losses) - loss.minimum
    return gaps, late_factor(gaps), r.params


def hessian_of_ell(loss, W) -> np.ndarray:
    """The matrix M of D²ℓ(W) on vec(V) (V ∈ R^{k×d}), by polarization of ``loss.hess_quad``."""
    k, d = W.shape
    n = k * d
    E = torch.eye(n, dtype=W.dtype).reshape(n, k, d)
    q = loss.hess_quad(W, E).numpy()
    P = (E[:, None] + E[None, :]).reshape(n * n, k, d)
    qp = loss.hess_quad(W, P).numpy().reshape(n, n)
    return 0.5 * (qp - q[:, None] - q[None, :])


def limit_factor(loss, params) -> tuple[float, float]:
    """The asymptotic contraction factor of GD on 𝓛 with η = 1/K̂ at a (near-)minimiser θ:
    max |1 − λ/K̂| over the non-zero eigenvalues λ of ∇²𝓛(θ) = JᵀMJ, which are the eigenvalues
    of M^{1/2}(W₁ᵀW₁ ⊗ I + I ⊗ W₂W₂ᵀ)M^{1/2} (J: V ↦ V₂W₁ + W₂V₁, M = D²ℓ(W); our derivation).
    Returns (factor, K̂)."""
    from .local_bounds import smoothness_bound
    W1, W2 = params["W1"], params["W2"]
    W = W2 @ W1
    k, d = W.shape
    M = hessian_of_ell(loss, W)
    # vec in row-major order of V (k×d): V ↦ V A is I_k ⊗ A, V ↦ B V is B ⊗ I_d
    JJ = (np.kron(np.eye(k), (W1.T @ W1).numpy()) + np.kron((W2 @ W2.T).numpy(), np.eye(d)))
    ev, U = np.linalg.eigh(M)
    Mh = (U * np.sqrt(np.clip(ev, 0, None))) @ U.T
    lam = np.linalg.eigvalsh(Mh @ JJ @ Mh)
    K = smoothness_bound(loss, params)
    return float(np.max(np.abs(1 - lam / K))), float(K)

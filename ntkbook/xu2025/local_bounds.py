"""The objective 𝓛(W₁, W₂) = ℓ(W₂W₁), its derivatives and the derived local bounds (PL-lb),
(PL-ub), (Imb), (H), (Seg) of the package docstring, plus the a-priori bounds (Apr) built from θ₀
alone."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch.func import grad as _fgrad
from torch.func import hessian as _fhessian
from torch.func import jvp as _fjvp
from torch.func import vmap as _fvmap

from ..config import DTYPE
from ..errors import AssumptionError
from ..models import LinearNet
from .losses import SquaredLoss


def objective(loss):
    """θ ↦ 𝓛(θ) = ℓ(W₂W₁) for a params dict {"W1", "W2"} (catalog X-1)."""
    return lambda p: loss(p["W2"] @ p["W1"])


def grads(loss, params) -> dict:
    """∇𝓛 in closed form: ∇_{W₁} = W₂ᵀ∇ℓ(W), ∇_{W₂} = ∇ℓ(W)W₁ᵀ."""
    G = loss.grad(params["W2"] @ params["W1"])
    return {"W1": params["W2"].T @ G, "W2": G @ params["W1"].T}


def _flat(p: dict) -> torch.Tensor:
    return torch.cat([p["W1"].reshape(-1), p["W2"].reshape(-1)])


def _unflat(v: torch.Tensor, like: dict) -> dict:
    n1 = like["W1"].numel()
    return {"W1": v[:n1].reshape(like["W1"].shape), "W2": v[n1:].reshape(like["W2"].shape)}


def _flat_objective(loss, like):
    return lambda v: objective(loss)(_unflat(v, like))


def hvp(loss, params, v: dict) -> dict:
    """∇²𝓛(θ) v by forward-over-reverse differentiation (torch.func.jvp of torch.func.grad)."""
    f = _flat_objective(loss, params)
    _, out = _fjvp(_fgrad(f), (_flat(params),), (_flat(v),))
    return _unflat(out, params)


def hessian_norm(loss, params) -> float:
    """‖∇²𝓛(θ)‖₂ = max |eigenvalue| of the full Hessian (torch.func.hessian; small nets only)."""
    H = _fhessian(_flat_objective(loss, params))(_flat(params))
    return float(np.abs(np.linalg.eigvalsh(H.detach().numpy())).max())


def _phi(loss):
    def phi(u, p, g):
        return loss((p["W2"] - u * g["W2"]) @ (p["W1"] - u * g["W1"]))
    return phi


def rayleigh(loss, params, g: dict, us) -> np.ndarray:
    """q(u) = gᵀ∇²𝓛(θ − u g)g / ‖g‖² at the points ``us``: the second derivative of
    φ(u) = 𝓛(θ − u g) (a Hessian-vector product contracted with g), by
    ``torch.func.grad(torch.func.grad(φ))`` vectorised over u with ``torch.func.vmap``."""
    us = torch.as_tensor(np.atleast_1d(np.asarray(us, dtype=np.float64)), dtype=DTYPE)
    p = {n: params[n] for n in ("W1", "W2")}
    d2 = _fvmap(_fgrad(_fgrad(_phi(loss))), in_dims=(0, None, None))(us, p, g)
    gsq = sum(torch.sum(g[n] ** 2) for n in ("W1", "W2"))
    return (d2 / gsq).detach().numpy()


def curvature_along_step(loss, params, g: dict, eta: float, grid: int = 9) -> float:
    """K_t = max_{u ∈ [0, η]} gᵀ∇²𝓛(θ_t − u g)g/‖g‖² (catalog X-2, local smoothness along the step).

    The Rayleigh quotient q(u) is evaluated at ``grid`` equispaced points of [0, η] (see
    :func:`rayleigh`). For a quadratic ℓ, 𝓛(θ − u g) is a quartic polynomial in u, so q is
    an exact quadratic: it is fitted through the grid and maximised exactly over [0, η]. For a
    non-quadratic ℓ the grid maximum is returned (an estimate of the supremum; the certified
    bound :func:`segment_bound` dominates it)."""
    us = np.linspace(0.0, float(eta), grid)
    q = rayleigh(loss, params, g, us)
    if not loss.quadratic or eta == 0:
        return float(q.max())
    c = np.polyfit(us / eta, q, 2)
    cand = [0.0, 1.0]
    if c[0] != 0:
        v = -c[1] / (2 * c[0])
        if 0 < v < 1:
            cand.append(v)
    return float(max(np.polyval(c, x) for x in cand))


def spectral(A) -> float:
    return float(torch.linalg.matrix_norm(A, ord=2))


def smoothness_bound(loss, params) -> float:
    """(H): K̂(θ) = L(‖W₁‖₂² + ‖W₂‖₂²) + √(2L(ℓ(W) − ℓ*)) ≥ ‖∇²𝓛(θ)‖₂ (our derivation)."""
    W = params["W2"] @ params["W1"]
    gap = max(float(loss(W)) - loss.minimum, 0.0)
    return loss.L * (spectral(params["W1"]) ** 2 + spectral(params["W2"]) ** 2) + math.sqrt(2 * loss.L * gap)


def hessian_bound_grad(loss, params) -> float:
    """(H), sharper form: L(‖W₁‖₂² + ‖W₂‖₂²) + ‖∇ℓ(W)‖₂ (spectral norm: 2|⟨G, V₂V₁⟩| ≤ ‖G‖₂‖v‖²)."""
    G = loss.grad(params["W2"] @ params["W1"])
    return loss.L * (spectral(params["W1"]) ** 2 + spectral(params["W2"]) ** 2) + spectral(G)


def segment_bound(loss, params, g: dict, eta: float) -> float:
    """(Seg): a certified bound K̄ on sup_{u∈[0,η]} ‖∇²𝓛(θ − u g)‖₂ (our derivation; ‖∇ℓ‖₂ form)."""
    W1, W2, G1, G2 = params["W1"], params["W2"], g["W1"], g["W2"]
    G = loss.grad(W2 @ W1)
    L = loss.L
    return (L * ((spectral(W1) + eta * spectral(G1)) ** 2 + (spectral(W2) + eta * spectral(G2)) ** 2)
            + spectral(G) + L * (eta * float((G2 @ W1 + W2 @ G1).norm()) + eta ** 2 * float((G2 @ G1).norm())))


def dims(params):
    h, d = params["W1"].shape
    k = params["W2"].shape[0]
    return h, d, k


def sigma_terms(params) -> tuple[float, float]:
    """(σ_d²(W₁), σ_k²(W₂)), each set to 0 when the width does not allow it (h < d, resp. h < k)."""
    h, d, k = dims(params)
    s1 = torch.linalg.svdvals(params["W1"])
    s2 = torch.linalg.svdvals(params["W2"])
    t1 = float(s1[d - 1]) ** 2 if h >= d else 0.0
    t2 = float(s2[k - 1]) ** 2 if h >= k else 0.0
    return t1, t2


def mu_lower_bound(loss, params) -> float:
    """(PL-lb): μ(σ_d²(W₁) + σ_k²(W₂)) (our derivation; a term is kept only when h ≥ d, resp. h ≥ k).
    Raises :class:`ntkbook.errors.AssumptionError` when h < d and h < k (no term applies)."""
    h, d, k = dims(params)
    if h < d and h < k:
        raise AssumptionError("local PL lower bound needs width h ≥ d or h ≥ k", f"h = {h}, d = {d}, k = {k}")
    return loss.mu * sum(sigma_terms(params))


def mu_upper_bound(loss, params) -> float:
    """(PL-ub): L(‖W₁‖₂² + ‖W₂‖₂²) (our derivation) — μ_t → 0 as θ → 0."""
    return loss.L * (spectral(params["W1"]) ** 2 + spectral(params["W2"]) ** 2)


def imbalance_lower(params) -> float:
    """(Imb): λ_d(D)₊ + λ_k(−D)₊ ≤ σ_d²(W₁) + σ_k²(W₂), D = W₁W₁ᵀ − W₂ᵀW₂ (our derivation)."""
    h, d, k = dims(params)
    ev = np.sort(np.linalg.eigvalsh(LinearNet.imbalance(params).numpy()))[::-1]   # descending
    t1 = max(ev[d - 1], 0.0) if h >= d else 0.0
    t2 = max(-ev[h - k], 0.0) if h >= k else 0.0         # λ_k(−D) = −λ_{h−k+1}(D)
    return float(t1 + t2)


def imbalance_step(g: dict, eta: float) -> torch.Tensor:
    """(GD-D): D_{t+1} − D_t = η²(G₁G₁ᵀ − G₂ᵀG₂) for one GD step (our derivation)."""
    return eta ** 2 * (g["W1"] @ g["W1"].T - g["W2"].T @ g["W2"])


def global_minimum(loss, h: int) -> float:
    """𝓛* = min over rank-≤h products. Equals ℓ* when h ≥ rank(Φ); for the Frobenius loss
    ½‖W − Φ‖² (X = I) and h < rank Φ it is the Eckart–Young value ½Σ_{i>h} σ_i(Φ)²."""
    s = np.linalg.svd(loss.Phi.numpy(), compute_uv=False)
    r = int((s > s[0] * max(loss.Phi.shape) * np.finfo(float).eps).sum())
    if h >= r:
        return loss.minimum
    if isinstance(loss, SquaredLoss) and torch.allclose(loss.S, torch.eye(loss.S.shape[0], dtype=DTYPE)):
        return 0.5 * float((s[h:] ** 2).sum())
    raise AssumptionError("𝓛* known in closed form only for h ≥ rank Φ or the Frobenius loss",
                          f"h = {h}, rank Φ = {r}")



# ----------------------------------------------------------------------------- a-priori bounds (Apr)
@dataclass(frozen=True)
class AprioriBounds:
    """The bounds (Apr) of the package docstring, computed from θ₀ alone for the constant step
    ``eta``: drift δ of D, caps ā ≥ ‖W₁‖₂², b̄ ≥ ‖W₂‖₂², w̄ ≥ ‖W‖₂, g₀ ≥ ‖∇ℓ‖, the PL floor μ̄, the
    curvature cap K̄ and the predicted factor ρ̄ = 1 − μ̄η(2 − K̄η). ``hypothesis_met``: μ̄ > 0,
    ηK̄ ≤ 1 and 𝓛* = ℓ* (h ≥ rank Φ), the hypotheses under which gap_t ≤ ρ̄^t gap_0 is derived."""
    eta: float
    delta: float
    a_bar: float
    b_bar: float
    w_bar: float
    g0: float
    mu_bar: float
    K_bar: float
    rho_bar: float
    hypothesis_met: bool


def _apriori(loss, ev, wbar, g0, gap0, h, d, k, drift, eta):
    delta = 2.0 * eta * gap0 if drift else 0.0
    lam1, lamn = ev[0] + delta, -ev[-1] + delta            # λ₁(D₀) + δ, λ₁(−D₀) + δ
    a = 0.5 * (lam1 + math.sqrt(lam1 ** 2 + 4 * wbar ** 2))
    b = 0.5 * (lamn + math.sqrt(lamn ** 2 + 4 * wbar ** 2))
    t1 = max(ev[d - 1] - delta, 0.0) if h >= d else 0.0
    t2 = max(-ev[h - k] - delta, 0.0) if h >= k else 0.0
    L = loss.L
    K = (L * ((math.sqrt(a) + eta * math.sqrt(b) * g0) ** 2
              + (math.sqrt(b) + eta * math.sqrt(a) * g0) ** 2)
         + g0 + L * (eta * (a + b) * g0 + eta ** 2 * wbar * g0 ** 2))
    return delta, a, b, loss.mu * (t1 + t2), K


def apriori_bounds(loss, params, eta: float | None = None, drift: bool = True) -> AprioriBounds:
    """(Apr): the rate ρ̄ predicted from θ₀ alone (D₀, ℓ(W₀), ‖Φ‖₂ and μ, L of ℓ; our derivation).

    ``eta=None`` takes the largest step with ηK̄(η) ≤ 1 (K̄ grows with η; found by
    ``scipy.optimize.brentq``), where ρ̄ = 1 − μ̄/K̄. Needs a loss with the unique minimiser Φ
    (both losses of this chapter); raises :class:`AssumptionError` otherwise. ``drift=False``
    drops the drift δ of D (pretends D_t = D₀, true for gradient flow, not for GD): only for the
    negative controls."""
    import scipy.optimize

    if not hasattr(loss, "Phi") or loss.mu <= 0:
        raise AssumptionError("a-priori bounds need a μ-PL loss with the unique minimiser Φ")
    h, d, k = dims(params)
    W0 = params["W2"] @ params["W1"]
    gap_ell = max(float(loss(W0)) - loss.minimum, 0.0)
    gap0 = float(loss(W0)) - global_minimum(loss, h)
    g0 = math.sqrt(2 * loss.L * gap_ell)
    wbar = spectral(loss.Phi) + math.sqrt(2 * gap_ell / loss.mu)
    ev = np.sort(np.linalg.eigvalsh(LinearNet.imbalance(params).numpy()))[::-1]   # descending
    args = (loss, ev, wbar, g0, gap0, h, d, k, drift)
    if eta is None:
        hi = 1.0 / _apriori(*args, 0.0)[4]                    # ηK̄(η) ≥ 1 there
        eta = scipy.optimize.brentq(lambda e: e * _apriori(*args, e)[4] - 1.0, 0.0, hi,
                                    xtol=1e-15, rtol=1e-13)
        eta = eta * (1 - 1e-12)
    delta, a, b, mu_bar, K = _apriori(*args, float(eta))
    hyp = bool(mu_bar > 0 and eta * K <= 1.0 and global_minimum(loss, h) <= loss.minimum)
    hyp = hyp and drift
    return AprioriBounds(eta=float(eta), delta=float(delta), a_bar=float(a), b_bar=float(b),
                         w_bar=float(wbar), g0=float(g0), mu_bar=float(mu_bar), K_bar=float(K),
                         rho_bar=float(1.0 - mu_bar * eta * (2 - K * eta)), hypothesis_met=hyp)

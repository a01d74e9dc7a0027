"""Catalog U-1: the two NTK blocks (KV), (KW), the limiting kernel (K∞), its λ and κ, the share of
λ each block supplies, and the parametrization of the two initialization scales.

**Normalization (stated once for the chapter).** The scales are parametrized by the balance ratio
ρ = s_W/s_V and the product p = s_W·s_V: s_W = √(pρ), s_V = √(p/ρ) (:func:`scales`). The limiting
kernel K∞ = (s_V² H∞ + s_W² G∞) ⊗ I_n grows with p, so its raw λ is not comparable across scales;
the width laws use the *normalized* λ̄ = λ_min(K∞)/(tr K∞ / N) (:func:`lam_normalized`), the least
eigenvalue relative to the mean eigenvalue — dimensionless, independent of p, and equal to
λ / ((s_V² + s_W²)/2) for unit-norm inputs (H∞_ii = G∞_ii = 1/2). :func:`lam_kappa` keeps returning
the raw λ (and κ, which is scale-free).
"""
from __future__ import annotations

import numpy as np
import torch

from ..config import DTYPE, to_numpy
from ..data import check_unit_norm
from ..errors import AssumptionError
from ..kernels import arccos1, h_infinity, lambda_max, lambda_min
from ..models import SharedTwoLayer
from .checks import TESTS


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
    from ..kernels import empirical_ntk
    p = {k: torch.as_tensor(v, dtype=DTYPE).cpu() for k, v in params.items()}
    X = torch.as_tensor(X, dtype=DTYPE).cpu()
    K = to_numpy(empirical_ntk(forward or SharedTwoLayer.forward, p, X, trainable=["V"]))
    _, KV = ntk_blocks(X, p)
    err = np.abs(K - KV).max() / max(1.0, np.abs(KV).max())
    return ledger.check("unbalanced2026.ntk_block_v", kind="identity", lhs=err, rel="<=", rhs=tol,
                        statement=r"J_V J_V^\top = (\sigma(XW)\sigma(XW)^\top/m)\otimes I_n",
                        source="catalog U-1 (standard)", provenance="derived", hypothesis_met=None,
                        seeds=seeds, note=f"relative max-entry error, m = {p['V'].shape[0]}")


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
    from ..kernels import eig_tolerance
    K = limiting_factor(X, s_W, s_V)
    return ledger.check("unbalanced2026.lambda_positive", kind="assumption", lhs=lambda_min(K),
                        rel=">", rhs=eig_tolerance(K), case=case,
                        statement=r"\lambda=\lambda_{\min}(s_V^2H^\infty+s_W^2G^\infty)>0",
                        source="abstract: lambda the least eigenvalue of the limiting NTK",
                        provenance="reconstruction", hypothesis_met=None, seeds=seeds,
                        control=TESTS + "test_lambda_positive_fails_for_duplicate_inputs",
                        depends_on=["unbalanced2026-lemma-blocks"])



def scales(rho: float, product: float = 1.0) -> tuple[float, float]:
    """The chapter's parametrization of the two initialization scales: s_W = √(pρ), s_V = √(p/ρ)
    for the balance ratio ρ = s_W/s_V and the product p = s_W·s_V (module docstring)."""
    if not (rho > 0 and product > 0):
        raise AssumptionError("positive balance ratio and product", f"rho = {rho}, p = {product}")
    return float(np.sqrt(product * rho)), float(np.sqrt(product / rho))


def lam_normalized(X, s_W: float = 1.0, s_V: float = 1.0) -> float:
    """λ̄ = λ_min(K∞) / (tr K∞ / N): the least eigenvalue of the limiting factor (K∞) relative to its
    mean eigenvalue — the chapter's one normalization of λ in the width laws (module docstring)."""
    K = limiting_factor(X, s_W, s_V)
    return float(lambda_min(K) / (np.trace(K) / K.shape[0]))


def kernel_shares(X, s_W: float = 1.0, s_V: float = 1.0) -> tuple[float, float]:
    """The shares of λ supplied by the first-layer block (s_V²H∞, where n enters at finite width)
    and by the second-layer block (s_W²G∞, K_V = (ΣΣᵀ/m) ⊗ I_n, exactly independent of n):
    uᵀ(s_V²H∞)u/λ and uᵀ(s_W²G∞)u/λ, u the eigenvector of λ; they add up to 1."""
    v = second_layer_share(X, s_W, s_V)
    return 1.0 - v, v

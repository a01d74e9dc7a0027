"""Nguyen 2021, Section 1: the starting point, eqs. (2)–(3) — the output-layer block of the NTK.
"""
from __future__ import annotations

import numpy as np
import torch

from ..kernels import empirical_ntk, lambda_min, sigma_min
from ..models import DeepReLU
from ..training import gradients
from .theorem22 import SOURCE, _check_inputs


def ntk_output_block(model: DeepReLU, params: dict, X) -> tuple[np.ndarray, np.ndarray]:
    """Eq. (2), the l = L term: [∂vec F_L/∂vec W_L][·]ᵀ from an autograd Jacobian
    (:func:`ntkbook.kernels.empirical_ntk`, trainable = [W_L]) re-indexed to the paper's
    column-stacking vec (output-major: (k, i) ↦ k·N + i), and the paper's closed form
    I_{n_L} ⊗ F_{L−1}F_{L−1}ᵀ. Returns (autograd block, closed form), both float64 numpy."""
    _check_inputs(model, params, X, None)
    L, N, nL = model.L, X.shape[0], model.widths[-1]
    K = empirical_ntk(model.forward, params, X, trainable=[f"W{L}"]).detach().cpu().numpy()
    # empirical_ntk is sample-major (i, k) ↦ i·n_L + k; the paper's vec stacks columns: (k, i) ↦ k·N + i
    perm = np.array([i * nL + k for k in range(nL) for i in range(N)])
    K_vec = K[np.ix_(perm, perm)]
    with torch.no_grad():
        F = model.features(params, X)[L - 1].cpu().numpy()
    return K_vec, np.kron(np.eye(nL), F @ F.T)


def full_ntk(model: DeepReLU, params: dict, X) -> np.ndarray:
    """Eq. (2): K(θ) = Σ_l [∂vec F_L/∂vec W_l][·]ᵀ over all layers (sample-major indexing)."""
    return empirical_ntk(model.forward, params, X).detach().cpu().numpy()


def eq3_quantities(model: DeepReLU, params: dict, X, Y) -> dict:
    """Both sides of the starting inequalities: ‖∇Φ‖² ≥ 2 λ_min(K) Φ and λ_min(K) ≥ λ_min(F_{L−1}F_{L−1}ᵀ)."""
    _check_inputs(model, params, X, Y)
    phi, g = gradients(lambda p: model.loss(p, X, Y), params, model.trainable)
    grad_sq = float(sum(float((v ** 2).sum()) for v in g.values()))
    K = full_ntk(model, params, X)
    with torch.no_grad():
        F = model.features(params, X)[model.L - 1]
    return {"grad_sq": grad_sq, "phi": float(phi), "lam_min_K": lambda_min(K),
            "lam_min_FFt": sigma_min(F) ** 2, "lam_min_FtF": lambda_min((F.T @ F).cpu().numpy())}


def check_eq3(ledger, case: str, model, params, X, Y, factor: float = 1.0):
    """Record ``nguyen2021.pl_inequality`` (‖∇Φ‖² ≥ 2λ_min(K)Φ, the unnumbered PL-like
    inequality of Sec. 1) and ``nguyen2021.eq3``
    (λ_min(K) ≥ λ_min(F_{L−1}F_{L−1}ᵀ)) for the configuration ``case``. Both hold by construction
    (∇Φ = Jᵀr with K = JJᵀ; K is a sum of positive semidefinite blocks one of which is
    I ⊗ F_{L−1}F_{L−1}ᵀ): kind identity. ``factor`` > 1 multiplies both right-hand sides (the
    test that the check can fail)."""
    q = eq3_quantities(model, params, X, Y)
    note = f"factor {factor}" if factor != 1 else ""
    r1 = ledger.check("nguyen2021.pl_inequality", kind="identity", case=case, lhs=q["grad_sq"], rel=">=",
                      rhs=factor * 2 * q["lam_min_K"] * q["phi"],
                      statement=r"\|\nabla\Phi(\theta)\|_2^2\ge 2\lambda_{\min}(K(\theta))\Phi(\theta)",
                      source=f"{SOURCE}, Sec. 1 (the PL-like inequality, unnumbered)", provenance="paper", hypothesis_met=None,
                      rtol=1e-10, note=note)
    r2 = ledger.check("nguyen2021.eq3", kind="identity", case=case, lhs=q["lam_min_K"], rel=">=",
                      rhs=factor * q["lam_min_FFt"],
                      statement=r"\lambda_{\min}(K)\ge\lambda_{\min}(F_{L-1}F_{L-1}^\top)",
                      source=f"{SOURCE}, eq. (3)", provenance="paper", hypothesis_met=None,
                      rtol=1e-10, note=note)
    return q, r1, r2


def check_eq2_output_block(ledger, model: DeepReLU, params: dict, X, *, case=None,
                           reorder: bool = True):
    """Eq. (2): the W_L block of the NTK equals I_{n_L} ⊗ F_{L−1}F_{L−1}ᵀ entrywise
    (``nguyen2021.eq2.block``, kind identity: an implementation identity). ``reorder=False``
    compares the sample-major autograd block without the vec permutation (it equals
    F_{L−1}F_{L−1}ᵀ ⊗ I_{n_L} instead: the check then fails)."""
    if reorder:
        K, closed = ntk_output_block(model, params, X)
    else:
        L, nL = model.L, model.widths[-1]
        K = empirical_ntk(model.forward, params, X, trainable=[f"W{L}"]).detach().cpu().numpy()
        with torch.no_grad():
            F = model.features(params, X)[L - 1].cpu().numpy()
        closed = np.kron(np.eye(nL), F @ F.T)
    scale = float(np.abs(closed).max())
    return ledger.check("nguyen2021.eq2.block", kind="identity", case=case, lhs=K.ravel(), rel="==",
                        rhs=closed.ravel(), rtol=1e-12, atol=1e-12 * scale,
                        statement=r"\Big[\frac{\partial\,\mathrm{vec}F_L}{\partial\,\mathrm{vec}W_L}\Big]"
                                  r"\Big[\cdot\Big]^\top=\mathbb I_{n_L}\otimes F_{L-1}F_{L-1}^\top",
                        source=f"{SOURCE}, Sec. 1, eq. (2)", provenance="paper", hypothesis_met=None,
                        note="" if reorder else "sample-major order, no vec permutation")

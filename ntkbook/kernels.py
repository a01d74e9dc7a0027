"""Kernels of the theory: Du et al.'s H∞ and H(W), the arc-cosine kernels, the empirical NTK,
and eigenvalue helpers.

Angles are computed as θ_ij = 2·atan2(‖u_i − u_j‖, ‖u_i + u_j‖) for the unit vectors u_i: unlike
``arccos(ρ)``, which loses half the digits near ρ = ±1, this is accurate for nearly parallel inputs.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import scipy.linalg
import torch

from .config import DTYPE, generator, to_numpy
from .data import check_finite, check_matrix, check_not_parallel, check_unit_norm
from .errors import AssumptionError


def _rows(X) -> np.ndarray:
    check_matrix(X)
    check_finite(X)
    A = to_numpy(X)
    if np.any(np.linalg.norm(A, axis=1) == 0):
        raise AssumptionError("non-zero inputs", "a row of X is the zero vector")
    return A


def angles(X) -> np.ndarray:
    """Matrix of angles θ_ij ∈ [0, π] between the rows of X (stable near 0 and π)."""
    A = _rows(X)
    U = A / np.linalg.norm(A, axis=1, keepdims=True)
    sq = np.sum(U * U, axis=1)
    G = U @ U.T
    dist2 = np.maximum(sq[:, None] + sq[None, :] - 2 * G, 0.0)
    sum2 = np.maximum(sq[:, None] + sq[None, :] + 2 * G, 0.0)
    # exact differences for accuracy: recompute near-parallel pairs directly
    theta = 2 * np.arctan2(np.sqrt(dist2), np.sqrt(sum2))
    close = (dist2 < 1e-6) | (sum2 < 1e-6)
    if np.any(close):
        for i, j in zip(*np.nonzero(close)):
            theta[i, j] = 2 * math.atan2(np.linalg.norm(U[i] - U[j]), np.linalg.norm(U[i] + U[j]))
    np.fill_diagonal(theta, 0.0)
    return theta


def h_infinity(X, *, require_unit_norm: bool = True) -> np.ndarray:
    """Du et al. 2019, Assumption 3.1 (catalog H-1), closed form:

    H∞_ij = E_{w~N(0,I)}[x_iᵀx_j 1{wᵀx_i ≥ 0, wᵀx_j ≥ 0}] = x_iᵀx_j (π − θ_ij) / (2π).

    Du et al. assume unit-norm rows; ``require_unit_norm=False`` evaluates the same expectation
    for any non-zero rows. Returns a float64 numpy array.
    """
    A = _rows(X)
    if require_unit_norm:
        check_unit_norm(A)
    theta = angles(A)
    H = (A @ A.T) * (np.pi - theta) / (2 * np.pi)
    return 0.5 * (H + H.T)


def arccos1(X) -> np.ndarray:
    """Catalog H-2: E_{w~N(0,I)}[σ(wᵀx_i) σ(wᵀx_j)] = ‖x_i‖‖x_j‖ (sin θ + (π − θ) cos θ) / (2π)
    (half of Cho & Saul's degree-1 arc-cosine kernel)."""
    A = _rows(X)
    theta = angles(A)
    nrm = np.linalg.norm(A, axis=1)
    K = np.outer(nrm, nrm) * (np.sin(theta) + (np.pi - theta) * np.cos(theta)) / (2 * np.pi)
    return 0.5 * (K + K.T)


def activation_pattern(X, W) -> torch.Tensor:
    """S = 1{X Wᵀ ≥ 0} ∈ {0,1}^{n×m} for W of shape (m, d) (Du et al.'s indicator convention)."""
    X = torch.as_tensor(X, dtype=DTYPE)
    W = torch.as_tensor(W, dtype=DTYPE).to(X.device)
    if W.ndim != 2 or W.shape[1] != X.shape[1]:
        raise AssumptionError("W has shape (m, d) with d = input dimension",
                              f"X is {tuple(X.shape)}, W is {tuple(W.shape)}")
    return (X @ W.T >= 0).to(DTYPE)


def gram(X, W, a=None) -> torch.Tensor:
    """Du et al. 2019, eq. (5)/(7): H(W)_ij = (1/m) x_iᵀx_j Σ_r 1{w_rᵀx_i ≥ 0, w_rᵀx_j ≥ 0},
    computed as (1/m)(XXᵀ) ∘ (SSᵀ) with S = 1{XWᵀ ≥ 0}; W has shape (m, d).

    With ``a`` (shape (m,)) it returns the joint-training matrix (1/m) x_iᵀx_j Σ_r a_r² 1{·}1{·}
    (Du et al. Sec. 3.2 / App. A.1). Returned as a float64 torch tensor on X's device.
    """
    X = torch.as_tensor(X, dtype=DTYPE)
    S = activation_pattern(X, W)
    m = S.shape[1]
    if a is None:
        P = S @ S.T
    else:
        a = torch.as_tensor(a, dtype=DTYPE).to(X.device)
        P = (S * a.pow(2)) @ S.T
    return (X @ X.T) * P / m


def feature_gram(X, W) -> torch.Tensor:
    """G(W)_ij = (1/m) Σ_r σ(w_rᵀx_i) σ(w_rᵀx_j) (Du et al. App. A.1, the second-layer block);
    W has shape (m, d). Tends to :func:`arccos1` as m → ∞."""
    X = torch.as_tensor(X, dtype=DTYPE)
    W = torch.as_tensor(W, dtype=DTYPE).to(X.device)
    F = torch.relu(X @ W.T)
    return F @ F.T / W.shape[0]


def h_infinity_mc(X, samples: int, seed: int, chunk: int = 200_000) -> np.ndarray:
    """Monte Carlo estimate of H∞ with ``samples`` Gaussian w (a cross-check of the closed form)."""
    X = torch.as_tensor(to_numpy(X), dtype=DTYPE)
    g = generator(seed)
    acc = torch.zeros(X.shape[0], X.shape[0], dtype=DTYPE)
    done = 0
    while done < samples:
        k = min(chunk, samples - done)
        W = torch.randn(k, X.shape[1], generator=g, dtype=DTYPE)
        S = (X @ W.T >= 0).to(DTYPE)
        acc += S @ S.T
        done += k
    return to_numpy((X @ X.T) * acc / samples)


def arccos1_mc(X, samples: int, seed: int, chunk: int = 200_000) -> np.ndarray:
    """Monte Carlo estimate of :func:`arccos1`."""
    X = torch.as_tensor(to_numpy(X), dtype=DTYPE)
    g = generator(seed)
    acc = torch.zeros(X.shape[0], X.shape[0], dtype=DTYPE)
    done = 0
    while done < samples:
        k = min(chunk, samples - done)
        W = torch.randn(k, X.shape[1], generator=g, dtype=DTYPE)
        F = torch.relu(X @ W.T)
        acc += F @ F.T
        done += k
    return to_numpy(acc / samples)


def empirical_ntk(forward: Callable, params: dict, X, trainable=None) -> torch.Tensor:
    """Empirical NTK K = Σ_p J_p J_pᵀ of ``forward(params, X)`` via ``torch.func.jacrev``.

    ``trainable`` lists the parameter names to differentiate (default: all). For an output of
    shape (N, n) the kernel is (N·n) × (N·n), indexed by (i, k) ↦ i·n + k (sample-major).
    Per-sample Jacobians are formed, so use it for cross-checks at small sizes.
    """
    names = list(trainable or params.keys())
    fixed = {k: v for k, v in params.items() if k not in names}
    sub = {k: params[k].detach() for k in names}

    def f(p):
        return forward({**fixed, **p}, X).reshape(-1)

    jac = torch.func.jacrev(f)(sub)
    K = None
    for k in names:
        J = jac[k].reshape(jac[k].shape[0], -1)
        K = J @ J.T if K is None else K + J @ J.T
    return K


def _sym(H) -> np.ndarray:
    A = to_numpy(H)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"expected a square matrix, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise AssumptionError("finite matrix", "matrix contains NaN or inf")
    return 0.5 * (A + A.T)


def eigenvalues(H) -> np.ndarray:
    """All eigenvalues of the symmetric part of H, ascending (scipy.linalg.eigvalsh, float64)."""
    return scipy.linalg.eigvalsh(_sym(H))


def lambda_min(H) -> float:
    """λ_min of a symmetric matrix (LAPACK, float64; absolute error ≲ n·eps·‖H‖₂, see
    :func:`eig_tolerance`)."""
    A = _sym(H)
    return float(scipy.linalg.eigvalsh(A, subset_by_index=[0, 0])[0])


def lambda_max(H) -> float:
    """λ_max of a symmetric matrix."""
    A = _sym(H)
    n = A.shape[0]
    return float(scipy.linalg.eigvalsh(A, subset_by_index=[n - 1, n - 1])[0])


def eig_tolerance(H) -> float:
    """Backward-error bound n·eps·‖H‖₂ of a float64 symmetric eigensolver: an eigenvalue below it
    cannot be told from 0."""
    A = _sym(H)
    return A.shape[0] * np.finfo(np.float64).eps * float(np.linalg.norm(A, 2))


def lambda_min_of_gram(F) -> float:
    """λ_min(F Fᵀ) = σ_min(F)² from an SVD of the factor F (rows = samples): no squaring of the
    condition number, so accurate for nearly singular Gram matrices. 0 if F has fewer columns than rows."""
    A = to_numpy(F)
    if A.shape[1] < A.shape[0]:
        return 0.0
    s = scipy.linalg.svdvals(A)
    return float(s[-1] ** 2) if s.size == A.shape[0] else 0.0


def sigma_min(F) -> float:
    """The N-th singular value of an N×p matrix (0 when p < N): sqrt(λ_min(F Fᵀ))."""
    A = to_numpy(F)
    s = scipy.linalg.svdvals(A)
    return float(s[A.shape[0] - 1]) if A.shape[1] >= A.shape[0] else 0.0


def condition_number(H) -> float:
    """κ = λ_max / λ_min of a symmetric positive definite matrix; raises if λ_min is not
    distinguishable from 0."""
    lo, hi, tol = lambda_min(H), lambda_max(H), eig_tolerance(H)
    if lo <= tol:
        raise AssumptionError("positive definite kernel (lambda_min > 0)",
                              f"lambda_min = {lo:.3e} <= eigensolver tolerance {tol:.3e}")
    return hi / lo


def lambda0(X) -> float:
    """λ0 = λ_min(H∞) (Du et al. 2019, Assumption 3.1). Raises :class:`ntkbook.errors.AssumptionError` naming
    Thm 3.1 when two inputs are parallel (then λ0 = 0) or λ0 is below eigensolver resolution."""
    check_unit_norm(to_numpy(X))
    check_not_parallel(X)
    H = h_infinity(X)
    lo = lambda_min(H)
    if lo <= eig_tolerance(H):
        raise AssumptionError("lambda0 = lambda_min(H-infinity) > 0 (Du et al. 2019, Assumption 3.1)",
                              f"lambda_min = {lo:.3e} is below eigensolver resolution")
    return lo


def spectral_norm(A) -> float:
    """‖A‖₂ (largest singular value), float64."""
    return float(np.linalg.norm(to_numpy(A), 2))

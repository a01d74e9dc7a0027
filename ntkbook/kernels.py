"""Kernels of the theory: Du et al.'s H∞ and H(W), the arc-cosine kernels, the empirical NTK,
and eigenvalue helpers.

Angles are computed as θ_ij = 2·atan2(‖u_i − u_j‖, ‖u_i + u_j‖) for the unit vectors u_i: unlike
``arccos(ρ)``, which loses half the digits near ρ = ±1, this is accurate for nearly parallel inputs.
"""
from __future__ import annotations

import math
import warnings
from typing import Callable

import numpy as np
import scipy.linalg
import torch

from .config import DTYPE, device_of, generator, on_device, to_numpy
from .data import check_finite, check_matrix, check_not_parallel, check_unit_norm
from .errors import AssumptionError, NonFiniteError


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


def _param_and_data(X, W, name: str = "W") -> tuple[torch.Tensor, torch.Tensor]:
    """(X, W) as float64 tensors on W's device (W's, when W is a tensor; else X's; else the CPU),
    both checked finite (NaN or inf raises :class:`ntkbook.errors.NonFiniteError`)."""
    dev = W.device if isinstance(W, torch.Tensor) else (
        X.device if isinstance(X, torch.Tensor) else torch.device("cpu"))
    X, W = on_device(X, dev), on_device(W, dev)
    for what, T in (("X", X), (name, W)):
        _check_finite_tensor(T, what)
    return X, W


def _check_finite_tensor(T: torch.Tensor, name: str) -> None:
    if T.device.type == "meta":          # shapes and devices only: nothing to check
        return
    bad = ~torch.isfinite(T)
    if bool(bad.any()):
        raise NonFiniteError(name, int(bad.sum()))


def activation_pattern(X, W) -> torch.Tensor:
    """S = 1{X Wᵀ ≥ 0} ∈ {0,1}^{n×m} for W of shape (m, d) (Du et al.'s indicator convention),
    on W's device."""
    return _pattern(*_param_and_data(X, W))


def _pattern(X: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    if W.ndim != 2 or X.ndim != 2 or W.shape[1] != X.shape[1]:
        raise AssumptionError("W has shape (m, d) with d = input dimension",
                              f"X is {tuple(X.shape)}, W is {tuple(W.shape)}")
    return (X @ W.T >= 0).to(DTYPE)


def gram(X, W, a=None) -> torch.Tensor:
    """Du et al. 2019, eq. (5)/(7): H(W)_ij = (1/m) x_iᵀx_j Σ_r 1{w_rᵀx_i ≥ 0, w_rᵀx_j ≥ 0},
    computed as (1/m)(XXᵀ) ∘ (SSᵀ) with S = 1{XWᵀ ≥ 0}; W has shape (m, d).

    With ``a`` (shape (m,)) it returns the joint-training matrix (1/m) x_iᵀx_j Σ_r a_r² 1{·}1{·}
    (Du et al. Sec. 3.2 / App. A.1). Returned as a float64 torch tensor on W's device (X is moved
    there). NaN or inf in X, W or a raises :class:`ntkbook.errors.NonFiniteError`.
    """
    X, W = _param_and_data(X, W)
    S = _pattern(X, W)
    m = S.shape[1]
    if a is None:
        P = S @ S.T
    else:
        a = on_device(a, W.device)
        _check_finite_tensor(a, "a")
        P = (S * a.pow(2)) @ S.T
    return (X @ X.T) * P / m


def feature_gram(X, W) -> torch.Tensor:
    """G(W)_ij = (1/m) Σ_r σ(w_rᵀx_i) σ(w_rᵀx_j) (Du et al. App. A.1, the second-layer block);
    W has shape (m, d). Tends to :func:`arccos1` as m → ∞. On W's device."""
    X, W = _param_and_data(X, W)
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


#: bytes of one chunk of per-sample Jacobians in :func:`empirical_ntk` (two are alive at once)
ENTK_CHUNK_BYTES = 256 * 2 ** 20


def _split_params(params: dict, trainable) -> tuple[list, dict, dict]:
    names = list(trainable or params.keys())
    missing = [k for k in names if k not in params]
    if missing:
        raise KeyError(f"trainable names {missing} are not parameters ({list(params)})")
    fixed = {k: v for k, v in params.items() if k not in names}
    sub = {k: params[k].detach() for k in names}
    return names, fixed, sub


def empirical_ntk(forward: Callable, params: dict, X, trainable=None, *,
                  chunk: int | None = None) -> torch.Tensor:
    """Empirical NTK K = Σ_p J_p J_pᵀ of ``forward(params, X)`` (J = ∂ vec f / ∂θ).

    ``trainable`` lists the parameter names to differentiate (default: all). For an output of
    shape (N, n) the kernel is (N·n) × (N·n), indexed by (i, k) ↦ i·n + k (sample-major); it is
    returned on the parameters' device (X is moved there).

    torch.func's per-sample recipe: ``vmap(jacrev(one-sample forward))`` over chunks of ``chunk``
    samples, and K assembled block by block (K_ab = J_a J_bᵀ, upper blocks mirrored), so at most two
    chunks of per-sample Jacobians are alive: memory O(chunk·n·P) for P trainable numbers, not
    O(N·n·P) (nor the O(N²·n·P) of a Jacobian of the whole batch). The default ``chunk`` keeps one
    chunk within :data:`ENTK_CHUNK_BYTES`. ``forward`` must treat samples independently (no batch
    statistics), as every model of the book does. For very large P, use :func:`ntk_vp`.
    """
    names, fixed, sub = _split_params(params, trainable)
    dev = device_of(sub)
    X = on_device(X, dev, dtype=None if isinstance(X, torch.Tensor) else DTYPE)
    N = X.shape[0]

    def one(p, x):
        return forward({**fixed, **p}, x.unsqueeze(0)).reshape(-1)

    n = one(sub, X[0]).numel()
    P = sum(v.numel() for v in sub.values())
    itemsize = max(v.element_size() for v in sub.values())
    if chunk is None:
        chunk = max(1, min(N, ENTK_CHUNK_BYTES // max(1, n * P * itemsize)))
    elif int(chunk) < 1:
        raise ValueError(f"chunk must be a positive number of samples, got {chunk}")
    chunk = int(chunk)
    per_sample = torch.func.vmap(torch.func.jacrev(one), in_dims=(None, 0))

    def jacobians(lo, hi):
        jac = per_sample(sub, X[lo:hi])                     # {name: (c, n, *shape)}
        return [jac[k].reshape((hi - lo) * n, -1) for k in names]

    bounds = [(lo, min(lo + chunk, N)) for lo in range(0, N, chunk)]
    K = None
    for ia, (a0, a1) in enumerate(bounds):
        Ja = jacobians(a0, a1)
        for b0, b1 in bounds[ia:]:
            Jb = Ja if b0 == a0 else jacobians(b0, b1)
            block = Ja[0] @ Jb[0].T
            for A, B in zip(Ja[1:], Jb[1:]):
                block = block + A @ B.T
            if K is None:
                K = torch.empty(N * n, N * n, dtype=block.dtype, device=block.device)
            K[a0 * n:a1 * n, b0 * n:b1 * n] = block
            if b0 != a0:
                K[b0 * n:b1 * n, a0 * n:a1 * n] = block.T
            del Jb, block
    return K


def ntk_vp(forward: Callable, params: dict, X, v, trainable=None) -> torch.Tensor:
    """The NTK–vector product K v = J (Jᵀ v) without forming J or K (implicit form).

    One reverse pass (vjp: Jᵀv, P numbers) and one forward-mode pass (jvp: J·(Jᵀv)) per vector:
    memory O(N·n + P) plus the activations, time O(one backward + one forward). ``v`` has N·n
    entries (sample-major as :func:`empirical_ntk`), or shape (N·n, k) for k vectors at once
    (vmapped). Returned on the parameters' device.
    """
    names, fixed, sub = _split_params(params, trainable)
    dev = device_of(sub)
    X = on_device(X, dev, dtype=None if isinstance(X, torch.Tensor) else DTYPE)

    def f(p):
        return forward({**fixed, **p}, X).reshape(-1)

    out, vjp_fn = torch.func.vjp(f, sub)
    v = on_device(v, dev, dtype=out.dtype)
    if v.shape[0] != out.numel() or v.ndim > 2:
        raise AssumptionError("v has N·n rows (one per output entry)",
                              f"outputs have {out.numel()} entries, v has shape {tuple(v.shape)}")

    def kv(u):
        (g,) = vjp_fn(u)
        return torch.func.jvp(f, (sub,), (g,))[1]

    with warnings.catch_warnings():
        # torch's first forward-mode pass scripts its jvp decompositions with the deprecated
        # torch.jit.script: a warning about torch's internals, not about this computation
        warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.* is deprecated",
                                category=DeprecationWarning)
        if v.ndim == 1:
            return kv(v)
        return torch.func.vmap(kv, in_dims=1, out_dims=1)(v)


def ntk_operator(forward: Callable, params: dict, X, trainable=None):
    """K as a ``scipy.sparse.linalg.LinearOperator`` (float64, numpy in and out) built on
    :func:`ntk_vp`, e.g. ``scipy.sparse.linalg.eigsh(op, k=1)`` for λ_max(K) without forming K."""
    import scipy.sparse.linalg

    names, fixed, sub = _split_params(params, trainable)
    dev = device_of(sub)
    X0 = on_device(X, dev, dtype=None if isinstance(X, torch.Tensor) else DTYPE)
    size = forward(params, X0).numel()

    def matmat(V):
        V = np.asarray(V, dtype=np.float64)
        return to_numpy(ntk_vp(forward, params, X0, torch.as_tensor(V), trainable=names))

    return scipy.sparse.linalg.LinearOperator((size, size), matvec=matmat, matmat=matmat,
                                              rmatvec=matmat, dtype=np.float64)


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

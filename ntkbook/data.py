"""Inputs, labels, and checks of the papers' data assumptions.

The checks raise :class:`ntkbook.errors.AssumptionError` naming the assumption
(Du et al. 2019, Sec. 3: ``||x_i||_2 = 1``, ``|y_i| <= C``, no two inputs parallel).
"""
from __future__ import annotations

import numpy as np
import torch

from .config import DTYPE, generator
from .errors import AssumptionError, NonFiniteError


def sphere(n: int, d: int, seed: int) -> torch.Tensor:
    """``n`` points drawn uniformly from the unit sphere S^{d-1} (rows), float64 CPU tensor."""
    z = torch.randn(n, d, generator=generator(seed), dtype=DTYPE)
    return z / z.norm(dim=1, keepdim=True)


def gaussian(n: int, d: int, seed: int, std: float = 1.0) -> torch.Tensor:
    """``n`` i.i.d. N(0, std^2 I_d) rows (Nguyen 2021, Assumption 3.1 example)."""
    return std * torch.randn(n, d, generator=generator(seed), dtype=DTYPE)


def labels(n: int, seed: int, kind: str = "gaussian", C: float = 1.0, outputs: int | None = None,
           X: torch.Tensor | None = None) -> torch.Tensor:
    """Labels for ``n`` samples.

    kind: ``"gaussian"`` (N(0,1), Du et al. Sec. 5), ``"uniform"`` (U[-C, C], so abs(y) <= C),
    ``"sign"`` (±C), ``"teacher"`` (C·tanh of a random linear teacher on ``X``).
    ``outputs`` gives an (n, outputs) matrix instead of a vector.
    """
    shape = (n,) if outputs is None else (n, outputs)
    g = generator(seed)
    if kind == "gaussian":
        return torch.randn(*shape, generator=g, dtype=DTYPE)
    if kind == "uniform":
        return C * (2 * torch.rand(*shape, generator=g, dtype=DTYPE) - 1)
    if kind == "sign":
        return C * torch.sign(torch.randn(*shape, generator=g, dtype=DTYPE))
    if kind == "teacher":
        if X is None:
            raise ValueError("kind='teacher' needs X")
        k = 1 if outputs is None else outputs
        beta = torch.randn(X.shape[1], k, generator=g, dtype=DTYPE) / X.shape[1] ** 0.5
        y = C * torch.tanh(X.to(DTYPE) @ beta * X.shape[1] ** 0.5 / max(1.0, float(X.norm(dim=1).mean())))
        return y[:, 0] if outputs is None else y
    raise ValueError(f"unknown label kind {kind!r}")


def low_rank_targets(n: int, outputs: int, rank: int, seed: int) -> torch.Tensor:
    """An (n, outputs) target matrix of exact rank ``rank`` with unit-variance entries."""
    if not 1 <= rank <= min(n, outputs):
        raise ValueError(f"rank must be in [1, min(n, outputs)] = [1, {min(n, outputs)}], got {rank}")
    g = generator(seed)
    A = torch.randn(n, rank, generator=g, dtype=DTYPE)
    B = torch.randn(rank, outputs, generator=g, dtype=DTYPE)
    return A @ B / rank ** 0.5


def _np(X) -> np.ndarray:
    if isinstance(X, torch.Tensor):
        return X.detach().to("cpu", DTYPE).numpy()
    return np.asarray(X, dtype=np.float64)


def check_finite(X, name: str = "X") -> None:
    """Raise :class:`ntkbook.errors.NonFiniteError` if ``X`` contains NaN or inf."""
    A = _np(X)
    if not np.all(np.isfinite(A)):
        raise NonFiniteError(name, int(np.sum(~np.isfinite(A))))


def check_matrix(X, name: str = "X") -> None:
    """Raise unless ``X`` is a non-empty 2-D array (rows = samples)."""
    A = _np(X)
    if A.ndim != 2 or A.shape[0] == 0 or A.shape[1] == 0:
        raise AssumptionError("inputs are an (n, d) matrix, rows = samples",
                              f"{name} has shape {A.shape}")


def check_unit_norm(X, tol: float = 1e-10) -> None:
    """Du et al. 2019, Sec. 3: ``||x_i||_2 = 1`` for every input."""
    A = _np(X)
    norms = np.linalg.norm(A, axis=1)
    bad = np.flatnonzero(np.abs(norms - 1) > tol)
    if bad.size:
        raise AssumptionError("unit-norm inputs ||x_i||_2 = 1 (Du et al. 2019, Sec. 3)",
                              f"{bad.size} rows are not unit norm, e.g. row {bad[0]} has norm {norms[bad[0]]:.6g}")


def max_abs_cosine(X) -> tuple[float, tuple[int, int]]:
    """max over i != j of abs(cos angle(x_i, x_j)), and the pair attaining it."""
    A = _np(X)
    if A.shape[0] < 2:
        return 0.0, (0, 0)
    norms = np.linalg.norm(A, axis=1)
    if np.any(norms == 0):
        i = int(np.flatnonzero(norms == 0)[0])
        raise AssumptionError("non-zero inputs", f"row {i} is the zero vector")
    U = A / norms[:, None]
    C = np.abs(U @ U.T)
    np.fill_diagonal(C, -1.0)
    k = int(np.argmax(C))
    i, j = divmod(k, C.shape[1])
    return float(C[i, j]), (i, j)


def min_angle(X) -> float:
    """Smallest angle (radians, in [0, pi/2]) between the lines spanned by two inputs,
    computed stably as 2·atan2(||u-v||, ||u+v||) for the unit vectors (v = ±u chosen closest)."""
    A = _np(X)
    U = A / np.linalg.norm(A, axis=1, keepdims=True)
    n = U.shape[0]
    best = np.pi / 2
    for i in range(n - 1):
        D = U[i + 1:] - U[i]
        S = U[i + 1:] + U[i]
        dn, sn = np.linalg.norm(D, axis=1), np.linalg.norm(S, axis=1)
        ang = 2 * np.arctan2(np.minimum(dn, sn), np.maximum(dn, sn))
        best = min(best, float(ang.min()))
    return best


def check_not_parallel(X, tol: float = 1e-12) -> None:
    """Du et al. 2019, Thm 3.1: no two inputs parallel (x_i ∦ x_j), needed for λ0 > 0.

    Antipodal pairs (x_j = -x_i) are parallel in this sense too; we flag them.
    """
    c, (i, j) = max_abs_cosine(X)
    if c >= 1 - tol:
        what = "duplicate" if float((_np(X)[i] * _np(X)[j]).sum()) > 0 else "antipodal"
        raise AssumptionError("no two inputs parallel (Du et al. 2019, Thm 3.1) => lambda0 > 0",
                              f"inputs {i} and {j} are parallel ({what}, |cos| = {c:.15f}); "
                              "H-infinity is then singular (lambda0 = 0)")


def check_labels(y, n: int, C: float | None = None) -> None:
    """Labels match the number of samples, are finite and, if ``C`` is given, ``|y_i| <= C``."""
    Y = _np(y)
    if Y.shape[0] != n:
        raise AssumptionError("one label per input", f"got {Y.shape[0]} labels for {n} inputs")
    check_finite(Y, "y")
    if C is not None and np.max(np.abs(Y)) > C:
        raise AssumptionError(f"bounded labels |y_i| <= C = {C} (Du et al. 2019, Sec. 3)",
                              f"max |y_i| = {np.max(np.abs(Y)):.6g}")


def validate(X, y=None, *, unit_norm: bool = True, non_parallel: bool = True, C: float | None = None) -> None:
    """Check every data assumption of Du et al. 2019 at once; raise the first that fails."""
    check_matrix(X)
    check_finite(X)
    if unit_norm:
        check_unit_norm(X)
    if non_parallel:
        check_not_parallel(X)
    if y is not None:
        check_labels(y, _np(X).shape[0], C)

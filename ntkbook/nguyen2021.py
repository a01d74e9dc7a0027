"""Nguyen 2021, Theorem 2.2 — the quantities (6)–(10) at a point θ0, exactly as printed.

Chapter helpers extend this module (the proof's per-iteration checks live beside it).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .kernels import sigma_min, spectral_norm
from .models import DeepReLU


@dataclass
class Theorem22:
    """Quantities of Nguyen 2021, Thm 2.2 at θ0 (all float64 scalars / arrays)."""
    L: int
    alpha0: float            # (6) σ_min(F_{L−1}(θ0)): the N-th singular value
    lam_bar: np.ndarray      # (6) λ̄_l = ‖W_l^0‖₂ + C_l, l = 1..L (index 0 ↔ l = 1)
    C: np.ndarray            # the constants C_l
    norm_X: float            # ‖X‖_F
    sqrt_2phi0: float        # √(2Φ(θ0)) = ‖F_L(θ0) − Y‖_F
    cond7: tuple             # (lhs, rhs) of (7) as printed
    cond8: tuple             # (lhs, rhs) of (8) as printed
    cond9: tuple             # (lhs, rhs) of (9) as printed
    eta_bound: float         # right-hand side of (10) as printed
    n_last: int              # n_{L−1}
    N: int

    def lam_prod(self, i: int, j: int) -> float:
        """λ̄_{i→j} = ∏_{l=i}^{j} λ̄_l (1-based, inclusive; 1 if i > j)."""
        return float(np.prod(self.lam_bar[i - 1:j])) if i <= j else 1.0

    @property
    def hypothesis_met(self) -> bool:
        """n_{L−1} ≥ N and (7), (8), (9) as printed all hold at θ0."""
        return (self.n_last >= self.N and self.cond7[0] >= self.cond7[1]
                and self.cond8[0] >= self.cond8[1] and self.cond9[0] >= self.cond9[1])

    @property
    def rate(self) -> float:
        """Contraction factor per step in (11) for η at the bound: 1 − η α0²/8 (use with a given η)."""
        return 1.0 - self.eta_bound * self.alpha0 ** 2 / 8


def theorem22(model: DeepReLU, params: dict, X: torch.Tensor, Y: torch.Tensor, C) -> Theorem22:
    """Evaluate (6)–(10) of Nguyen 2021 at θ0 = ``params`` for constants ``C`` = (C_1, …, C_L)."""
    L = model.L
    C = np.broadcast_to(np.asarray(C, dtype=np.float64), (L,)).copy()
    with torch.no_grad():
        F = model.features(params, X)
        alpha0 = sigma_min(F[L - 1])
        lam = np.array([spectral_norm(params[f"W{l}"]) for l in range(1, L + 1)]) + C
        nX = float(torch.linalg.norm(X))
        s2p = float(torch.linalg.norm(F[L] - Y))
    prod = lambda i, j: float(np.prod(lam[i - 1:j])) if i <= j else 1.0  # noqa: E731
    lamL = lam[L - 1]
    rhs7 = 16 * nX * max(prod(1, L) / (lam[l - 1] * C[l - 1]) for l in range(1, L + 1)) * s2p
    rhs8 = 32 * nX ** 2 * lamL * sum(prod(1, L - 1) ** 2 / lam[l - 1] ** 2 for l in range(1, L)) * s2p
    rhs9 = 16 * nX ** 2 * lamL ** 2 * sum(prod(1, L - 1) / lam[l - 1] ** 2 for l in range(1, L))
    inv2 = 1.0 / lam ** 2
    eta2 = nX ** -2 * prod(1, L) ** -2 * inv2[:L - 1].sum() * inv2.sum() ** -2
    eta_bound = min(8 / alpha0 ** 2 if alpha0 > 0 else np.inf, eta2)
    return Theorem22(L=L, alpha0=alpha0, lam_bar=lam, C=C, norm_X=nX, sqrt_2phi0=s2p,
                     cond7=(alpha0 ** 2, float(rhs7)), cond8=(alpha0 ** 3, float(rhs8)), cond9=(alpha0 ** 2, float(rhs9)),
                     eta_bound=float(eta_bound), n_last=model.widths[L - 1], N=X.shape[0])

"""Losses ℓ of the end-to-end matrix W = W₂W₁ (catalog X-1) and the chapter's test problem.

Both losses are μ-PL and L-smooth with ℓ* = 0 at W = Φ (the constants are our derivation)."""
from __future__ import annotations

import math

import numpy as np
import torch

from ..config import DTYPE
from ..errors import AssumptionError
from ..models import LinearNet


class SquaredLoss:
    """ℓ(W) = ½‖(W − Φ)Xᵀ‖_F² = ½‖X Wᵀ − X Φᵀ‖_F² (regression with realizable targets; ``X=None``
    means X = I, ℓ(W) = ½‖W − Φ‖_F²).  ∇ℓ(W) = (W − Φ)XᵀX.  ℓ is μ-PL and L-smooth with
    μ = λ_min(XᵀX), L = λ_max(XᵀX) (μ = L = 1 for X = I); ℓ* = 0 at W = Φ."""

    quadratic = True
    name = "squared"

    def __init__(self, Phi, X=None):
        Phi = torch.as_tensor(Phi, dtype=DTYPE)
        if Phi.ndim != 2 or not torch.isfinite(Phi).all():
            raise AssumptionError("target Φ is a finite k×d matrix", f"got shape {tuple(Phi.shape)}")
        self.Phi = Phi
        k, d = Phi.shape
        if X is None:
            self.S = torch.eye(d, dtype=DTYPE)
        else:
            X = torch.as_tensor(X, dtype=DTYPE)
            if X.ndim != 2 or X.shape[1] != d or not torch.isfinite(X).all():
                raise AssumptionError("inputs X are a finite N×d matrix", f"got {tuple(X.shape)}, d = {d}")
            self.S = X.T @ X
        ev = np.linalg.eigvalsh(self.S.numpy())
        if ev[0] <= d * np.finfo(float).eps * ev[-1]:
            raise AssumptionError("ℓ is μ-PL with μ > 0: needs XᵀX ≻ 0 (X of full column rank d)",
                                  f"λ_min(XᵀX) = {ev[0]:.3g}")
        self.mu, self.L = float(ev[0]), float(ev[-1])
        self.minimum = 0.0

    def __call__(self, W):
        R = W - self.Phi.to(W)
        return 0.5 * torch.sum((R @ self.S.to(W)) * R)

    def grad(self, W):
        return (W - self.Phi.to(W)) @ self.S.to(W)

    def hess_quad(self, W, V):
        """D²ℓ(W)[V, V] = ⟨V XᵀX, V⟩ (independent of W)."""
        return torch.sum((V @ self.S.to(V)) * V, dim=(-2, -1))


class PseudoHuberLoss:
    """ℓ(W) = Σ_ij ψ(W_ij − Φ_ij),  ψ(r) = (a/2) r² + b δ² (√(1 + (r/δ)²) − 1)  (pseudo-Huber plus
    quadratic; not quadratic for b > 0).  ψ'(r) = a r + b r/√(1 + (r/δ)²),
    ψ''(r) = a + b (1 + (r/δ)²)^{-3/2} ∈ (a, a + b]:  ℓ is a-strongly convex, hence μ-PL with
    μ = a, and L-smooth with L = a + b (our derivation); ℓ* = 0 at W = Φ."""

    quadratic = False
    name = "pseudo-Huber"

    def __init__(self, Phi, a: float = 0.25, b: float = 1.0, delta: float = 1.0):
        Phi = torch.as_tensor(Phi, dtype=DTYPE)
        if Phi.ndim != 2 or not torch.isfinite(Phi).all():
            raise AssumptionError("target Φ is a finite k×d matrix", f"got shape {tuple(Phi.shape)}")
        if not (a > 0 and b >= 0 and delta > 0):
            raise AssumptionError("ℓ is μ-PL and L-smooth: needs a > 0, b ≥ 0, δ > 0",
                                  f"a = {a}, b = {b}, δ = {delta}")
        self.Phi, self.a, self.b, self.delta = Phi, float(a), float(b), float(delta)
        self.mu, self.L = float(a), float(a + b)
        self.minimum = 0.0

    def __call__(self, W):
        R = W - self.Phi.to(W)
        return torch.sum(0.5 * self.a * R ** 2
                         + self.b * self.delta ** 2 * (torch.sqrt(1 + (R / self.delta) ** 2) - 1))

    def grad(self, W):
        R = W - self.Phi.to(W)
        return self.a * R + self.b * R / torch.sqrt(1 + (R / self.delta) ** 2)

    def hess_quad(self, W, V):
        """D²ℓ(W)[V, V] = Σ_ij ψ''(W_ij − Φ_ij) V_ij² (batched over leading dimensions)."""
        return torch.sum(self.second_derivative(W - self.Phi.to(W)) * V ** 2, dim=(-2, -1))

    def second_derivative(self, R):
        """ψ''(r) entrywise (for the μ, L derivation)."""
        return self.a + self.b * (1 + (R / self.delta) ** 2) ** -1.5


def random_target(k: int, d: int, seed: int, rank: int | None = None, scale: float = 1.0):
    """Φ = scale · U diag(s) Vᵀ with Gaussian factors; ``rank`` < min(k, d) gives a low-rank target."""
    g = torch.Generator().manual_seed(int(seed))
    r = min(k, d) if rank is None else int(rank)
    A = torch.randn(k, r, generator=g, dtype=DTYPE)
    B = torch.randn(r, d, generator=g, dtype=DTYPE)
    return scale * A @ B / math.sqrt(r)


def problem(d: int, k: int, h: int, N: int, seed: int, s1: float = 0.5, s2: float = 0.5, scale: float = 2.0):
    """The chapter's test problem: target Φ (k×d, Gaussian factors, ``scale``), inputs X (N×d,
    N(0, 1/N) entries), the two losses {"sq": SquaredLoss(Φ, X), "ph": PseudoHuberLoss(Φ, ¼, 1)}
    and an initialization θ₀ = LinearNet.init(d, h, k, seed, s1, s2)."""
    Phi = random_target(k, d, seed=seed + 1, scale=scale)
    X = torch.randn(N, d, generator=torch.Generator().manual_seed(seed + 2), dtype=DTYPE) / math.sqrt(N)
    losses = {"sq": SquaredLoss(Phi, X), "ph": PseudoHuberLoss(Phi, a=0.25, b=1.0)}
    return losses, LinearNet.init(d, h, k, seed=seed, s1=s1, s2=s2)


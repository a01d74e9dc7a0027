"""The four networks of the book, in functional form: ``init(...) -> params`` (a dict of float64
tensors) and ``forward(params, X)``, so that torch.autograd and torch.func apply directly.

Row convention: X is (N, d), one sample per row.

Device policy (:mod:`ntkbook.config`): ``init`` puts the parameters on ``dev`` (default
:func:`ntkbook.config.device`, the CPU unless ``NTKBOOK_DEVICE`` says otherwise); ``forward``,
``loss`` and ``grad_W`` move X and the targets to the device of the parameters they are given, so
CPU data from :mod:`ntkbook.data` works with parameters on any device. ``loss`` raises
:class:`ntkbook.errors.ShapeMismatchError` when the targets' shape is not the outputs' shape
(labels (N, 1) against outputs (N,) would broadcast to an N × N residual).
"""
from __future__ import annotations

import math

import torch

from .config import DTYPE, device, generator, on_device
from .errors import AssumptionError, ShapeMismatchError


def relu(z: torch.Tensor) -> torch.Tensor:
    """σ(z) = max(z, 0)."""
    return torch.relu(z)


def _data(X, param: torch.Tensor) -> torch.Tensor:
    """X on the device of ``param`` (a tensor keeps its dtype; arrays become tensors)."""
    return on_device(X, param.device, dtype=None)


def _targets(out: torch.Tensor, y, what: str) -> torch.Tensor:
    """y on out's device, with exactly out's shape (no silent broadcasting)."""
    y = on_device(y, out.device, dtype=None)
    if y.shape != out.shape:
        raise ShapeMismatchError(what, out.shape, y.shape)
    return y


class TwoLayerReLU:
    """Du et al. 2019, eq. (1): f(W, a, x) = (1/√m) Σ_r a_r σ(w_rᵀx); W is (m, d), a is (m,).

    ``train_a=False`` (Sec. 3.1, Thm 3.2/4.1): only W is trained, a is fixed.
    ``train_a=True`` (Sec. 3.2, Thm 3.3): both layers are trained.
    """

    def __init__(self, train_a: bool = False):
        self.train_a = train_a
        self.trainable = ("W", "a") if train_a else ("W",)

    @staticmethod
    def init(m: int, d: int, seed: int, dev=None) -> dict:
        """Du et al. Thm 3.2: w_r ~ N(0, I_d), a_r ~ unif{−1, +1}, i.i.d."""
        g = generator(seed)
        W = torch.randn(m, d, generator=g, dtype=DTYPE)
        a = 2.0 * torch.randint(0, 2, (m,), generator=g).to(DTYPE) - 1.0
        dev = dev or device()
        return {"W": W.to(dev), "a": a.to(dev)}

    @staticmethod
    def forward(params: dict, X: torch.Tensor) -> torch.Tensor:
        """u = (1/√m) σ(X Wᵀ) a, shape (N,)."""
        W, a = params["W"], params["a"]
        return relu(_data(X, W) @ W.T) @ a / math.sqrt(W.shape[0])

    def loss(self, params: dict, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Du et al. eq. (2): L = Σ_i ½ (f(W, a, x_i) − y_i)²; y has shape (N,) like the outputs."""
        u = self.forward(params, X)
        return 0.5 * (u - _targets(u, y, "one label per input: y has the shape (N,) of the "
                                         "outputs u (Du et al. eq. (2))")).pow(2).sum()

    @staticmethod
    def grad_W(params: dict, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Du et al. eq. (3): ∂L/∂w_r = (1/√m) Σ_i (u_i − y_i) a_r x_i 1{w_rᵀx_i ≥ 0}."""
        W, a = params["W"], params["a"]
        X = _data(X, W)
        Z = X @ W.T                                   # w_rᵀx_i, computed once
        u = relu(Z) @ a / math.sqrt(W.shape[0])
        y = _targets(u, y, "one label per input: y has the shape (N,) of the outputs u "
                           "(Du et al. eq. (3))")
        S = (Z >= 0).to(DTYPE)
        return ((S * (u - y)[:, None]).T @ X) * a[:, None] / math.sqrt(W.shape[0])


class DeepReLU:
    """Nguyen 2021, Sec. 2: F_0 = X, F_l = σ(F_{l−1} W_l) (l ∈ [L−1]), F_L = F_{L−1} W_L,
    W_l ∈ R^{n_{l−1}×n_l}; standard parameterization, all layers trained. ``widths`` = [n_0, …, n_L]."""

    def __init__(self, widths):
        widths = [int(w) for w in widths]
        if len(widths) < 3:
            raise ValueError("DeepReLU needs widths [n_0, n_1, ..., n_L] with L >= 2")
        self.widths = widths
        self.L = len(widths) - 1
        self.trainable = tuple(f"W{l}" for l in range(1, self.L + 1))

    def init(self, seed: int, stds=None, dev=None) -> dict:
        """W_l entries i.i.d. N(0, std_l²); default LeCun std_l = 1/√n_{l−1} (Nguyen eq. (19)/(25))."""
        g = generator(seed)
        stds = stds or [1.0 / math.sqrt(self.widths[l - 1]) for l in range(1, self.L + 1)]
        if len(stds) != self.L:
            raise ValueError(f"need {self.L} standard deviations, got {len(stds)}")
        dev = dev or device()
        return {f"W{l}": (stds[l - 1] * torch.randn(self.widths[l - 1], self.widths[l], generator=g,
                                                     dtype=DTYPE)).to(dev)
                for l in range(1, self.L + 1)}

    def features(self, params: dict, X: torch.Tensor) -> list:
        """[F_0, F_1, …, F_L]."""
        F = [_data(X, params["W1"])]
        for l in range(1, self.L):
            F.append(relu(F[-1] @ params[f"W{l}"]))
        F.append(F[-1] @ params[f"W{self.L}"])
        return F

    def forward(self, params: dict, X: torch.Tensor) -> torch.Tensor:
        """F_L ∈ R^{N×n_L}."""
        return self.features(params, X)[-1]

    def loss(self, params: dict, X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
        """Nguyen eq. (1): Φ(θ) = ½ ‖F_L(θ) − Y‖_F²; Y has the shape (N, n_L) of F_L."""
        F = self.forward(params, X)
        return 0.5 * (F - _targets(F, Y, "targets Y have the shape (N, n_L) of F_L "
                                         "(Nguyen 2021, eq. (1))")).pow(2).sum()


class SharedTwoLayer:
    """Two-layer ReLU with a shared first layer and vector output (catalog U-1):
    F(X) = (1/√m) σ(XW) V ∈ R^{N×n}, W ∈ R^{d×m}, V ∈ R^{m×n}; both layers trained."""

    trainable = ("W", "V")

    @staticmethod
    def init(d: int, m: int, n: int, seed: int, s_W: float = 1.0, s_V: float = 1.0,
             coupled: bool = False, dev=None) -> dict:
        """W_ij ~ N(0, s_W²), V_rk ~ N(0, s_V²). ``coupled=True``: the antisymmetric initialization
        W = [W̃, W̃], V = [Ṽ; −Ṽ] (m even), so F(X) = 0 at initialization."""
        g = generator(seed)
        if coupled:
            if m % 2:
                raise AssumptionError("coupled initialization needs an even width m", f"m = {m}")
            Wt = s_W * torch.randn(d, m // 2, generator=g, dtype=DTYPE)
            Vt = s_V * torch.randn(m // 2, n, generator=g, dtype=DTYPE)
            W, V = torch.cat([Wt, Wt], 1), torch.cat([Vt, -Vt], 0)
        else:
            W = s_W * torch.randn(d, m, generator=g, dtype=DTYPE)
            V = s_V * torch.randn(m, n, generator=g, dtype=DTYPE)
        dev = dev or device()
        return {"W": W.to(dev), "V": V.to(dev)}

    @staticmethod
    def forward(params: dict, X: torch.Tensor) -> torch.Tensor:
        W, V = params["W"], params["V"]
        return relu(_data(X, W) @ W) @ V / math.sqrt(W.shape[1])

    def loss(self, params: dict, X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
        """Φ = ½ ‖F(X) − Y‖_F²; Y has the shape (N, n) of F(X)."""
        F = self.forward(params, X)
        return 0.5 * (F - _targets(F, Y, "targets Y have the shape (N, n) of F(X)")).pow(2).sum()


class LinearNet:
    """Two-layer linear network (Xu et al. 2025): f(x) = W₂W₁x, W₁ ∈ R^{h×d}, W₂ ∈ R^{k×h};
    the loss is ℓ(W₂W₁) for a loss ℓ of the end-to-end matrix."""

    trainable = ("W1", "W2")

    @staticmethod
    def init(d: int, h: int, k: int, seed: int, s1: float = 1.0, s2: float = 1.0, dev=None) -> dict:
        """W₁ entries N(0, s1²/d)·…: here simply i.i.d. N(0, s1²) and N(0, s2²); scales are explicit."""
        g = generator(seed)
        dev = dev or device()
        return {"W1": (s1 * torch.randn(h, d, generator=g, dtype=DTYPE)).to(dev),
                "W2": (s2 * torch.randn(k, h, generator=g, dtype=DTYPE)).to(dev)}

    @staticmethod
    def product(params: dict) -> torch.Tensor:
        """End-to-end matrix W = W₂W₁ ∈ R^{k×d}."""
        return params["W2"] @ params["W1"]

    @staticmethod
    def forward(params: dict, X: torch.Tensor) -> torch.Tensor:
        """Rows f(x_i)ᵀ = x_iᵀ W₁ᵀ W₂ᵀ, shape (N, k)."""
        return _data(X, params["W1"]) @ params["W1"].T @ params["W2"].T

    @staticmethod
    def imbalance(params: dict) -> torch.Tensor:
        """D = W₁W₁ᵀ − W₂ᵀW₂ (catalog X-4), conserved by gradient flow."""
        return params["W1"] @ params["W1"].T - params["W2"].T @ params["W2"]

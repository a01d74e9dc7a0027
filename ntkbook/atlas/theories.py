"""Every use of a chapter's functions by the atlas, in one place (the chapters are the source).

Four theories, each with its model, initialization, limiting kernel and required width:

* ``du`` — Du et al. 2019, Theorem 4.1: f = (1/√m) Σ a_r σ(w_rᵀx), a_r = ±1 fixed, w_r ~ N(0, I),
  only W trained; kernel H∞; required width :func:`ntkbook.du2019.m_theorem` (explicit constants,
  δ = 0.1, the chapter's derivation);
* ``nguyen`` — Nguyen 2021, §3.2: two layers at LeCun's initialization (19). With unit-norm rows
  (the paper's ``||x_i|| = √d`` divided by √d, absorbed by W_1 ~ N(0, 1/d)) this *is*
  F = σ(XW)V/√m with W, V ~ N(0, 1) — :class:`ntkbook.models.SharedTwoLayer` with s_W = s_V = 1,
  independent (not coupled) draws; both layers trained; kernel H∞ + G∞. Required widths: as
  printed, n_1 = N²/λ*² ("constant 1"), and as the errata page corrects it, n_1 ≥ 32·N·d;
* ``unbalanced`` — the ICLR 2026 submission (our reconstruction, as the chapter makes it): the same
  model with the coupled unbalanced initialization ρ = s_W/s_V = 4, s_W s_V = 1; kernel
  s_V²H∞ + s_W²G∞; required width the chapter's m_claim = ⌈(Nn/λ̄) ln(Nn)⌉
  (:func:`ntkbook.unbalanced2026.claimed_width`, constant 1, one log, λ̄ the chapter's normalized λ);
* Xu et al. 2025 (deep *linear* networks) has no width requirement of this kind and enters the
  atlas only in prose.

Only the package top levels are imported (``from ntkbook import du2019``).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .. import du2019, kernels, models
from .. import nguyen2021 as ng
from .. import unbalanced2026 as unb
from ..config import DTYPE, to_numpy

__all__ = ["THEORIES", "MEASURED", "RHO", "scales", "kernel", "step_and_budget", "losses",
           "required_widths", "lambda_star", "du_hypothesis", "unbalanced_hypothesis",
           "nguyen_hypothesis"]

#: theories with a required width, in display order (Nguyen as printed and as corrected)
THEORIES = ("du", "nguyen_printed", "nguyen_corrected", "unbalanced")
#: theories whose networks the atlas trains
MEASURED = ("du", "nguyen", "unbalanced")
#: the unbalanced chapter's ratio s_W / s_V (its "unbalanced side")
RHO = 4.0
#: Du et al.'s failure probability for the explicit width
DELTA_DU = 0.1


def scales(theory: str) -> tuple[float, float, bool]:
    """(s_W, s_V, coupled) of the SharedTwoLayer initialization of ``nguyen`` / ``unbalanced``."""
    if theory == "nguyen":
        return 1.0, 1.0, False
    if theory == "unbalanced":
        return RHO ** 0.5, RHO ** -0.5, True
    raise ValueError(f"theory {theory!r} has no SharedTwoLayer scales")


def kernel(theory: str, X) -> np.ndarray:
    """The limiting NTK (N × N) of the theory's model on unit-norm rows ``X``: H∞ for ``du``
    (:func:`ntkbook.kernels.h_infinity`), s_V²H∞ + s_W²G∞ for the others
    (:func:`ntkbook.unbalanced2026.limiting_factor`)."""
    if theory == "du":
        return kernels.h_infinity(X)
    s_W, s_V, _ = scales(theory)
    return unb.limiting_factor(X, s_W, s_V)


def step_and_budget(theory: str, X, eps: float) -> tuple[float, int, float, float]:
    """The practical step η = 1/λ_max(K∞) and budget T = ⌈κ ln(1/ε)⌉ (twice what GD on the
    limiting kernel needs to reach ε); returns (η, T, λ_min, λ_max) of the theory's kernel."""
    K = kernel(theory, X)
    lo, hi = kernels.lambda_min(K), kernels.lambda_max(K)
    if lo <= kernels.eig_tolerance(K):
        from ..errors import AssumptionError
        raise AssumptionError(f"limiting kernel of {theory!r} positive definite",
                              f"lambda_min = {lo:.3e}")
    return 1.0 / hi, int(math.ceil(hi / lo * math.log(1.0 / eps))), lo, hi


def losses(theory: str, X, y, m: int, seeds, eta: float, steps: int, eps: float) -> np.ndarray:
    """Training losses (one row per seed, columns t = 0 … steps) of GD on the theory's model:
    :func:`ntkbook.du2019.batched_gd_losses` for ``du``; :func:`ntkbook.unbalanced2026.init_batch`
    + :func:`~ntkbook.unbalanced2026.gd_batch` (stopping once every run reached ε) otherwise."""
    if theory == "du":
        return du2019.batched_gd_losses(X, y, m, list(seeds), eta, steps)
    s_W, s_V, coupled = scales(theory)
    Y = torch.as_tensor(to_numpy(y), dtype=DTYPE).reshape(len(y), -1)
    W, V = unb.init_batch(X.shape[1], m, Y.shape[1], list(seeds), s_W, s_V, coupled=coupled)
    L, _, _ = unb.gd_batch(X, Y, W, V, eta, steps, stop_eps=eps)
    return L


def reached(L, eps: float) -> np.ndarray:
    """Per run: did the loss reach ε·(initial loss) within the budget
    (:func:`ntkbook.unbalanced2026.first_below`)?"""
    return np.isfinite(unb.first_below(L, eps))


def lambda_star(X) -> float:
    """Nguyen's λ* (§3.2, below (21)) of unit-norm rows, evaluated on ``√d · X`` (‖x_i‖ = √d)."""
    A = to_numpy(X)
    return float(ng.lambda_star(A * math.sqrt(A.shape[1])))


def required_widths(X, y) -> dict:
    """The width each theory asks for on (X, y) (N rows, one output):

    * ``du`` — :func:`ntkbook.du2019.m_theorem` (N, λ0, ‖y‖², δ = 0.1);
    * ``nguyen_printed`` — N²/λ*² (§3.2's Ω(N²λ*^{-2}) with constant 1);
    * ``nguyen_corrected`` — 32·N·d (the errata page's necessary width for (18));
    * ``unbalanced`` — the chapter's m_claim (:func:`ntkbook.unbalanced2026.width_hypothesis`,
      :func:`~ntkbook.unbalanced2026.claimed_width` of N, one output and the chapter's normalized
      λ of the ρ = 4 kernel).
    """
    N, d = X.shape
    lam0 = kernels.lambda0(X)
    ls = lambda_star(X)
    s_W, s_V, _ = scales("unbalanced")
    return {"du": float(du2019.m_theorem(N, lam0, float(torch.as_tensor(y).pow(2).sum()),
                                         DELTA_DU)),
            "nguyen_printed": float(N ** 2 / ls ** 2),
            "nguyen_corrected": float(32 * N * d),
            "unbalanced": float(unb.width_hypothesis(X, 1, 0, s_W, s_V)[1])}


def du_hypothesis(X, m: int, eta: float, y) -> bool:
    """Theorem 4.1's hypothesis with the chapter's constants
    (:func:`ntkbook.du2019.thm41_hypothesis`): m ≥ m_thm and η ≤ c_max(n)λ0/n²."""
    N = X.shape[0]
    lam0 = kernels.lambda0(X)
    m_thm = du2019.m_theorem(N, lam0, float(torch.as_tensor(y).pow(2).sum()), DELTA_DU)
    return bool(du2019.thm41_hypothesis(N, m, lam0, eta, m_thm))


def unbalanced_hypothesis(X, m: int) -> bool:
    """The unbalanced chapter's hypothesis (:func:`ntkbook.unbalanced2026.width_hypothesis`):
    m ≥ m_claim on the unbalanced side."""
    s_W, s_V, _ = scales("unbalanced")
    return unb.width_hypothesis(X, 1, m, s_W, s_V)[0]


def nguyen_hypothesis(X, y, m: int, seeds) -> bool:
    """Theorem 2.2's hypothesis for L = 2 — n_1 ≥ N and (16)–(18), with (9) both as printed and
    as the proof needs it (:func:`ntkbook.nguyen2021.hypothesis_met_corrected`), C = 1 — at
    LeCun draws (:func:`~ntkbook.nguyen2021.lecun_two_layer`) of width ``m`` for every seed, in
    the paper's scaling ‖x_i‖ = √d. The draws have the distribution of the trained networks
    (not the same random numbers), and the step size is not part of the check."""
    A = to_numpy(X)
    N, d = A.shape
    Xs = torch.as_tensor(A * math.sqrt(d), dtype=DTYPE)
    Y = torch.as_tensor(to_numpy(y), dtype=DTYPE).reshape(N, 1)
    for seed in seeds:
        params = ng.lecun_two_layer(d, int(m), 1, int(seed))
        t = ng.theorem22(models.DeepReLU([d, int(m), 1]), params, Xs, Y, C=1.0)
        if not ng.hypothesis_met_corrected(t):
            return False
    return True

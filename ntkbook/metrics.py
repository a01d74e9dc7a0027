"""Per-iteration metrics for :mod:`ntkbook.training` (pass them as ``record={name: metric}``; each
is a function ``(params, k) -> value`` computed only when recorded). Data captured by a metric is
moved to the device of the parameters it is built from."""
from __future__ import annotations

import torch

from .config import DTYPE, on_device
from .kernels import gram, lambda_min


def max_neuron_distance(params0: dict, name: str = "W", axis: int = 1):
    """max_r ‖w_r(k) − w_r(0)‖₂ (Du et al. Lemma 3.3 / Cor. 4.1); rows are neurons when axis=1
    (Du's W is (m, d)); use axis=0 for a (d, m) layer whose columns are neurons."""
    W0 = params0[name].detach().clone()

    def metric(params, k):
        return float((params[name] - W0).norm(dim=axis).max())
    return metric


def layer_distance(params0: dict, name: str, norm: str = "fro"):
    """‖W_l(k) − W_l(0)‖ (Frobenius by default, ``norm=2`` for spectral) — Nguyen 2021, N-7."""
    W0 = params0[name].detach().clone()

    def metric(params, k):
        D = params[name] - W0
        return float(torch.linalg.matrix_norm(D, ord=norm if norm == "fro" else 2))
    return metric


def pattern_change_fraction(X, params0: dict, name: str = "W"):
    """(1/(mn)) Σ_i Σ_r 1{sign(w_r(0)ᵀx_i) ≠ sign(w_r(k)ᵀx_i)} (Du et al. Sec. 5, Fig. 1b)."""
    X = on_device(X, params0[name].device)
    S0 = X @ params0[name].detach().T >= 0

    def metric(params, k):
        return float(((X @ params[name].T >= 0) != S0).to(DTYPE).mean())
    return metric


def gram_lambda_min(X, name: str = "W"):
    """λ_min(H(W(k))) of Du et al.'s Gram matrix along the run."""
    def metric(params, k):
        return lambda_min(gram(X, params[name]))
    return metric

"""Nguyen 2021, Lemma 2.1: eqs. (4) and (5), and a property-based search for a violation.
"""
from __future__ import annotations

import numpy as np
import torch

from ..errors import AssumptionError
from ..kernels import spectral_norm
from ..models import DeepReLU
from ..training import gradients
from .theorem22 import CONTROL_A, SOURCE, _check_inputs


def lemma21_eq4(model: DeepReLU, params: dict, X, Y) -> tuple[np.ndarray, np.ndarray]:
    """Eq. (4) for every l: (‖∇_{W_l}Φ‖_F, ‖X‖_F ∏_{p≠l}‖W_p‖₂ ‖F_L − Y‖_F), arrays of length L."""
    _check_inputs(model, params, X, Y)
    _, g = gradients(lambda p: model.loss(p, X, Y), params, model.trainable)
    norms = np.array([spectral_norm(params[f"W{l}"]) for l in range(1, model.L + 1)])
    with torch.no_grad():
        res = float(torch.linalg.norm(model.forward(params, X) - Y))
    nX = float(torch.linalg.norm(X))
    lhs = np.array([float(torch.linalg.norm(g[f"W{l}"])) for l in range(1, model.L + 1)])
    rhs = np.array([nX * np.prod(np.delete(norms, l - 1)) * res for l in range(1, model.L + 1)])
    return lhs, rhs


def lemma21_eq5(model: DeepReLU, pa: dict, pb: dict, X, lam_bar=None) -> tuple[np.ndarray, np.ndarray]:
    """Eq. (5) for every l ∈ [L], read with the product λ̄_{1→l} = ∏_{p=1}^{l} λ̄_p (the printed
    ∏_{l=1}^{l} λ̄_l has an index clash): (‖F_l(θ_a) − F_l(θ_b)‖_F,
    ‖X‖_F λ̄_{1→l} Σ_{p≤l} λ̄_p^{-1}‖W_p^a − W_p^b‖₂). Default λ̄_p = max(‖W_p^a‖₂, ‖W_p^b‖₂)
    (the tightest admissible); a given ``lam_bar`` must dominate both norms."""
    _check_inputs(model, pa, X, None)
    _check_inputs(model, pb, X, None)
    L = model.L
    na = np.array([spectral_norm(pa[f"W{l}"]) for l in range(1, L + 1)])
    nb = np.array([spectral_norm(pb[f"W{l}"]) for l in range(1, L + 1)])
    lam = np.maximum(na, nb) if lam_bar is None else np.asarray(lam_bar, dtype=np.float64)
    if np.any(lam < np.maximum(na, nb) * (1 - 1e-12)):
        raise AssumptionError("max(||W_l^a||_2, ||W_l^b||_2) <= lambda_bar_l (Lemma 2.1)", f"lam_bar = {lam}")
    if np.any(lam <= 0):
        raise AssumptionError("lambda_bar_l > 0 (Lemma 2.1 divides by it)", f"lam_bar = {lam}")
    dW = np.array([spectral_norm(pa[f"W{l}"] - pb[f"W{l}"]) for l in range(1, L + 1)])
    with torch.no_grad():
        Fa, Fb = model.features(pa, X), model.features(pb, X)
    nX = float(torch.linalg.norm(X))
    lhs = np.array([float(torch.linalg.norm(Fa[l] - Fb[l])) for l in range(1, L + 1)])
    rhs = np.array([nX * np.prod(lam[:l]) * np.sum(dW[:l] / lam[:l]) for l in range(1, L + 1)])
    return lhs, rhs


def random_pair(model: DeepReLU, seed: int, scale_a: float = 1.0, scale_b: float = 1.0, dist: float = 0.1):
    """A pair (θ_a, θ_b): θ_a LeCun × scale_a (per-layer), θ_b = scale_b·θ_a + dist·(LeCun noise)."""
    pa = model.init(seed)
    pa = {k: scale_a * v for k, v in pa.items()}
    noise = model.init(seed + 10_000)
    pb = {k: scale_b * pa[k] + dist * noise[k] for k in pa}
    return pa, pb


LEMMA21_IDS = {"4": "nguyen2021.eq4", "5": "nguyen2021.eq5"}


def check_lemma21(ledger, eq: str, lhs, rhs, *, case=None, factor: float = 1.0, note: str = ""):
    """Record eq. (4) or (5) of Lemma 2.1 (arrays over pairs × layers): lhs ≤ factor·rhs, as
    ``nguyen2021.eq4`` / ``nguyen2021.eq5`` (kind step: the proof of Theorem 2.2 uses both).
    Unconditional ((5) with λ̄_p = max(‖W_p^a‖₂, ‖W_p^b‖₂), which :func:`lemma21_eq5` enforces),
    so hypothesis_met is None. ``factor`` < 1 tightens the bound (the negative control)."""
    stmt = {"4": r"\|\nabla_{W_l}\Phi\|_F\le\|X\|_F\prod_{p\ne l}\|W_p\|_2\|F_L-Y\|_F",
            "5": r"\|F_l(\theta_a)-F_l(\theta_b)\|_F\le\|X\|_F\bar\lambda_{1\to l}"
                 r"\sum_{p\le l}\bar\lambda_p^{-1}\|W^a_p-W^b_p\|_2"}[eq]
    return ledger.check(LEMMA21_IDS[eq], kind="step", case=case, lhs=np.ravel(lhs), rel="<=",
                        rhs=factor * np.ravel(rhs), statement=stmt,
                        source=f"{SOURCE}, Lemma 2.1, eq. ({eq})", provenance="paper",
                        hypothesis_met=None, rtol=1e-10, note=note,
                        control=CONTROL_A + "test_lemma21_holds_and_tightened_bound_fails",
                        depends_on=["nguyen2021-lemma-2-1"])


def check_lemma21_search(ledger, max_examples: int = 60, factor: float = 1.0, seed: int = 0,
                         report: dict | None = None, case=None):
    """Run :func:`hypothesis_search_lemma21` and record ``nguyen2021.eq4_eq5.search``: the worst
    ratio LHS/(factor·RHS) over the examples is ≤ 1 (kind step). Where the search reaches the
    equality cases of (4)–(5) the worst ratio is 1 to rounding and the record is *unresolved*
    (the constants are tight). Returns (record, worst, number of examples, counterexample)."""
    worst, n, example = hypothesis_search_lemma21(max_examples=max_examples, factor=factor,
                                                  seed=seed, report=report)
    rec = ledger.check("nguyen2021.eq4_eq5.search", kind="step", case=case, lhs=worst, rel="<=",
                       rhs=1.0, rtol=1e-10,
                       statement=r"\max_{\text{examples}}\ \text{LHS}/\text{RHS of (4), (5)}\le1",
                       source=f"{SOURCE}, Lemma 2.1 (hypothesis search)", provenance="paper",
                       hypothesis_met=None,
                       note=f"{n} examples, derandomized, factor {factor}; not certified: at an "
                            "exact equality (width-one layers attain both bounds) enclosures of "
                            "the two sides overlap, so ball arithmetic cannot decide it",
                       control=CONTROL_A + "test_hypothesis_search_finds_no_violation_but_finds_one_when_tightened",
                       depends_on=["nguyen2021-lemma-2-1"])
    return rec, worst, n, example


def hypothesis_search_lemma21(max_examples: int = 60, factor: float = 1.0, seed: int = 0, report: dict | None = None):
    """Property-based search (``hypothesis``, derandomized) for a violation of (4) or (5):
    draws depth, widths, weight scales, perturbation size, data and labels; returns
    (worst ratio LHS/(factor·RHS) seen, number of examples, counterexample description or None);
    ``report`` (a dict), if given, receives the example with the worst ratio."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    worst = {"ratio": 0.0, "n": 0, "example": None}

    @settings(max_examples=max_examples, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(L=st.integers(2, 5), w=st.lists(st.integers(1, 12), min_size=6, max_size=6),
           N=st.integers(1, 8), s=st.integers(0, 10_000), sa=st.floats(0.05, 5.0), sb=st.floats(0.05, 5.0),
           dist=st.floats(0.0, 3.0), xs=st.floats(0.01, 10.0))
    def prop(L, w, N, s, sa, sb, dist, xs):
        widths = w[:L + 1]
        model = DeepReLU(widths)
        g = torch.Generator().manual_seed(seed * 1_000_003 + s)
        X = xs * torch.randn(N, widths[0], generator=g, dtype=torch.float64)
        Y = torch.randn(N, widths[-1], generator=g, dtype=torch.float64)
        pa, pb = random_pair(model, s, sa, sb, dist)
        l4, r4 = lemma21_eq4(model, pa, X, Y)
        l5, r5 = lemma21_eq5(model, pa, pb, X)
        lhs, rhs = np.concatenate([l4, l5]), factor * np.concatenate([r4, r5])
        tol = 1e-10 * np.maximum(np.abs(lhs), np.abs(rhs)) + 1e-300
        ratio = np.where(rhs > 0, lhs / np.maximum(rhs, 1e-300), np.where(lhs > tol, np.inf, 0.0))
        worst["n"] += 1
        if ratio.max() > worst["ratio"]:
            worst["ratio"] = float(ratio.max())
            if report is not None:
                report.update(widths=widths, N=N, seed=s, scale_a=sa, scale_b=sb, dist=dist, x_scale=xs,
                              ratio=float(ratio.max()), which="(4)" if np.argmax(ratio) < L else "(5)")
        assert np.all(lhs <= rhs + tol), f"widths={widths}, N={N}, seed={s}, ratio={ratio.max():.6g}"

    try:
        prop()
    except AssertionError as err:
        worst["example"] = str(err).splitlines()[0]
    return worst["ratio"], worst["n"], worst["example"]

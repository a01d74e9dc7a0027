"""Nguyen 2021, Theorem 2.2 — the quantities (6)–(10) at a point θ0, exactly as printed, and the
checks of its proof: the starting point (2)–(3), Lemma 2.1, the per-iteration trace of the proof
and the corrected condition (9) (book/nguyen2021/01–04, 08).

Every ``check_*`` function records claims with literal ids, a kind (:class:`ntkbook.ledger.Kind`)
and, for the falsifiable kinds, the negative control in ``tests/test_nguyen2021_a.py`` that makes
the same function report a violation. Where a compared difference is of the order of float64
rounding, the checks pass the run's numerical resolution (``resolution=``, float64 eps times the
magnitudes involved), so such comparisons are recorded *unresolved*, never *holds*.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp
import torch

from .errors import AssumptionError
from .kernels import empirical_ntk, lambda_min, sigma_min, spectral_norm
from .ledger import FALSIFIABLE
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
    return _quantities(L, alpha0, lam, C, nX, s2p, n_last=model.widths[L - 1], N=X.shape[0])


def _quantities(L: int, alpha0: float, lam, C, nX: float, s2p: float, n_last: int, N: int) -> Theorem22:
    """(6)–(10) from α0, λ̄_l = ‖W_l^0‖₂ + C_l, C_l, ‖X‖_F and √(2Φ(θ0))."""
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
                     eta_bound=float(eta_bound), n_last=n_last, N=N)


# ------------------------------------------------------------------------------------------------
# Chapter extensions (book/nguyen2021/01–04, 08): the starting point (2)–(3), Lemma 2.1, the
# per-iteration trace of the proof of Theorem 2.2, and the corrected condition (9).
# ------------------------------------------------------------------------------------------------

SOURCE = "Nguyen 2021"


def _check_inputs(model: DeepReLU, params: dict, X, Y):
    if not isinstance(model, DeepReLU):
        raise TypeError("model must be an ntkbook.models.DeepReLU")
    if X.ndim != 2 or X.shape[1] != model.widths[0]:
        raise AssumptionError("X is N x n_0 (Nguyen 2021, eq. (1))", f"X {tuple(X.shape)}, n_0 = {model.widths[0]}")
    if Y is not None and (Y.ndim != 2 or Y.shape != (X.shape[0], model.widths[-1])):
        raise AssumptionError("Y is N x n_L (Nguyen 2021, eq. (1))", f"Y {tuple(Y.shape)}")
    for l in range(1, model.L + 1):
        W = params[f"W{l}"]
        if tuple(W.shape) != (model.widths[l - 1], model.widths[l]):
            raise AssumptionError("W_l is n_{l-1} x n_l", f"W{l} has shape {tuple(W.shape)}")
        if not torch.isfinite(W).all():
            raise AssumptionError("finite weights", f"W{l} contains NaN/inf")
    if not torch.isfinite(X).all():
        raise AssumptionError("finite inputs", "X contains NaN/inf")


# --- (2)–(3): the output-layer block of the NTK ---------------------------------------------------
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
    from .training import gradients
    phi, g = gradients(lambda p: model.loss(p, X, Y), params, model.trainable)
    grad_sq = float(sum(float((v ** 2).sum()) for v in g.values()))
    K = full_ntk(model, params, X)
    with torch.no_grad():
        F = model.features(params, X)[model.L - 1]
    return {"grad_sq": grad_sq, "phi": float(phi), "lam_min_K": lambda_min(K),
            "lam_min_FFt": sigma_min(F) ** 2, "lam_min_FtF": lambda_min((F.T @ F).cpu().numpy())}


CONTROL_A = "tests/test_nguyen2021_a.py::"


def check_eq3(ledger, case: str, model, params, X, Y, factor: float = 1.0):
    """Record ``nguyen2021.eq2.pl`` (‖∇Φ‖² ≥ 2λ_min(K)Φ) and ``nguyen2021.eq3``
    (λ_min(K) ≥ λ_min(F_{L−1}F_{L−1}ᵀ)) for the configuration ``case``. Both hold by construction
    (∇Φ = Jᵀr with K = JJᵀ; K is a sum of positive semidefinite blocks one of which is
    I ⊗ F_{L−1}F_{L−1}ᵀ): kind identity. ``factor`` > 1 multiplies both right-hand sides (the
    test that the check can fail)."""
    q = eq3_quantities(model, params, X, Y)
    note = f"factor {factor}" if factor != 1 else ""
    r1 = ledger.check("nguyen2021.eq2.pl", kind="identity", case=case, lhs=q["grad_sq"], rel=">=",
                      rhs=factor * 2 * q["lam_min_K"] * q["phi"],
                      statement=r"\|\nabla\Phi(\theta)\|_2^2\ge 2\lambda_{\min}(K(\theta))\Phi(\theta)",
                      source=f"{SOURCE}, Sec. 1", provenance="paper", hypothesis_met=None,
                      rtol=1e-10, note=note)
    r2 = ledger.check("nguyen2021.eq3", kind="identity", case=case, lhs=q["lam_min_K"], rel=">=",
                      rhs=factor * q["lam_min_FFt"],
                      statement=r"\lambda_{\min}(K)\ge\lambda_{\min}(F_{L-1}F_{L-1}^\top)",
                      source=f"{SOURCE}, eq. (3)", provenance="paper", hypothesis_met=None,
                      rtol=1e-10, note=note)
    return q, r1, r2


# --- Lemma 2.1 -----------------------------------------------------------------------------------
def lemma21_eq4(model: DeepReLU, params: dict, X, Y) -> tuple[np.ndarray, np.ndarray]:
    """Eq. (4) for every l: (‖∇_{W_l}Φ‖_F, ‖X‖_F ∏_{p≠l}‖W_p‖₂ ‖F_L − Y‖_F), arrays of length L."""
    _check_inputs(model, params, X, Y)
    from .training import gradients
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
                       hypothesis_met=None, note=f"{n} examples, derandomized, factor {factor}",
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


# --- Theorem 2.2: the corrected condition (9) and the proof constants ---------------------------
def proof_constants(t: Theorem22) -> dict:
    """The constants of the proof, with their prefactors (catalog N-10/N-11):
    q1 = ‖X‖_F² λ̄_{1→L}² Σ_{l≤L} λ̄_l^{-2} (the printed "Q₁"), q2 = ‖X‖_F² λ̄_{1→L−1}² λ̄_L² Σ_{l<L} λ̄_l^{-2}
    (the printed "Q₂"), and eta10 = q2 / q1², the second term of (10)."""
    L, lam, nX = t.L, t.lam_bar, t.norm_X
    inv2 = 1.0 / lam ** 2
    q1 = nX ** 2 * t.lam_prod(1, L) ** 2 * inv2.sum()
    q2 = nX ** 2 * t.lam_prod(1, L - 1) ** 2 * lam[L - 1] ** 2 * inv2[:L - 1].sum()
    return {"q1": float(q1), "q2": float(q2), "eta10": float(q2 / q1 ** 2)}


def cond9_needed(t: Theorem22) -> tuple[float, float]:
    """What the last step of the proof (N-11, "by (9)") needs: 1 − η(α0²/4 − 2q2) ≤ 1 − ηα0²/8, i.e.
    α0² ≥ 16 q2 = 16‖X‖_F² λ̄_L² Σ_{l<L} λ̄_{1→L−1}² / λ̄_l² — (9) with λ̄_{1→L−1} SQUARED.
    Returns (lhs, rhs) = (α0², 16 q2)."""
    return t.alpha0 ** 2, 16 * proof_constants(t)["q2"]


def cond9_literal(t: Theorem22) -> tuple[float, float]:
    """What the literally expanded one-step bound needs (our derivation): with
    Φ_{k+1} ≤ [1 − ηα0²/2 + η²q1² + 2ηq2]Φ_k and ηq1² ≤ q2 (by (10)), the rate 1 − ηα0²/8 follows
    iff α0² ≥ 8 q2. Returns (α0², 8 q2)."""
    return t.alpha0 ** 2, 8 * proof_constants(t)["q2"]


def conditions_symbolic() -> dict:
    """sympy: the last step of the proof, the printed first line vs the literal expansion, and
    the gap between (9) as printed and (9) as needed. Returns simplified expressions."""
    eta, a, q1, q2, lamprod = sp.symbols("eta alpha_0 q_1 q_2 lambda_prod", positive=True)
    printed = 1 - eta * a ** 2 / 4 + eta ** 2 * q1 ** 2 + eta * q2
    literal = 1 - eta * a ** 2 / 2 + eta ** 2 * q1 ** 2 + 2 * eta * q2
    second = 1 - eta * (a ** 2 / 4 - 2 * q2)
    target = 1 - eta * a ** 2 / 8
    # with q2 = lamprod * q2_printed where q2_printed is the printed (9)'s sum (λ̄_{1→L−1} unsquared)
    return {
        "literal_minus_printed": sp.factor(sp.expand(literal - printed)),           # η(q2 − α0²/4)
        "printed_minus_second": sp.factor(sp.expand(printed - second)),             # η(ηq1² − q2)
        "second_minus_target": sp.factor(sp.expand(second - target)),               # η(2q2 − α0²/8)
        "needed_9": sp.solve(sp.Eq(second, target), a ** 2),                        # α0² = 16 q2
        "literal_target": sp.factor(sp.expand(literal.subs(eta ** 2 * q1 ** 2, eta * q2) - target)),
        "symbols": (eta, a, q1, q2, lamprod),
    }


def cond9_sympy_gap(L: int = 3):
    """sympy: (needed RHS) / (printed RHS) of (9) for symbolic λ̄_1..λ̄_L, ‖X‖_F; it simplifies to λ̄_{1→L−1}."""
    lam = sp.symbols(f"lambda1:{L + 1}", positive=True)
    nX = sp.symbols("X_F", positive=True)
    P = sp.Mul(*lam[:L - 1])
    printed = 16 * nX ** 2 * lam[L - 1] ** 2 * sum(P / lam[l] ** 2 for l in range(L - 1))
    needed = 16 * nX ** 2 * lam[L - 1] ** 2 * sum(P ** 2 / lam[l] ** 2 for l in range(L - 1))
    return sp.simplify(needed / printed), printed, needed


# --- Initializations ----------------------------------------------------------------------------
def beta_scaled_init(model: DeepReLU, seed: int, X, Y, C: float = 1.0, margin: float = 1.05,
                     use_needed_9: bool = True, beta_max: float = 1e8) -> tuple[dict, float, Theorem22]:
    """§3.1: θ̃0 = (βW_1^0, …, βW_{L−1}^0, W_L = 0) from a LeCun draw, with the smallest β (×``margin``)
    on a geometric grid refined by bisection for which (7), (8), (9) — and, if ``use_needed_9``,
    the corrected (9) of :func:`cond9_needed` — hold. Returns (params, β, theorem22(...))."""
    base = model.init(seed)
    L = model.L

    def point(b):
        return {k: (b * v if k != f"W{L}" else torch.zeros_like(v)) for k, v in base.items()}

    def ok(b):
        t = theorem22(model, point(b), X, Y, C)
        good = t.hypothesis_met
        if use_needed_9:
            l9, r9 = cond9_needed(t)
            good = good and l9 >= r9
        return good

    hi = 1.0
    while not ok(hi):
        hi *= 2
        if hi > beta_max:
            raise AssumptionError("(7)-(9) reachable by beta-scaling (Sec. 3.1): alpha_0 > 0",
                                  f"no beta <= {beta_max:g} works (is n_(L-1) >= N and F_(L-1) full rank?)")
    lo = hi / 2
    for _ in range(40):
        mid = math.sqrt(lo * hi)
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    beta = hi * margin
    p = point(beta)
    return p, beta, theorem22(model, p, X, Y, C)


# --- The proof of Theorem 2.2 along a GD run ----------------------------------------------------
EPS = float(np.finfo(np.float64).eps)


@dataclass
class ProofTrace:
    """Every quantity of the proof of Thm 2.2 at every iteration k = 0..K (arrays indexed by k;
    per-layer arrays have shape (K+1, L); one-step arrays have length K, for the step k → k+1)."""
    t: Theorem22
    eta: float
    phi: np.ndarray            # Φ(θ_k)
    W_norm: np.ndarray         # ‖W_l^k‖₂
    W_fro: np.ndarray          # ‖W_l^k‖_F
    F_fro: np.ndarray          # ‖F_{L−1}^k‖_F
    sigma: np.ndarray          # σ_min(F_{L−1}^k)
    drift: np.ndarray          # ‖W_l^k − W_l^0‖_F
    drift_spec: np.ndarray     # ‖W_l^k − W_l^0‖₂
    grad_sum: np.ndarray       # η Σ_{s<k} ‖∇_{W_l}Φ(θ_s)‖_F
    geom_bound: np.ndarray     # η ‖X‖ λ̄_{1→L} λ̄_l^{-1} Σ_{s<k} u^s ‖F_L^0 − Y‖_F
    drift_bound: np.ndarray    # 16/α0² ‖X‖ λ̄_{1→L} λ̄_l^{-1} ‖F_L^0 − Y‖_F  (per l, constant in k)
    F_drift: np.ndarray        # ‖F_{L−1}^k − F_{L−1}^0‖_F
    F_drift_mid: np.ndarray    # ‖X‖ λ̄_{1→L−1} Σ_{l<L} λ̄_l^{-1} ‖W_l^k − W_l^0‖₂   (by (5))
    F_drift_bound: float       # 16/α0² ‖X‖² λ̄_{1→L−1} λ̄_{1→L} Q2 √(2Φ0)            (≤ α0/2 by (8))
    identity_lhs: np.ndarray   # 2Φ(θ_{k+1})
    identity_rhs: np.ndarray   # 2Φ_k + ‖ΔF_L‖² + 2tr((F_L^{k+1} − G)Rᵀ) + 2tr((G − F_L^k)Rᵀ)
    termA: np.ndarray          # ‖F_L^{k+1} − F_L^k‖_F
    termA_mid: np.ndarray      # ‖X‖ λ̄_{1→L} Σ λ̄_l^{-1} ‖W_l^{k+1} − W_l^k‖₂
    termA_bound: np.ndarray    # η q1 ‖F_L^k − Y‖_F
    termB: np.ndarray          # tr((F_L^{k+1} − G)(F_L^k − Y)ᵀ)
    termB_mid: np.ndarray      # ‖F_{L−1}^{k+1} − F_{L−1}^k‖_F ‖W_L^{k+1}‖₂ ‖F_L^k − Y‖_F
    termB_bound: np.ndarray    # η q2 ‖F_L^k − Y‖_F²
    termC: np.ndarray          # tr((G − F_L^k)(F_L^k − Y)ᵀ)
    termC_formula: np.ndarray  # −η tr((F_{L−1}^k)ᵀ R Rᵀ F_{L−1}^k)
    termC_bound: np.ndarray    # −η α0²/4 ‖F_L^k − Y‖_F²
    q1: float
    q2: float
    widths: tuple = ()
    diverged: bool = False

    @property
    def steps(self) -> int:
        return self.phi.size - 1

    @property
    def rho(self) -> float:
        """The rate of (11): 1 − η α0²/8."""
        return 1.0 - self.eta * self.t.alpha0 ** 2 / 8

    @property
    def hypothesis_met(self) -> bool:
        """Theorem 2.2's hypotheses at θ0 with (9) as the proof needs it: n_{L−1} ≥ N, (7), (8),
        (9) as printed, (9*) (:func:`cond9_needed`) and η < (10)."""
        return bool(hypothesis_met_corrected(self.t) and self.eta < self.t.eta_bound)

    def bound11(self) -> np.ndarray:
        """Φ(θ0)(1 − ηα0²/8)^k, without rounding 1 − ηα0²/8 to 1."""
        r = self.eta * self.t.alpha0 ** 2 / 8
        return self.phi[0] * np.exp(np.arange(self.phi.size) * np.log1p(-min(r, 1 - 1e-16)))

    def chain(self) -> dict:
        """Factors of the final chain (N-11), per step: the actual ratio Φ_{k+1}/Φ_k, the printed
        first line 1 − ηα0²/4 + η²q1² + ηq2, the literal expansion 1 − ηα0²/2 + η²q1² + 2ηq2, the
        printed second line 1 − η(α0²/4 − 2q2) and the target 1 − ηα0²/8 (the constant factors
        are scalars: they do not depend on k)."""
        e, a2 = self.eta, self.t.alpha0 ** 2
        return {"actual": self.phi[1:] / self.phi[:-1],
                "printed": float(1 - e * a2 / 4 + e ** 2 * self.q1 ** 2 + e * self.q2),
                "literal": float(1 - e * a2 / 2 + e ** 2 * self.q1 ** 2 + 2 * e * self.q2),
                "second": float(1 - e * (a2 / 4 - 2 * self.q2)),
                "target": float(1 - e * a2 / 8)}

    def resolutions(self) -> dict:
        """The numerical resolution (absolute, float64) of each compared quantity, per iteration:
        eps times the magnitudes involved.

        * ``W`` (K+1, L): a weight drift ‖W_l^k − W_l^0‖: k updates each rounded to eps‖W_l‖_F
          (an update below the rounding of W_l is lost — it accumulates linearly in k);
        * ``F`` (K+1,): ‖F_{L−1}^k − F_{L−1}^0‖: the weight rounding carried through (5), plus the
          rounding of two forward passes, eps·(L−1)·√n_max·‖F_{L−1}‖_F each;
        * ``FL`` (K+1,): F_L^k = F_{L−1}^kW_L^k (the matmul's rounding and the inputs' errors);
        * ``loss`` (K+1,): Φ_k = ½‖F_L^k − Y‖²: ‖F_L^k − Y‖·FL plus eps·N·n_L·Φ_k;
        * ``mm`` (K,): a product F_{L−1}W_L^{k+1} against Rᵀ: eps·√n_{L−1}·‖F_{L−1}^k‖_F‖W_L^{k+1}‖_F·e_k
          (the identities with G = F_{L−1}^kW_L^{k+1} difference two such products).
        """
        L = self.t.L
        k = np.arange(self.phi.size, dtype=np.float64)
        n_max = max(self.widths) if self.widths else 1
        n_last = self.t.n_last
        Wmax = np.maximum.accumulate(self.W_fro, axis=0)
        res_W = EPS * (k[:, None] + 2) * Wmax
        lam = self.t.lam_bar
        prop = self.t.norm_X * self.t.lam_prod(1, L - 1) * np.sum(res_W[:, :L - 1] / lam[:L - 1], axis=1)
        fwd = EPS * (L - 1) * math.sqrt(n_max) * np.maximum.accumulate(self.F_fro)
        res_F = prop + 2 * fwd
        WL = self.W_fro[:, L - 1]
        res_FL = (EPS * math.sqrt(n_last) * self.F_fro * WL + (prop + fwd) * self.W_norm[:, L - 1]
                  + self.F_fro * res_W[:, L - 1])
        e = np.sqrt(2 * self.phi)
        N, nL = self.t.N, (self.widths[-1] if self.widths else 1)
        res_loss = e * res_FL + EPS * N * nL * self.phi
        K = self.phi.size - 1
        mm = EPS * math.sqrt(n_last) * self.F_fro[:K] * WL[1:K + 1] * e[:K]
        return {"W": res_W, "F": res_F, "FL": res_FL, "loss": res_loss, "mm": mm}


def loss_resolution(model: DeepReLU, params: dict, X, Y, k: int) -> float:
    """The float64 resolution of Φ(θ_k) after k GD steps — the ``loss`` entry of
    :meth:`ProofTrace.resolutions` at one iterate (current norms in place of running maxima)."""
    L = model.L
    with torch.no_grad():
        F = model.features(params, X)
        e = float(torch.linalg.norm(F[L] - Y))
        Ff = float(torch.linalg.norm(F[L - 1]))
    Wf = np.array([float(torch.linalg.norm(params[f"W{l}"])) for l in range(1, L + 1)])
    Ws = np.array([spectral_norm(params[f"W{l}"]) for l in range(1, L + 1)])
    res_W = EPS * (k + 2) * Wf
    nX = float(torch.linalg.norm(X))
    prop = nX * float(np.prod(Ws[:L - 1])) * float(np.sum(res_W[:L - 1] / Ws[:L - 1]))
    fwd = EPS * (L - 1) * math.sqrt(max(model.widths)) * Ff
    res_FL = EPS * math.sqrt(model.widths[L - 1]) * Ff * Wf[L - 1] + (prop + fwd) * Ws[L - 1] + Ff * res_W[L - 1]
    return float(e * res_FL + EPS * X.shape[0] * model.widths[-1] * 0.5 * e ** 2)


def gd_step(model: DeepReLU, params: dict, X, Y, eta: float) -> tuple[dict, dict]:
    """One GD step θ_{k+1} = θ_k − η∇Φ(θ_k) (all layers trained); returns (new params, gradients)."""
    from .training import gradients
    _, g = gradients(lambda p: model.loss(p, X, Y), params, model.trainable)
    return {k: (params[k] - eta * g[k]).detach() for k in params}, g


def proof_trace(model: DeepReLU, params: dict, X, Y, C, eta: float, steps: int) -> ProofTrace:
    """Run GD from θ0 = ``params`` with step ``eta`` for ``steps`` iterations and record, at EVERY
    iteration, every quantity the proof of Thm 2.2 bounds (see :class:`ProofTrace`)."""
    _check_inputs(model, params, X, Y)
    if not (eta > 0 and math.isfinite(eta)):
        raise AssumptionError("eta > 0 (Nguyen 2021, (10))", f"eta = {eta}")
    t = theorem22(model, params, X, Y, C)
    if t.alpha0 <= 0:
        raise AssumptionError("alpha_0 = sigma_min(F_{L-1}(theta_0)) > 0 (needs n_{L-1} >= N)",
                              f"alpha0 = {t.alpha0}, n_(L-1) = {t.n_last}, N = {t.N}")
    L, lam, nX = model.L, t.lam_bar, t.norm_X
    pc = proof_constants(t)
    q1, q2 = pc["q1"], pc["q2"]
    P1L, P1L1 = t.lam_prod(1, L), t.lam_prod(1, L - 1)
    res0 = t.sqrt_2phi0
    u2 = 1 - eta * t.alpha0 ** 2 / 8
    u = math.sqrt(u2) if u2 > 0 else float("nan")
    drift_bound = 16 / t.alpha0 ** 2 * nX * P1L / lam * res0
    F_drift_bound = 16 / t.alpha0 ** 2 * nX ** 2 * P1L1 * P1L * np.sum(1 / lam[:L - 1] ** 2) * res0

    P0 = {k: v.detach().clone() for k, v in params.items()}
    with torch.no_grad():
        F0 = model.features(P0, X)
    rec = {k: [] for k in ("phi", "W_norm", "W_fro", "F_fro", "sigma", "drift", "drift_spec",
                           "grad_sum", "geom_bound", "F_drift", "F_drift_mid", "identity_lhs",
                           "identity_rhs", "termA", "termA_mid", "termA_bound", "termB", "termB_mid",
                           "termB_bound", "termC", "termC_formula", "termC_bound")}
    p = P0
    gsum = np.zeros(L)
    geom = 0.0
    diverged = False
    with torch.no_grad():
        F = model.features(p, X)
    for k in range(steps + 1):
        R = F[L] - Y
        e = float(torch.linalg.norm(R))
        rec["phi"].append(0.5 * e ** 2)
        rec["W_norm"].append([spectral_norm(p[f"W{l}"]) for l in range(1, L + 1)])
        rec["W_fro"].append([float(torch.linalg.norm(p[f"W{l}"])) for l in range(1, L + 1)])
        rec["F_fro"].append(float(torch.linalg.norm(F[L - 1])))
        rec["sigma"].append(sigma_min(F[L - 1]))
        dW0 = [p[f"W{l}"] - P0[f"W{l}"] for l in range(1, L + 1)]
        rec["drift"].append([float(torch.linalg.norm(d)) for d in dW0])
        ds = [spectral_norm(d) for d in dW0]
        rec["drift_spec"].append(ds)
        rec["grad_sum"].append(gsum.copy())
        rec["geom_bound"].append(eta * nX * P1L / lam * geom * res0)
        rec["F_drift"].append(float(torch.linalg.norm(F[L - 1] - F0[L - 1])))
        rec["F_drift_mid"].append(nX * P1L1 * float(np.sum(np.array(ds[:L - 1]) / lam[:L - 1])))
        if k == steps:
            break
        if not math.isfinite(e) or e > 1e150:
            diverged = True
            break
        p_new, g = gd_step(model, p, X, Y, eta)
        gsum += np.array([float(torch.linalg.norm(g[f"W{l}"])) for l in range(1, L + 1)]) * eta
        geom += u ** k if u == u else float("nan")
        with torch.no_grad():
            Fn = model.features(p_new, X)
            G = F[L - 1] @ p_new[f"W{L}"]
            dFL = Fn[L] - F[L]
            rec["identity_lhs"].append(float((Fn[L] - Y).pow(2).sum()))
            tB = float(((Fn[L] - G) * R).sum())
            tC = float(((G - F[L]) * R).sum())
            rec["identity_rhs"].append(e ** 2 + float(dFL.pow(2).sum()) + 2 * tB + 2 * tC)
            rec["termA"].append(float(torch.linalg.norm(dFL)))
            dWk = [spectral_norm(p_new[f"W{l}"] - p[f"W{l}"]) for l in range(1, L + 1)]
            rec["termA_mid"].append(nX * P1L * float(np.sum(np.array(dWk) / lam)))
            rec["termA_bound"].append(eta * q1 * e)
            rec["termB"].append(tB)
            rec["termB_mid"].append(float(torch.linalg.norm(Fn[L - 1] - F[L - 1]))
                                    * spectral_norm(p_new[f"W{L}"]) * e)
            rec["termB_bound"].append(eta * q2 * e ** 2)
            rec["termC"].append(tC)
            rec["termC_formula"].append(-eta * float((F[L - 1].T @ R).pow(2).sum()))
            rec["termC_bound"].append(-eta * t.alpha0 ** 2 / 4 * e ** 2)
        p, F = p_new, Fn
    arr = {k: np.asarray(v, dtype=np.float64) for k, v in rec.items()}
    return ProofTrace(t=t, eta=float(eta), drift_bound=np.asarray(drift_bound),
                      F_drift_bound=float(F_drift_bound), q1=q1, q2=q2,
                      widths=tuple(model.widths), diverged=diverged, **arr)


def rate_resolution(phi, bound, res):
    """Resolution of the comparison Φ_k ≤ B_k = (1 − ηα0²/8)^kΦ_0 of (11): ``res`` (the loss's
    rounding), widened at every k where the certified decrease Φ_0 − B_k is itself below ``res``
    and Φ_k ≤ B_k. There the bound cannot be told from Φ_0, so the comparison would test only
    Φ_k ≤ Φ_0, not the rate (11): such elements are recorded unresolved. A Φ_k above B_k by more
    than ``res`` is still a violation."""
    phi, bound, res = (np.asarray(a, dtype=np.float64) for a in (phi, bound, res))
    res = np.broadcast_to(res, phi.shape)
    blind = (phi[0] - bound <= res) & (phi <= bound)
    return np.where(blind, res + (bound - phi), res)


# the literal ids of the proof's steps, by name; ``kind`` and ``depends_on`` make the proof graph
TRACE_STEPS = {
    "eq11": ("nguyen2021.eq11", "conclusion",
             ["nguyen2021.chain.printed", "nguyen2021.chain.eq10", "nguyen2021.chain.eq9",
              "nguyen2021.eq12.sigma_min", "nguyen2021.eq12.W_norm"]),
    "eq12.W_norm": ("nguyen2021.eq12.W_norm", "step", ["nguyen2021.eq13", "nguyen2021.drift.actual_C"]),
    "eq12.sigma_min": ("nguyen2021.eq12.sigma_min", "step",
                       ["nguyen2021.F_drift.eq5", "nguyen2021.F_drift.bound", "nguyen2021.F_drift.eq8"]),
    "drift.triangle": ("nguyen2021.drift.triangle", "identity", []),
    "drift.eq4": ("nguyen2021.drift.eq4", "step", ["nguyen2021.eq4", "nguyen2021.eq10"]),
    "drift.geom_sum": ("nguyen2021.drift.geom_sum", "identity", []),
    "drift.C": ("nguyen2021.drift.C", "assumption", ["nguyen2021.eq7"]),
    "drift.actual_C": ("nguyen2021.drift.actual_C", "step",
                       ["nguyen2021.drift.triangle", "nguyen2021.drift.eq4", "nguyen2021.drift.geom_sum",
                        "nguyen2021.drift.C"]),
    "eq13": ("nguyen2021.eq13", "identity", []),
    "F_drift.eq5": ("nguyen2021.F_drift.eq5", "step", ["nguyen2021.eq5", "nguyen2021.eq12.W_norm"]),
    "F_drift.bound": ("nguyen2021.F_drift.bound", "step",
                      ["nguyen2021.drift.eq4", "nguyen2021.drift.geom_sum"]),
    "F_drift.eq8": ("nguyen2021.F_drift.eq8", "assumption", ["nguyen2021.eq8"]),
    "step.identity": ("nguyen2021.step.identity", "identity", []),
    "step.termA.eq5": ("nguyen2021.step.termA.eq5", "step", ["nguyen2021.eq5", "nguyen2021.eq12.W_norm"]),
    "step.termA": ("nguyen2021.step.termA", "step", ["nguyen2021.step.termA.eq5", "nguyen2021.eq4"]),
    "step.termB.eq5": ("nguyen2021.step.termB.eq5", "identity", []),
    "step.termB": ("nguyen2021.step.termB", "step",
                   ["nguyen2021.step.termB.eq5", "nguyen2021.eq5", "nguyen2021.eq4", "nguyen2021.eq13"]),
    "step.termC.identity": ("nguyen2021.step.termC.identity", "identity", []),
    "step.termC": ("nguyen2021.step.termC", "step",
                   ["nguyen2021.step.termC.identity", "nguyen2021.eq12.sigma_min"]),
    "chain.printed": ("nguyen2021.chain.printed", "step",   # follows from the literal line under (9*)
                      ["nguyen2021.chain.literal", "nguyen2021.chain.eq9",
                       "nguyen2021.errata.chain_line1"]),
    "chain.literal": ("nguyen2021.chain.literal", "step",
                      ["nguyen2021.step.identity", "nguyen2021.step.termA", "nguyen2021.step.termB",
                       "nguyen2021.step.termC"]),
    "chain.eq10": ("nguyen2021.chain.eq10", "assumption", ["nguyen2021.eq10"]),
    "chain.eq9": ("nguyen2021.chain.eq9", "assumption", ["nguyen2021.eq9.needed"]),
}
# the same steps observed where the hypotheses do not hold (a run outside Theorem 2.2)
TRACE_BEYOND = {"eq11": "nguyen2021.eq11.beyond", "eq12.W_norm": "nguyen2021.eq12.W_norm.beyond",
                "eq12.sigma_min": "nguyen2021.eq12.sigma_min.beyond"}
# and where a hypothesis is dropped on purpose so that they must fail
TRACE_COUNTER = {"eq11": "nguyen2021.eq11.counterexample",
                 "eq12.W_norm": "nguyen2021.eq12.W_norm.counterexample"}
TRACE_CONTROLS = {
    "eq11": "test_step_size_beyond_stability_breaks_the_proof",
    "eq12.W_norm": "test_step_size_beyond_stability_breaks_the_proof",
    "eq12.sigma_min": "test_large_step_breaks_sigma_min_and_the_third_term",
    "drift.eq4": "test_step_size_beyond_stability_breaks_the_proof",
    "drift.C": "test_conditions_7_8_9_violated_break_their_steps",
    "drift.actual_C": "test_step_size_beyond_stability_breaks_the_proof",
    "F_drift.eq5": "test_tightened_constants_break_the_steps",
    "F_drift.bound": "test_step_size_beyond_stability_breaks_the_proof",
    "F_drift.eq8": "test_conditions_7_8_9_violated_break_their_steps",
    "step.termA.eq5": "test_tightened_constants_break_the_steps",
    "step.termA": "test_tightened_constants_break_the_steps",
    "step.termB": "test_step_size_beyond_stability_breaks_the_proof",
    "step.termC": "test_large_step_breaks_sigma_min_and_the_third_term",
    "chain.printed": "test_tightened_constants_break_the_steps",
    "chain.literal": "test_tightened_constants_break_the_steps",
    "chain.eq10": "test_step_size_beyond_stability_breaks_the_proof",
    "chain.eq9": "test_conditions_7_8_9_violated_break_their_steps",
}


def _tightened(name, rel, rhs, tighten, tr):
    """The right-hand side of a step with its constant strengthened by ``tighten``."""
    if name == "eq11":
        r = tighten * tr.eta * tr.t.alpha0 ** 2 / 8
        k = np.arange(1, tr.phi.size) if tr.phi.size > 1 else np.zeros(1)
        return tr.phi[0] * np.exp(k * np.log1p(-min(r, 1 - 1e-16)))
    if name in ("chain.printed", "chain.literal"):      # the decrease -ηα0²/4 (-ηα0²/2) x tighten
        c = 4 if name == "chain.printed" else 2
        return rhs - (tighten - 1) * tr.eta * tr.t.alpha0 ** 2 / c
    if rel == ">=":
        return rhs * tighten
    return np.where(rhs >= 0, rhs / tighten, rhs * tighten)


def check_proof_trace(ledger, case: str, tr: ProofTrace, *, variant: str | None = None,
                      only=None, note: str = "", tighten: float = 1.0) -> dict:
    """Record every step of the proof of Thm 2.2 along the run ``tr`` (catalog N-5 … N-11) under
    the literal ids of ``TRACE_STEPS``, with the run as ``case``; ``only`` restricts to some
    step names. ``hypothesis_met`` is computed (:attr:`ProofTrace.hypothesis_met`).

    Kinds: the conclusion (11); the proof's steps (the invariants (12), the drift, F-drift and
    term bounds, the chain's first line); identities, true by construction (the triangle
    inequality, the geometric sum, Weyl (13), the decomposition with G, Cauchy–Schwarz, the third
    term's formula); and the hypotheses in the form the proof uses them (assumptions, evaluated
    once: (7) per layer, (8), η ≤ q2/q1², (9*) as 16q2 ≤ α0²).

    ``variant="beyond"`` records (11) and (12) of a run outside the hypotheses under their own ids
    (``TRACE_BEYOND``), ``variant="counterexample"`` as claims that must fail
    (``TRACE_COUNTER``). Comparisons carry the run's resolution (:meth:`ProofTrace.resolutions`,
    :func:`rate_resolution`): at rounding level they are *unresolved*.

    ``tighten`` > 1 strengthens the constant of every step and of (11) by that factor (a bound
    B ≥ 0 becomes B/tighten, a negative one B·tighten, a lower bound B·tighten, a contraction
    factor's decrease ηα0²/4 (/2) is multiplied by tighten, the rate ηα0²/8 becomes tighten·ηα0²/8): the negative
    control of steps that no broken hypothesis reaches."""
    t = tr.t
    S = f"{SOURCE}, proof of Thm 2.2"
    n = f"eta = {tr.eta:.4g}, {tr.steps} steps" + (f"; {note}" if note else "")
    a0 = t.alpha0
    K = len(tr.termA)
    res = tr.resolutions()
    hyp = tr.hypothesis_met
    one = tr.phi.size > 1
    b11 = tr.bound11()
    res11 = rate_resolution(tr.phi, b11, res["loss"])
    items = {
        "eq11": (tr.phi[1:] if one else tr.phi, "<=", b11[1:] if one else b11,
                 res11[1:] if one else res11,
                 r"\Phi(\theta_k)\le(1-\eta\alpha_0^2/8)^k\Phi(\theta_0)", f"{SOURCE}, Thm 2.2, eq. (11)"),
        "eq12.W_norm": (tr.W_norm, "<=", np.broadcast_to(t.lam_bar, tr.W_norm.shape), res["W"],
                        r"\|W_l^r\|_2\le\bar\lambda_l", f"{S}, eq. (12)"),
        "eq12.sigma_min": (tr.sigma, ">=", np.full(tr.sigma.shape, a0 / 2), res["F"],
                           r"\sigma_{\min}(F_{L-1}^r)\ge\alpha_0/2", f"{S}, eq. (12)"),
        "drift.triangle": (tr.drift, "<=", tr.grad_sum, res["W"],
                           r"\|W_l^{k}-W_l^0\|_F\le\eta\sum_{s<k}\|\nabla_{W_l}\Phi(\theta_s)\|_F",
                           f"{S}, drift (triangle)"),
        "drift.eq4": (tr.grad_sum, "<=", tr.geom_bound, None,
                      r"\eta\sum_s\|\nabla_{W_l}\Phi(\theta_s)\|_F\le\eta\|X\|_F\bar\lambda_{1\to L}"
                      r"\bar\lambda_l^{-1}\sum_s u^s\|F_L^0-Y\|_F", f"{S}, drift via (4) and (12)"),
        "drift.geom_sum": (tr.geom_bound, "<=", np.broadcast_to(tr.drift_bound, tr.geom_bound.shape),
                           None, r"\eta\sum_{s\le k}u^s\le16/\alpha_0^2", f"{S}, geometric sum"),
        "drift.C": (tr.drift_bound, "<=", t.C, None,
                    r"\frac{16}{\alpha_0^2}\|X\|_F\bar\lambda_{1\to L}\bar\lambda_l^{-1}"
                    r"\|F_L^0-Y\|_F\le C_l", f"{S}, by (7)"),
        "drift.actual_C": (tr.drift, "<=", np.broadcast_to(t.C, tr.drift.shape), res["W"],
                           r"\|W_l^{k}-W_l^0\|_F\le C_l", f"{S}, drift"),
        "eq13": (tr.W_norm, "<=", tr.W_norm[:1] + tr.drift, res["W"],
                 r"\|W_l^{k}\|_2\le\|W_l^0\|_2+\|W_l^k-W_l^0\|_F", f"{S}, eq. (13) (Weyl)"),
        "F_drift.eq5": (tr.F_drift, "<=", tr.F_drift_mid, res["F"],
                        r"\|F_{L-1}^{k}-F_{L-1}^0\|_F\le\|X\|_F\bar\lambda_{1\to L-1}\sum_{l<L}"
                        r"\bar\lambda_l^{-1}\|W_l^{k}-W_l^0\|_2", f"{S}, by (5)"),
        "F_drift.bound": (tr.F_drift_mid, "<=", np.full(tr.F_drift_mid.shape, tr.F_drift_bound),
                          res["F"], r"\dots\le\frac{16}{\alpha_0^2}\|X\|_F^2\bar\lambda_{1\to L-1}"
                          r"\bar\lambda_{1\to L}\sum_{l<L}\bar\lambda_l^{-2}\sqrt{2\Phi(\theta_0)}",
                          f"{S}, drift bound"),
        "F_drift.eq8": (tr.F_drift_bound, "<=", a0 / 2, None,
                        r"\frac{16}{\alpha_0^2}\|X\|_F^2\bar\lambda_{1\to L-1}\bar\lambda_{1\to L}"
                        r"Q_2\sqrt{2\Phi(\theta_0)}\le\alpha_0/2", f"{S}, by (8)"),
        "chain.eq10": (tr.eta * tr.q1 ** 2, "<=", tr.q2, None,
                       r"\eta q_1^2\le q_2\ (\Leftrightarrow 1-\eta\frac{\alpha_0^2}4+\eta^2q_1^2+\eta q_2"
                       r"\le1-\eta(\frac{\alpha_0^2}4-2q_2))", f"{S}, final chain 'by (10)'"),
        "chain.eq9": (16 * tr.q2, "<=", a0 ** 2, None,
                      r"16q_2\le\alpha_0^2\ (\Leftrightarrow 1-\eta(\frac{\alpha_0^2}4-2q_2)\le"
                      r"1-\eta\frac{\alpha_0^2}8)", f"{S}, final chain 'by (9)', i.e. (9*)"),
    }
    if K:
        ch = tr.chain()
        d_phi = (res["loss"][1:] + res["loss"][:-1]) / tr.phi[:-1]
        e = np.sqrt(2 * tr.phi[:-1])
        mm = res["mm"]
        FLs = res["FL"][:-1] + res["FL"][1:]
        dW = EPS * 2 * tr.W_fro[:-1]
        res_mid = t.norm_X * t.lam_prod(1, t.L) * np.sum(dW / t.lam_bar, axis=1)
        items.update({
            "step.identity": (tr.identity_lhs, "==", tr.identity_rhs,
                              4 * e * (FLs + 2 * mm) + 4 * EPS * t.N * tr.widths[-1] * (tr.phi[:-1] + tr.phi[1:]),
                              r"2\Phi(\theta_{k+1})=2\Phi(\theta_k)+\|F_L^{k+1}-F_L^k\|_F^2"
                              r"+2\mathrm{tr}(F_L^{k+1}-G)(F_L^k-Y)^\top+2\mathrm{tr}(G-F_L^k)(F_L^k-Y)^\top",
                              f"{S}, decomposition with G = F_(L-1)^k W_L^(k+1)"),
            "step.termA.eq5": (tr.termA, "<=", tr.termA_mid, FLs + res_mid,
                               r"\|F_L^{k+1}-F_L^k\|_F\le\|X\|_F\bar\lambda_{1\to L}\sum_l\bar\lambda_l^{-1}"
                               r"\|W_l^{k+1}-W_l^k\|_2", f"{S}, by (5)"),
            "step.termA": (tr.termA_mid, "<=", tr.termA_bound, res_mid,
                           r"\dots\le\eta\|X\|_F^2\bar\lambda_{1\to L}^2Q_1\|F_L^k-Y\|_F", f"{S}, by (4)"),
            "step.termB.eq5": (tr.termB, "<=", tr.termB_mid, 2 * mm,
                               r"\mathrm{tr}(F_L^{k+1}-G)(F_L^k-Y)^\top\le\|F_{L-1}^{k+1}-F_{L-1}^k\|_F"
                               r"\|W_L^{k+1}\|_2\|F_L^k-Y\|_F", f"{S}, Cauchy-Schwarz"),
            "step.termB": (tr.termB_mid, "<=", tr.termB_bound,
                           (res["F"][:-1] + res["F"][1:]) * tr.W_norm[1:, -1] * e,
                           r"\dots\le\eta\|X\|_F^2\bar\lambda_{1\to L-1}^2\bar\lambda_L^2Q_2\|F_L^k-Y\|_F^2",
                           f"{S}, by (5), (13)"),
            "step.termC.identity": (tr.termC, "==", tr.termC_formula, 3 * mm,
                                    r"\mathrm{tr}(G-F_L^k)(F_L^k-Y)^\top=-\eta\,\mathrm{tr}"
                                    r"((F_{L-1}^k)^\top RR^\top F_{L-1}^k)", f"{S}, third term"),
            "step.termC": (tr.termC, "<=", tr.termC_bound, 3 * mm,
                           r"\mathrm{tr}(G-F_L^k)(F_L^k-Y)^\top\le-\eta\frac{\alpha_0^2}4\|F_L^k-Y\|_F^2",
                           f"{S}, third term"),
            "chain.printed": (ch["actual"], "<=", np.full(K, ch["printed"]), d_phi,
                              r"\Phi(\theta_{k+1})\le[1-\eta\alpha_0^2/4+\eta^2Q_1^2+\eta Q_2]\Phi(\theta_k)",
                              f"{S}, final chain, line 1 as printed"),
            "chain.literal": (ch["actual"], "<=", np.full(K, ch["literal"]), d_phi,
                              r"\Phi(\theta_{k+1})\le[1-\eta\alpha_0^2/2+\eta^2Q_1^2+2\eta Q_2]\Phi(\theta_k)",
                              f"{S}, line 1 expanded literally (our derivation)"),
        })
    prov = {"chain.literal": "derived", "chain.eq9": "derived"}
    ids = {"beyond": TRACE_BEYOND, "counterexample": TRACE_COUNTER}.get(variant)
    if variant is not None and ids is None:
        raise ValueError(f"variant must be None, 'beyond' or 'counterexample', got {variant!r}")
    out = {}
    for name, (lhs, rel, rhs, resolution, stmt, src) in items.items():
        if only is not None and name not in only:
            continue
        claim_id, kind, deps = TRACE_STEPS[name]
        if tighten != 1.0 and kind in ("step", "conclusion"):
            rhs = _tightened(name, rel, np.asarray(rhs, dtype=np.float64), tighten, tr)
        if variant is not None:
            if name not in ids:
                raise ValueError(f"step {name!r} has no {variant} id (see TRACE_BEYOND, TRACE_COUNTER)")
            claim_id, deps = ids[name], []
            kind = "counterexample" if variant == "counterexample" else kind
        control = TRACE_CONTROLS.get(name)
        out[name] = ledger.check(
            claim_id, kind=kind, case=case, lhs=np.asarray(lhs, dtype=np.float64), rel=rel,
            rhs=np.asarray(rhs, dtype=np.float64), statement=stmt, source=src,
            provenance=prov.get(name, "paper"),
            hypothesis_met=None if kind in ("identity", "assumption") else hyp,
            rtol=1e-9 if rel == "==" else 1e-12, resolution=resolution,
            note=n + (f"; constants tightened x{tighten:g}" if tighten != 1.0 else ""),
            control=CONTROL_A + control if control and kind in FALSIFIABLE else None,
            depends_on=deps)
    return out


def condition_ratios(t: Theorem22) -> dict:
    """LHS/RHS of (7), (8), (9) as printed and of the corrected (9) (:func:`cond9_needed`); ≥ 1 means it holds."""
    r = lambda c: c[0] / c[1] if c[1] > 0 else np.inf  # noqa: E731
    return {"7": r(t.cond7), "8": r(t.cond8), "9": r(t.cond9), "9*": r(cond9_needed(t))}


def hypothesis_met_corrected(t: Theorem22) -> bool:
    """n_{L−1} ≥ N, (7), (8) and BOTH (9) as printed and (9) as the proof needs it."""
    return t.hypothesis_met and condition_ratios(t)["9*"] >= 1


def certified_rate(t: Theorem22, eta_fraction: float = 0.99) -> float:
    """η α0²/8 for η = eta_fraction × (10): the per-step decrease (11) guarantees."""
    return eta_fraction * t.eta_bound * t.alpha0 ** 2 / 8


def choose_C(model: DeepReLU, params: dict, X, Y, grid, objective: str = "slack") -> tuple[np.ndarray, Theorem22]:
    """Pick constants C = (C_1, …, C_L) from ``grid`` (an iterable of length-L tuples): with
    objective 'slack' the C maximizing min LHS/RHS over (7), (8), (9), (9*); with 'rate' the C
    maximizing :func:`certified_rate` among those meeting all four (Thm 2.2 allows ANY positive C_l)."""
    best, bestC, bestt = -np.inf, None, None
    t0 = theorem22(model, params, X, Y, 1.0)
    for C in grid:
        t = with_C(t0, C)
        r = condition_ratios(t)
        if objective == "slack":
            v = min(r.values())
        else:
            v = certified_rate(t) if min(r.values()) >= 1 else -np.inf
        if v > best:
            best, bestC, bestt = v, np.asarray(C, dtype=np.float64), t
    if bestC is None or not np.isfinite(best):
        raise AssumptionError("(7)-(9) satisfiable by some C in the grid (Thm 2.2)", "no constant in the grid works")
    return bestC, bestt


def scaled_point(params: dict, beta: float, L: int) -> dict:
    """§3.1: θ̃0 = (βW_1, …, βW_{L−1}, W_L = 0)."""
    return {k: (beta * v if k != f"W{L}" else torch.zeros_like(v)) for k, v in params.items()}


def best_rate_beta_init(model: DeepReLU, params: dict, X, Y, betas, C_last) -> tuple[dict, float, np.ndarray, Theorem22]:
    """§3.1 β-scaling with C = (1, …, 1, C_L): over the grids ``betas`` × ``C_last`` keep the point
    θ̃0(β) meeting (7), (8), (9) and the corrected (9) with the largest certified rate ηα0²/8
    (C_l = 1 for l < L as in §3.1; C_L is free in Thm 2.2). Returns (θ̃0, β, C, theorem22)."""
    L = model.L
    best = None
    for b in betas:
        p = scaled_point(params, float(b), L)
        t0 = theorem22(model, p, X, Y, 1.0)
        for cl in C_last:
            C = np.array([1.0] * (L - 1) + [float(cl)])
            t = with_C(t0, C)
            if hypothesis_met_corrected(t):
                r = certified_rate(t)
                if best is None or r > best[0]:
                    best = (r, p, float(b), C, t)
    if best is None:
        raise AssumptionError("(7)-(9) reachable by beta-scaling (Sec. 3.1)", "no (beta, C_L) in the grid works")
    return best[1], best[2], best[3], best[4]


def with_C(t: Theorem22, C) -> Theorem22:
    """The quantities (6)–(10) of ``t`` recomputed for other constants C (no new network
    evaluation: ‖W_l^0‖₂ = λ̄_l − C_l). Same formulas as :func:`theorem22`."""
    L = t.L
    C = np.broadcast_to(np.asarray(C, dtype=np.float64), (L,)).copy()
    return _quantities(L, t.alpha0, t.lam_bar - t.C + C, C, t.norm_X, t.sqrt_2phi0, n_last=t.n_last, N=t.N)


def identity_middle_init(model: DeepReLU, seed: int) -> dict:
    """A θ0 for §3.1's β-scaling whose depth does not shrink α0/(‖X‖ ∏‖W_l‖₂): W_1 LeCun,
    W_l = I (2 ≤ l ≤ L−1; needs n_1 = … = n_{L−1}), W_L LeCun. Since F_1 ≥ 0, σ(F_1 I) = F_1, so
    F_{L−1}(θ0) = σ(XW_1). (Any θ0 with α0 > 0 is admissible in Thm 2.2.)"""
    L = model.L
    if len(set(model.widths[1:L])) != 1:
        raise AssumptionError("n_1 = ... = n_{L-1} for identity middle layers", f"widths {model.widths}")
    p = model.init(seed)
    m = model.widths[1]
    for l in range(2, L):
        p[f"W{l}"] = torch.eye(m, dtype=p["W1"].dtype, device=p["W1"].device)
    return p


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


# --- the hypotheses of Theorem 2.2 at θ0 ---------------------------------------------------------
CONDITIONS = {   # name: (id, id when the condition is broken on purpose, statement, source)
    "width": ("nguyen2021.width", "nguyen2021.width.counterexample", r"n_{L-1}\ge N",
              "Thm 2.2, n_(L-1) >= N"),
    "eq7": ("nguyen2021.eq7", "nguyen2021.eq7.counterexample",
            r"\alpha_0^2\ge16\|X\|_F\max_l\frac{\bar\lambda_{1\to L}}{\bar\lambda_lC_l}\sqrt{2\Phi(\theta_0)}",
            "Thm 2.2, eq. (7)"),
    "eq8": ("nguyen2021.eq8", "nguyen2021.eq8.counterexample",
            r"\alpha_0^3\ge32\|X\|_F^2\bar\lambda_L\sum_{l<L}\frac{\bar\lambda_{1\to L-1}^2}"
            r"{\bar\lambda_l^2}\sqrt{2\Phi(\theta_0)}", "Thm 2.2, eq. (8)"),
    "eq9": ("nguyen2021.eq9", "nguyen2021.eq9.counterexample",
            r"\alpha_0^2\ge16\|X\|_F^2\bar\lambda_L^2\sum_{l<L}\frac{\bar\lambda_{1\to L-1}}"
            r"{\bar\lambda_l^2}\ \text{(as printed)}", "Thm 2.2, eq. (9) as printed"),
    "eq9*": ("nguyen2021.eq9.needed", "nguyen2021.eq9.needed.counterexample",
             r"(9^\ast):\ \alpha_0^2\ge16\|X\|_F^2\bar\lambda_L^2\sum_{l<L}"
             r"\frac{\bar\lambda_{1\to L-1}^2}{\bar\lambda_l^2}",
             "Thm 2.2, (9) as the last step of the proof needs it"),
    "eq10": ("nguyen2021.eq10", "nguyen2021.eq10.counterexample", r"\eta<\text{(10)}",
             "Thm 2.2, eq. (10)"),
}


def check_condition(ledger, name: str, t: Theorem22, *, eta: float | None = None, case=None,
                    broken: bool = False, depends_on=()):
    """A hypothesis of Theorem 2.2 evaluated at θ0 (kind assumption): ``name`` one of
    ``CONDITIONS`` — the width n_{L−1} ≥ N, (7), (8), (9) as printed, the corrected (9*)
    (:func:`cond9_needed`), or η < (10) (needs ``eta``). ``broken=True`` records a point built
    to violate it (kind counterexample, its own id): it must fail."""
    claim_id, broken_id, stmt, src = CONDITIONS[name]
    lhs, rel, rhs = {"width": lambda: (t.n_last, ">=", t.N), "eq7": lambda: (t.cond7[0], ">=", t.cond7[1]),
                     "eq8": lambda: (t.cond8[0], ">=", t.cond8[1]),
                     "eq9": lambda: (t.cond9[0], ">=", t.cond9[1]),
                     "eq9*": lambda: (cond9_needed(t)[0], ">=", cond9_needed(t)[1]),
                     "eq10": lambda: (eta, "<", t.eta_bound)}[name]()
    if lhs is None:
        raise ValueError("condition (10) needs the step size eta")
    kw = dict(kind="counterexample", hypothesis_met=bool(hypothesis_met_corrected(t))) if broken else \
        dict(kind="assumption", hypothesis_met=None,
             control=CONTROL_A + "test_each_condition_fails_where_it_is_broken")
    return ledger.check(broken_id if broken else claim_id, case=case, lhs=float(lhs), rel=rel,
                        rhs=float(rhs), rtol=0.0, statement=stmt, source=f"{SOURCE}, {src}",
                        provenance="derived" if name == "eq9*" else "paper",
                        depends_on=list(depends_on), **kw)


def check_conditions(ledger, t: Theorem22, eta: float, case=None) -> dict:
    """All hypotheses of Theorem 2.2 at θ0 (:func:`check_condition`), with (9) both as printed and
    as the proof needs it; (9*) is recorded as resting on erratum 1."""
    out = {}
    for name in CONDITIONS:
        deps = ["nguyen2021.errata.chain_eq9"] if name == "eq9*" else []
        out[name] = check_condition(ledger, name, t, eta=eta, case=case, depends_on=deps)
    return out


# --- errata 1 and 2 at a point where the printed hypotheses hold ---------------------------------
def check_erratum_last_step(ledger, tr: ProofTrace, case=None):
    """Erratum 1 (kind erratum): at ``tr``'s θ0 the hypotheses AS PRINTED hold (n_{L−1} ≥ N, (7),
    (8), (9), η < (10)), yet the last step of the proof, "by (9)",
    1 − η(α0²/4 − 2q2) ≤ 1 − ηα0²/8 ⟺ 16q2 ≤ α0², fails. Recorded as ``nguyen2021.errata.chain_eq9``
    with hypothesis_met = the printed hypotheses (computed)."""
    t = tr.t
    printed = bool(t.hypothesis_met and tr.eta < t.eta_bound)
    ch = tr.chain() if tr.phi.size > 1 else None
    return ledger.check("nguyen2021.errata.chain_eq9", kind="erratum", case=case, lhs=16 * tr.q2, rel="<=",
                        rhs=t.alpha0 ** 2, rtol=0.0,
                        statement=r"\text{under (7), (8), (9) as printed: }1-\eta(\tfrac{\alpha_0^2}4-2q_2)"
                                  r"\le1-\eta\tfrac{\alpha_0^2}8\ \Leftrightarrow\ 16q_2\le\alpha_0^2",
                        source=f"{SOURCE}, proof of Thm 2.2, final chain 'by (9)'", provenance="paper",
                        hypothesis_met=printed, depends_on=["nguyen2021.eq9"],
                        note="" if ch is None else
                        f"one-step factor 1 - eta(alpha0^2/4 - 2q2) = {ch['second']:.10f}, "
                        f"target {ch['target']:.10f}")


def check_erratum_printed_line1(ledger, tr: ProofTrace, case=None):
    """Erratum 2 (kind erratum): the three term bounds add up to the literal factor
    1 − ηα0²/2 + η²q1² + 2ηq2; the printed first line 1 − ηα0²/4 + η²q1² + ηq2 follows from it only
    when α0² ≥ 4q2. At a point where the printed hypotheses hold but α0² < 4q2 the printed factor
    is below the literal one (``nguyen2021.errata.chain_line1``)."""
    t, e = tr.t, tr.eta
    printed = bool(t.hypothesis_met and tr.eta < t.eta_bound)
    lit_minus_printed = e * (tr.q2 - t.alpha0 ** 2 / 4)    # literal - printed (sympy: η(q2 − α0²/4))
    return ledger.check("nguyen2021.errata.chain_line1", kind="erratum", case=case,
                        lhs=e * t.alpha0 ** 2 / 4, rel=">=", rhs=e * tr.q2, rtol=0.0,
                        statement=r"[1-\eta\tfrac{\alpha_0^2}4+\eta^2q_1^2+\eta q_2]\ge"
                                  r"[1-\eta\tfrac{\alpha_0^2}2+\eta^2q_1^2+2\eta q_2]"
                                  r"\ \Leftrightarrow\ \eta\alpha_0^2/4\ge\eta q_2",
                        source=f"{SOURCE}, proof of Thm 2.2, final chain, line 1", provenance="derived",
                        hypothesis_met=printed, note=f"literal - printed = {lit_minus_printed:.3e}")


# --- a run without the hypotheses --------------------------------------------------------------
def check_loss_decreased(ledger, losses, *, hypothesis_met: bool, case=None, note: str = ""):
    """Φ(θ_k) ≤ Φ(θ0) at every recorded iterate k ≥ 1 of a run — all that (11) says when α0 = 0 —
    recorded as ``nguyen2021.eq11.decrease`` (kind conclusion; ``hypothesis_met`` computed by the
    caller)."""
    losses = np.asarray(losses, dtype=np.float64)
    return ledger.check("nguyen2021.eq11.decrease", kind="conclusion", case=case, lhs=losses[1:], rel="<=",
                        rhs=losses[0], rtol=1e-12,
                        statement=r"\Phi(\theta_k)\le\Phi(\theta_0)\ \text{((11) with }\alpha_0=0\text{)}",
                        source=f"{SOURCE}, (11), observed", provenance="paper",
                        hypothesis_met=hypothesis_met,
                        control=CONTROL_A + "test_loss_decrease_fails_for_a_diverging_step",
                        note=(note + f"; Phi_K/Phi_0 = {losses[-1] / losses[0]:.3g}").strip("; "))


def status_count(ledger, status: str) -> int:
    """How many of ``ledger``'s records have ``status`` (any kind)."""
    return sum(1 for r in ledger.records if r.status == status)


def kind_status_count(ledger, kind: str, *statuses) -> int:
    """How many of ``ledger``'s records are of ``kind`` (and, if given, of one of ``statuses``):
    the counts the pages' closing summaries glue into their prose."""
    return sum(1 for r in ledger.records if r.kind == kind and (not statuses or r.status in statuses))


def printed9_counterexample(model: DeepReLU, seed: int, X, eps: float = 1e-3, C=1.0, grid=None):
    """A θ0 at which (7), (8) and (9) AS PRINTED hold but the corrected (9) (:func:`cond9_needed`),
    which the last step of the proof needs, fails. Construction: W_1..W_{L−1} = β × LeCun, W_L LeCun,
    labels Y = F_L(θ0) + eps·Z (small initial loss makes (7), (8) easy; (9) does not involve Φ).
    Scans β over ``grid`` and returns (params, Y, β, theorem22) for the β where the ratio
    (printed 9 holds) × (needed 9 fails) is most central, or raises AssumptionError if none exists."""
    L = model.L
    base = model.init(seed)
    Z = torch.randn(X.shape[0], model.widths[-1], generator=torch.Generator().manual_seed(seed + 7),
                    dtype=X.dtype).to(X.device)
    grid = 2.0 ** np.arange(-2, 16, 0.25) if grid is None else grid
    found = []
    for b in grid:
        p = {k: (float(b) * v if k != f"W{L}" else v) for k, v in base.items()}
        with torch.no_grad():
            Y = model.forward(p, X) + eps * Z
        t = theorem22(model, p, X, Y, C)
        r = condition_ratios(t)
        if t.hypothesis_met and r["9*"] < 1:
            found.append((abs(np.log(r["9"]) + np.log(r["9*"])), p, Y, float(b), t))
    if not found:
        raise AssumptionError("a theta0 with printed (9) true and corrected (9) false", "none on the grid")
    _, p, Y, b, t = min(found, key=lambda f: f[0])
    return p, Y, b, t

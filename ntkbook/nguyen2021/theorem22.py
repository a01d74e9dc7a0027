"""Nguyen 2021, Section 2, Theorem 2.2: the quantities (6)–(10) at θ0 as printed, the proof
constants q1, q2, the corrected condition (9*) and the hypotheses recorded as assumptions.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp
import torch

from ..errors import AssumptionError
from ..kernels import sigma_min, spectral_norm
from ..models import DeepReLU


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


CONTROL_A = "tests/test_nguyen2021_a.py::"


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


def with_C(t: Theorem22, C) -> Theorem22:
    """The quantities (6)–(10) of ``t`` recomputed for other constants C (no new network
    evaluation: ‖W_l^0‖₂ = λ̄_l − C_l). Same formulas as :func:`theorem22`."""
    L = t.L
    C = np.broadcast_to(np.asarray(C, dtype=np.float64), (L,)).copy()
    return _quantities(L, t.alpha0, t.lam_bar - t.C + C, C, t.norm_X, t.sqrt_2phi0, n_last=t.n_last, N=t.N)


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
                    broken: bool = False, depends_on=(), enclosure=None):
    """A hypothesis of Theorem 2.2 evaluated at θ0 (kind assumption): ``name`` one of
    ``CONDITIONS`` — the width n_{L−1} ≥ N (integers, compared exactly), (7), (8), (9) as printed,
    the corrected (9*) (:func:`cond9_needed`), or η < (10) (needs ``eta``). ``broken=True``
    records a point built to violate it (kind counterexample, its own id): it must fail.
    ``enclosure`` (:func:`ntkbook.nguyen2021.certified.enclose_theorem22` at the same θ0) attaches
    the rigorous certificate of the finding — the condition, or its violation when ``broken``."""
    claim_id, broken_id, stmt, src = CONDITIONS[name]
    lhs, rel, rhs = {"width": lambda: (int(t.n_last), ">=", int(t.N)),
                     "eq7": lambda: (t.cond7[0], ">=", t.cond7[1]),
                     "eq8": lambda: (t.cond8[0], ">=", t.cond8[1]),
                     "eq9": lambda: (t.cond9[0], ">=", t.cond9[1]),
                     "eq9*": lambda: (cond9_needed(t)[0], ">=", cond9_needed(t)[1]),
                     "eq10": lambda: (eta, "<", t.eta_bound)}[name]()
    if lhs is None:
        raise ValueError("condition (10) needs the step size eta")
    if name != "width":
        lhs, rhs = float(lhs), float(rhs)
    cert = None
    if enclosure is not None:
        from .certified import certify_condition
        cert = certify_condition(enclosure, name, eta=eta, broken=broken)
    kw = dict(kind="counterexample", hypothesis_met=bool(hypothesis_met_corrected(t))) if broken else \
        dict(kind="assumption", hypothesis_met=None,
             control=CONTROL_A + "test_each_condition_fails_where_it_is_broken")
    return ledger.check(broken_id if broken else claim_id, case=case, lhs=lhs, rel=rel,
                        rhs=rhs, rtol=0.0, statement=stmt, source=f"{SOURCE}, {src}",
                        provenance="derived" if name == "eq9*" else "paper",
                        depends_on=list(depends_on), certificate=cert, **kw)


def check_conditions(ledger, t: Theorem22, eta: float, case=None, enclosure=None) -> dict:
    """All hypotheses of Theorem 2.2 at θ0 (:func:`check_condition`), with (9) both as printed and
    as the proof needs it; (9*) is recorded as resting on erratum 1. ``enclosure``: certify each."""
    out = {}
    for name in CONDITIONS:
        deps = ["nguyen2021.errata.chain_eq9"] if name == "eq9*" else []
        out[name] = check_condition(ledger, name, t, eta=eta, case=case, depends_on=deps,
                                    enclosure=enclosure)
    return out


CONTROL_B = "tests/test_nguyen2021_b.py::"

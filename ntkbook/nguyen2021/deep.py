"""Nguyen 2021, Section 3.3: Assumption 3.1, Lemma 3.3 and Corollary 3.2 (exponents, (25)–(26),
(30)).
"""
from __future__ import annotations

import math

import numpy as np
import scipy.stats
import sympy as sp
import torch

from ..config import DTYPE, few_threads, to_numpy
from ..errors import AssumptionError, NonFiniteError
from ..kernels import sigma_min
from ..models import DeepReLU
from ..training import loglog_slope
from .theorem22 import CONTROL_B, SOURCE, condition_ratios, hypothesis_met_corrected, theorem22
from .two_layer import needed_width

CONTROL_D = "tests/test_nguyen2021_d.py::"
CONTROL_E = "tests/test_nguyen2021_e.py::"


def assumption31_moments(Xs) -> dict:
    """E‖x‖/√n0, E‖x‖²/n0, E‖x − Ex‖²/n0 (Assumption 3.1.2), from samples (rows)."""
    A = to_numpy(Xs)
    n0 = A.shape[1]
    r = np.linalg.norm(A, axis=1)
    return {"E|x|/sqrt(n0)": r.mean() / math.sqrt(n0), "E|x|^2/n0": (r ** 2).mean() / n0,
            "E|x-Ex|^2/n0": (np.linalg.norm(A - A.mean(0), axis=1) ** 2).mean() / n0}


def check_moments(ledger, Xs, band=(0.5, 2.0), case=None):
    """Assumption 3.1.2: each normalised moment lies in the Θ(1) band ``band`` (our choice of
    constants); ``nguyen2021.assumption3.1.moments.lower`` / ``.upper``, kind assumption."""
    m = assumption31_moments(Xs)
    v = np.array(list(m.values()))
    control = CONTROL_B + "test_moments_and_bad_scaling"
    ledger.check("nguyen2021.assumption3.1.moments.lower", kind="assumption", case=case, lhs=v, rel=">=",
                 rhs=band[0],
                 statement=r"\mathbb E\|x\|/\sqrt{n_0},\ \mathbb E\|x\|^2/n_0,\ \mathbb E\|x-\mathbb Ex\|^2/n_0\ \ge c_1",
                 source=f"{SOURCE}, Assumption 3.1.2", provenance="paper", hypothesis_met=None,
                 control=control, note=", ".join(f"{k} = {x:.4f}" for k, x in m.items()))
    return ledger.check("nguyen2021.assumption3.1.moments.upper", kind="assumption", case=case, lhs=v,
                        rel="<=", rhs=band[1], statement=r"\text{the same moments}\le c_2",
                        source=f"{SOURCE}, Assumption 3.1.2", provenance="paper", hypothesis_met=None,
                        control=control)


def check_lipschitz_concentration(ledger, Xs, f, t: float, c: float, case=None):
    """Assumption 3.1.1 for one 1-Lipschitz f: P(|f(x) − Ef(x)| > t) ≤ 2exp(−c t²), over the samples
    (binomial test; E f estimated by the sample mean; ``nguyen2021.assumption3.1.concentration``,
    kind assumption)."""
    v = np.asarray(f(to_numpy(Xs)), dtype=np.float64)
    dev = np.abs(v - v.mean())
    delta = 2 * math.exp(-c * t * t)
    if not delta < 1:
        raise ValueError("choose t with 2exp(-c t^2) < 1")
    return ledger.check_probability(
        "nguyen2021.assumption3.1.concentration", kind="assumption", case=case,
        failures=int((dev > t).sum()), trials=v.size, delta=delta,
        statement=r"\mathbb P(|f(x)-\mathbb Ef(x)|>t)\le2e^{-ct^2/\|f\|_{\rm Lip}^2}",
        source=f"{SOURCE}, Assumption 3.1.1", provenance="paper", hypothesis_met=None,
        control=CONTROL_B + "test_concentration_and_heavy_tails", note=f"t = {t}, c = {c}")


def lemma33_ratio(X, widths, seed: int) -> float:
    """σ_min(F_{L−1})² / (n0 ∏_{l=1}^{L−1} n_l β_l²) for LeCun hidden layers β_l² = 1/n_{l−1} (25);
    ``widths`` = [n0, n1, …, n_{L−1}, n_L]."""
    model = DeepReLU(widths)
    p = model.init(seed)
    A = torch.as_tensor(to_numpy(X), dtype=DTYPE)
    with torch.no_grad():
        F = model.features(p, A)[model.L - 1]
    scale = widths[0] * np.prod([widths[l] / widths[l - 1] for l in range(1, model.L)])
    return sigma_min(F) ** 2 / scale


def check_lemma33(ledger, ratios, *, hypothesis_met: bool, band_factor: float = 4.0, case=None):
    """Lemma 3.3 (29) as Θ(1) (``nguyen2021.lemma3.3``, kind conclusion): all ratios
    σ_min(F_{L−1})²/(n0 ∏ n_lβ_l²) positive and max/min ≤ ``band_factor`` (our constant).
    ``hypothesis_met`` (computed by the caller): (27) and min(n0, m) large enough for the
    lemma's failure probability to be below 1."""
    r = np.asarray(ratios, dtype=np.float64)
    common = dict(kind="conclusion", case=case, source=f"{SOURCE}, Lemma 3.3, eq. (29) "
                  "(from Nguyen, Mondelli & Montúfar 2021)", provenance="restated",
                  hypothesis_met=hypothesis_met, control=CONTROL_B + "test_lemma33_band_and_too_narrow")
    zero = 1e-12     # a normalised ratio below this is a numerically zero singular value
    if np.any(r <= zero):
        return ledger.check("nguyen2021.lemma3.3", lhs=r.min(), rel=">", rhs=zero,
                            statement=r"\sigma_{\min}(F_{L-1})^2/(n_0\textstyle\prod_l n_l\beta_l^2)>0"
                                      r"\ \text{(above }10^{-12}\text{)}", **common)
    return ledger.check("nguyen2021.lemma3.3", lhs=r.max() / r.min(), rel="<=", rhs=band_factor,
                        statement=r"\sigma_{\min}(F_{L-1})^2=\Theta\big(n_0\textstyle\prod_{l}n_l\beta_l^2\big):"
                                  r"\ \max\text{ratio}/\min\text{ratio}\le c",
                        note=f"band [{r.min():.4f}, {r.max():.4f}] over {r.size} (width, seed) pairs", **common)


def printed_exponents(a, b, c) -> dict:
    """The n_{L−1} exponents exactly as printed in the proof of Corollary 3.2."""
    a, b, c = (sp.nsimplify(v) for v in (a, b, c))
    h = sp.Rational(1, 2)
    return {"eq7_L": 1 + b - sp.Max(h, c), "eq7_Lm1": 1 + c - sp.Max(b, (1 - a) / 2),
            "eq7_rest": 1 - sp.Max(h, c) - sp.Max(b, (1 - a) / 2),
            "eq9": 1 - 2 * sp.Max(h, c) - 2 * sp.Max(b, (1 - a) / 2),
            "eq8": h + sp.Max(b, (1 - a) / 2)}


def derived_exponents(a, b, c, L: int = 4) -> dict:
    """[D] The same exponents derived from Theorem 2.2's (7)–(9) with orders in n = n_{L−1}:
    α0 ~ n^{1/2} (Lemma 3.3), λ̄_L ~ n^{max(b,(1−a)/2)}, λ̄_{L−1} ~ n^{max(1/2,c)}, other λ̄_l ~ n^0,
    C_{L−1} = n^c, C_L = n^b, other C_l = 1; D, ‖X‖_F, √(2Φ) and m/n0 factors kept apart (n^0).
    (7) per l: 2·½ + e(C_l) − Σ_{p≠l} e(λ̄_p); (9) with λ̄_{1→L−1}² (the form §3.1 (15) and the proof use)
    and with λ̄_{1→L−1} (as printed); (8) via the paper's route α0 ≳ √(2Φ)/λ̄_L using λ̄_L ≥ C_L."""
    a, b, c = (sp.nsimplify(v) for v in (a, b, c))
    h = sp.Rational(1, 2)
    e = [sp.Integer(0)] * (L - 2) + [sp.Max(h, c), sp.Max(b, (1 - a) / 2)]
    eC = [sp.Integer(0)] * (L - 2) + [c, b]
    tot = sum(e)
    e7 = [sp.simplify(1 + eC[l] - (tot - e[l])) for l in range(L)]
    pre = sum(e[:L - 1])
    e9_sq = 1 - 2 * e[L - 1] - sp.Max(*[2 * (pre - e[l]) for l in range(L - 1)])
    e9_pr = 1 - 2 * e[L - 1] - sp.Max(*[pre - 2 * e[l] for l in range(L - 1)])
    e8_direct = sp.Rational(3, 2) - e[L - 1] - sp.Max(*[2 * (pre - e[l]) for l in range(L - 1)])
    return {"eq7_L": e7[L - 1], "eq7_Lm1": e7[L - 2], "eq7_rest": sp.Min(*e7[:L - 2]),
            "eq7": sp.Min(*e7), "eq9": sp.simplify(e9_sq), "eq9_printed": sp.simplify(e9_pr),
            "eq8": h + b, "eq8_direct": sp.simplify(e8_direct)}


def check_exponents(ledger, a, b, c, expected: dict, case_prefix: str = ""):
    """Printed exponents (Cor. 3.2 proof) == derived ones == ``expected`` (the catalog's numbers):
    ``nguyen2021.cor3.2.exponent``, one case per exponent, kind identity (sympy algebra)."""
    pr, de = printed_exponents(a, b, c), derived_exponents(a, b, c)
    recs = []
    for k, v in expected.items():
        recs.append(ledger.check("nguyen2021.cor3.2.exponent", kind="identity", case=case_prefix + k,
                                 lhs=[float(pr[k]), float(de[k])], rel="==",
                                 rhs=float(sp.nsimplify(v)), rtol=1e-15,
                                 statement=rf"\text{{exponent of }}n_{{L-1}}\text{{ in {k}}} = {sp.latex(sp.nsimplify(v))}",
                                 source=f"{SOURCE}, proof of Corollary 3.2", provenance="paper",
                                 hypothesis_met=None, note=f"printed {pr[k]}, derived {de[k]}"))
    return recs


def corollary32_C(widths) -> np.ndarray:
    """C_l of the proof of Corollary 3.2: 1 (l ≤ L−2), n_{L−1}^{1/2}, n_{L−1}^{−1/6}."""
    L = len(widths) - 1
    n = widths[L - 1]
    return np.array([1.0] * (L - 2) + [n ** 0.5, n ** (-1 / 6)])


def corollary32_point(X, Y, widths, seed: int):
    """θ0 by (25)–(26) (W_L variance n_{L−1}^{−4/3}) and Theorem 2.2's quantities with the C_l above."""
    model = DeepReLU(widths)
    L = model.L
    stds = [1 / math.sqrt(widths[l - 1]) for l in range(1, L)] + [widths[L - 1] ** (-2 / 3)]
    p = model.init(seed, stds=stds)
    return model, p, theorem22(model, p, X, Y, C=corollary32_C(widths))


def eq30_required(norm_X: float, sqrt_2phi: float, m: int, n0: int) -> dict:
    """The three lines of (30) with constant 1: the n_{L−1} each requires (cube of its right-hand side)."""
    return {"line1": (norm_X ** 2 * max(1, m / n0)) ** 3,
            "line2": (norm_X * sqrt_2phi * max(1, math.sqrt(m / n0))) ** 3,
            "line3": sqrt_2phi ** 3}


def check_exponent(ledger, claim_id: str, x, y, target: float, tol: float, statement: str, source: str,
                   provenance: str, *, hypothesis_met, kind: str = "scaling", case=None, note: str = "",
                   severity=None):
    """|slope(log y on log x) − target| ≤ tol. ``kind`` "scaling" (a fitted exponent; control:
    a wrong target) or "erratum" (the paper's exponent, which must fail, with its ``severity``);
    ``hypothesis_met`` is computed by the caller (a bool, or None when the fitted law has no
    hypothesis)."""
    p = loglog_slope(x, y)
    control = CONTROL_B + "test_check_exponent_can_fail" if kind == "scaling" else None
    return ledger.check(claim_id, kind=kind, case=case, lhs=abs(p - target), rel="<=", rhs=tol,
                        statement=statement, source=source, provenance=provenance,
                        hypothesis_met=hypothesis_met, control=control, severity=severity,
                        note=(note + f" fitted exponent {p:.3f}, target {target}").strip())


def minimal_width_point(X, Y, m: int, ns, seed: int) -> dict:
    """[D] One instance of Corollary 3.2 (L = 3, widths [n0, m, n, 1], init (25)–(26), C_l of the
    proof) at each n in ``ns``: the width n_{L−1} at which (7), (8) and (9*) all hold, extrapolated
    with :func:`~ntkbook.nguyen2021.needed_width` from the LHS/RHS of each, and
    ‖F_L(θ0)‖_F/‖X‖_F at each n (the proof's ‖F_L(θ0)‖_F ≲ ‖X‖_F, from Nguyen–Mondelli Lemma C.1).

    Returns a dict with ``need`` (the max over the three conditions), ``need_each`` (per
    condition) and ``out_ratio`` (an array over ``ns``)."""
    n0 = X.shape[1]
    ratios, out = {k: [] for k in ("7", "8", "9*")}, []
    for n in ns:
        # few BLAS threads (NTKBOOK_THREADS, default 1): the SVDs here are small
        with few_threads():
            model, p, t = corollary32_point(X, Y, [n0, m, n, 1], seed=seed)
        r = condition_ratios(t)
        if not all(r[k] > 0 for k in ratios):
            raise AssumptionError("sigma_min(F_(L-1)(theta0)) > 0 (Thm 2.2 (6))",
                                  f"alpha0 = {t.alpha0:.3g} at n_(L-1) = {n}, seed {seed}")
        for k in ratios:
            ratios[k].append(r[k])
        with torch.no_grad():
            out.append(float(model.forward(p, torch.as_tensor(to_numpy(X), dtype=DTYPE)).norm())
                       / t.norm_X)
    each = {k: needed_width(ns, v) for k, v in ratios.items()}
    return {"need": max(each.values()), "need_each": each, "out_ratio": np.array(out)}


def width_exponent_fit(Ns, widths, level: float = 0.95) -> dict:
    """Least-squares fit log n* = k log N + c over all (N, seed) pairs (seeds as replicates) with
    ``scipy.stats.linregress``; the ``level`` interval on k is slope ± t_{(1+level)/2, n−2}·stderr.
    Returns ``slope``, ``intercept``, ``half`` (the half-width), ``lo``, ``hi``, ``n``."""
    x = np.log(np.asarray(Ns, dtype=np.float64))
    y = np.log(np.asarray(widths, dtype=np.float64))
    if x.shape != y.shape or not np.all(np.isfinite(y)):
        raise NonFiniteError("log of the minimal widths", int(np.sum(~np.isfinite(y))))
    if np.unique(x).size < 3:
        raise AssumptionError("at least three distinct N for an exponent with an interval")
    fit = scipy.stats.linregress(x, y)
    half = float(scipy.stats.t.ppf((1 + level) / 2, x.size - 2) * fit.stderr)
    k = float(fit.slope)
    return {"slope": k, "intercept": float(fit.intercept), "half": half, "lo": k - half,
            "hi": k + half, "n": int(x.size)}


def check_width_exponent(ledger, Ns, widths, target: float, *, hypothesis_met: bool,
                         statement: str, case=None, note: str = ""):
    """``nguyen2021.cor3.2.width_exponent`` (kind scaling): the exponent ``target`` of N read off
    (24) lies in the 95% interval of the fitted exponent of the minimal n_{L−1}
    (:func:`width_exponent_fit`): |k̂ − target| ≤ t·stderr. ``hypothesis_met`` is computed by the
    caller (Lemma 3.3's min(n0, m) ≥ 256, which the orders of the proof rest on)."""
    f = width_exponent_fit(Ns, widths)
    return ledger.check("nguyen2021.cor3.2.width_exponent", kind="scaling", case=case,
                        lhs=abs(f["slope"] - target), rel="<=", rhs=f["half"],
                        statement=statement, source=f"{SOURCE}, Corollary 3.2, (24)",
                        provenance="paper", hypothesis_met=hypothesis_met,
                        control=CONTROL_D + "test_width_exponent_can_fail",
                        depends_on=["nguyen2021.cor3.2.width"],
                        note=(note + f" fitted exponent {f['slope']:.2f}, 95% interval "
                              f"[{f['lo']:.2f}, {f['hi']:.2f}] over {f['n']} (N, seed) pairs; "
                              f"target {target}").strip())


def check_output_norm(ledger, ratios, *, hypothesis_met: bool, c: float = 1.0, case=None,
                      note: str = ""):
    """``nguyen2021.cor3.2.output_norm`` (kind step): ‖F_L(θ0)‖_F ≤ c‖X‖_F at the initialization
    (25)–(26) for every ratio in ``ratios`` (c = 1: our constant in the proof's "≲")."""
    r = np.asarray(ratios, dtype=np.float64)
    return ledger.check("nguyen2021.cor3.2.output_norm", kind="step", case=case, lhs=r, rel="<=",
                        rhs=c, statement=r"\|F_L(\theta_0)\|_F\le c\,\|X\|_F\ \text{at (25)–(26)}",
                        source=f"{SOURCE}, proof of Corollary 3.2 (Nguyen–Mondelli Lemma C.1)",
                        provenance="paper", hypothesis_met=hypothesis_met,
                        control=CONTROL_D + "test_output_norm_can_fail",
                        note=(note + f" max ratio {r.max():.3g}, c = {c}").strip())


def corollary32_gd(X, Y, m: int, n: int, seeds, steps: int, every: int = 10) -> dict:
    """[D] Plain GD from the initialization (25)–(26) of Corollary 3.2 (L = 3, widths
    [n0, m, n, 1]), all seeds at once: θ0 of seed s is :func:`corollary32_point`'s, the weights of
    the seeds are stacked and one autograd pass differentiates Σ_s Φ_s (the seeds do not share
    parameters, so each gets its own gradient).

    The step of seed s is the practical η_s = 1/λ_max(J_s J_sᵀ) at θ0 (J_s the N × P Jacobian of
    F_L: the tangent kernel's largest eigenvalue), beside Theorem 2.2's bound (10) at θ0.

    Returns a dict with ``phi`` (S × (steps/every + 1) losses Φ(θ_k), k = 0, every, …, steps),
    ``ratio`` (Φ_K/Φ_0), ``eta`` (the steps used), ``eta10`` ((10) at θ0), ``alpha0``,
    ``hyp_thm22`` ((7), (8), (9*) at θ0, per seed), ``dead`` (a sample whose first-layer features
    are all zero at θ0: α0 = 0, its output can never move) and ``k`` (the recorded steps)."""
    if steps < 1 or every < 1:
        raise ValueError("steps and every must be positive integers")
    A = torch.as_tensor(to_numpy(X), dtype=DTYPE)
    T = torch.as_tensor(to_numpy(Y), dtype=DTYPE)
    ps, ts = [], []
    for s in seeds:
        model, p, t = corollary32_point(A, T, [A.shape[1], m, n, 1], seed=s)
        ps.append(p)
        ts.append(t)
    W = {k: torch.stack([p[k] for p in ps]).requires_grad_(True) for k in ps[0]}

    def residual(W):
        F1 = torch.relu(A @ W["W1"])
        return torch.relu(F1 @ W["W2"]) @ W["W3"] - T

    out = residual(W)
    J = torch.stack([torch.cat([g.reshape(len(ps), -1) for g in torch.autograd.grad(
        out[:, i].sum(), list(W.values()), retain_graph=True)], 1) for i in range(A.shape[0])], 1)
    lam_max = torch.linalg.eigvalsh(J @ J.transpose(1, 2))[:, -1].detach()
    eta = (1.0 / lam_max).view(-1, 1, 1)
    dead = (torch.relu(A @ W["W1"]).detach().abs().sum(2) == 0).any(1).numpy()
    W = {k: v.detach().clone().requires_grad_(True) for k, v in W.items()}
    phi, ks = [], []
    for k in range(steps + 1):
        loss = 0.5 * residual(W).pow(2).sum((1, 2))
        if k % every == 0 or k == steps:
            phi.append(loss.detach().numpy().copy())
            ks.append(k)
        if k == steps:
            break
        grads = torch.autograd.grad(loss.sum(), list(W.values()))
        with torch.no_grad():
            for v, g in zip(W.values(), grads):
                v -= eta * g
    phi = np.stack(phi, 1)
    return {"phi": phi, "ratio": phi[:, -1] / phi[:, 0], "eta": eta.view(-1).numpy(),
            "eta10": np.array([t.eta_bound for t in ts]), "alpha0": np.array([t.alpha0 for t in ts]),
            "hyp_thm22": np.array([hypothesis_met_corrected(t) for t in ts]), "dead": dead,
            "k": np.array(ks)}


def check_gd_success(ledger, ratio, eps: float, delta: float, *, hypothesis_met: bool, case=None,
                     note: str = ""):
    """``nguyen2021.cor3.2.gd_success`` (kind conclusion, a probability): GD from (25)–(26)
    reaches Φ_K ≤ ε·Φ_0 with probability ≥ 1 − δ (Corollary 3.2, "converges to a global optimum
    w.h.p.", read at a finite budget K and tolerance ε: our choices). A seed fails when
    Φ_K/Φ_0 > ε or is not finite. ``hypothesis_met`` is computed by the caller."""
    r = np.asarray(ratio, dtype=np.float64)
    failures = int(np.sum(~(r <= eps)))
    return ledger.check_probability(
        "nguyen2021.cor3.2.gd_success", kind="conclusion", case=case, failures=failures,
        trials=r.size, delta=delta,
        statement=rf"\mathbb P\big(\Phi(\theta_K)\le{eps:g}\,\Phi(\theta_0)\big)\ge1-\delta"
                  r"\ \text{from (25)–(26)}",
        source=f"{SOURCE}, Corollary 3.2", provenance="paper", hypothesis_met=hypothesis_met,
        control=CONTROL_E + "test_gd_success_can_fail", depends_on=["nguyen2021-corollary-3-2"],
        note=(note + f" eps = {eps:g}; worst Phi_K/Phi_0 = {np.max(r):.3g}").strip())


def eq28_ratio(widths) -> float:
    """∏_{l=1}^{L−3} log n_l / min_{l∈[0,L−2]} n_l for widths [n_0, n_1, …, n_{L−2}] (the hidden
    widths before the wide layer; the product is empty, = 1, for L = 3)."""
    w = [int(v) for v in widths]
    L = len(w) + 1
    return float(np.prod([math.log(n) for n in w[1:L - 2]])) / min(w)


def check_eq28(ledger, sequence, *, case=None):
    """(28) of Lemma 3.3, ∏_{l=1}^{L−3} log n_l = o(min_{l≤L−2} n_l), read along a growing
    sequence of width configurations ``sequence`` (each [n_0, …, n_{L−2}]): the ratio of
    :func:`eq28_ratio` decreases strictly from one configuration to the next
    (``nguyen2021.lemma3.3.eq28``, kind assumption: a hypothesis of Lemma 3.3 evaluated on widths;
    an o(·) has no finite-width test, a decreasing ratio is its finite-width trace)."""
    r = np.array([eq28_ratio(w) for w in sequence])
    if r.size < 2:
        raise ValueError("a trend needs at least two width configurations")
    return ledger.check("nguyen2021.lemma3.3.eq28", kind="assumption", case=case, lhs=r[1:],
                        rel="<", rhs=r[:-1], rtol=0.0,
                        statement=r"\prod_{l=1}^{L-3}\log n_l\,/\min_{l\le L-2}n_l"
                                  r"\ \text{decreases along the widths}",
                        source=f"{SOURCE}, Lemma 3.3, eq. (28)", provenance="restated",
                        hypothesis_met=None, control=CONTROL_D + "test_eq28_ratio_and_fixed_n0",
                        note="ratios " + ", ".join(f"{v:.3g}" for v in r)
                             + " along " + "; ".join(str(list(w)) for w in sequence))


def certify_small_instance(model, params: dict, X, C):
    """(9*) fails at a θ0 of Corollary 3.2 with L = 3, rigorously and cheaply (no Gram matrix of
    the wide layer): α0² = σ_min(F_2)² ≤ ‖F_2‖_F²/N ≤ ‖F_1‖_F²‖W_2‖₂²/N (σ_min² is at most the mean
    of the N squared singular values; |σ(x)| ≤ |x|; ‖AB‖_F ≤ ‖A‖_F‖B‖₂), while 16q2 =
    16‖X‖_F²λ̄_3²(λ̄_1² + λ̄_2²) ≥ 16‖X‖_F²λ̄_3²‖W_2‖₂² (λ̄_2 ≥ ‖W_2‖₂). So (9*) fails when
    ‖F_1‖_F²/N < 16‖X‖_F²λ̄_3², with F_1 = σ(XW_1), ‖X‖_F and λ̄_3 = ‖W_3‖₂ + C_3 in ball
    arithmetic at the exact float64 weights."""
    import time

    from flint import arb

    from .. import certify
    from .certified import _mat, _np, decide, frobenius_ball, norm2_ball, relu_ball
    if model.L != 3:
        raise AssumptionError("L = 3 (the bound of certify_small_instance)", f"L = {model.L}")
    start = time.perf_counter()
    with certify.working_precision():
        Xa = _mat(_np(X))
        F1 = relu_ball(Xa * _mat(_np(params["W1"])))
        f1 = frobenius_ball(F1)
        nX = frobenius_ball(Xa)
        lam3 = norm2_ball(params["W3"])[0] + arb(float(np.asarray(C, dtype=np.float64)[2]))
        N = X.shape[0]
        digest = certify.inputs_digest(X, *(params[f"W{l}"] for l in (1, 2, 3)), np.asarray(C))
        return decide(f1 * f1 / N, "<", 16 * nX * nX * lam3 * lam3,
                      "(9*) fails: α0² ≤ ‖F_1‖_F²‖W_2‖₂²/N < 16‖X‖_F²λ̄_3²‖W_2‖₂² ≤ 16 q2 at the "
                      f"exact float64 θ0 (digest {digest})", inputs=digest,
                      method="σ_min² ≤ ‖F_2‖_F²/N ≤ ‖F_1‖_F²‖W_2‖₂²/N and 16q2 ≥ "
                             "16‖X‖_F²λ̄_3²‖W_2‖₂² (the ‖W_2‖₂² cancels); F_1, ‖X‖_F, ‖W_3‖₂ in "
                             "ball arithmetic", seconds=time.perf_counter() - start)


def certify_eq30_fails(n: int, X, m: int, n0: int):
    """(30) fails at width n: its first line asks n^{1/3} ≥ ‖X‖_F² max(1, m/n0), i.e.
    n ≥ (‖X‖_F² max(1, m/n0))³; proved when n is below that cube (‖X‖_F in ball arithmetic), which
    is at most the largest line of (30)."""
    from fractions import Fraction

    from flint import arb, fmpq

    from .. import certify
    from .certified import decide, frobenius_ball
    with certify.working_precision():
        nX = frobenius_ball(X)
        f = max(Fraction(1), Fraction(m, n0))
        line1 = (nX * nX * arb(fmpq(f.numerator, f.denominator))) ** 3
        digest = certify.inputs_digest(X, int(n), int(m), int(n0))
        return decide(arb(int(n)), "<", line1,
                      f"n_(L-1) = {n} < (‖X‖_F² max(1, m/n0))³ ≤ the largest line of (30), cubed "
                      f"(exact float64 X, digest {digest})", inputs=digest,
                      method="‖X‖_F in ball arithmetic; n^(1/3) < line ⟺ n < line³")

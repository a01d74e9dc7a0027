"""Negative controls and unit tests for ntkbook.nguyen2021 (§3) (Nguyen 2021, §3.1–§3.3).

Each notebook claim of book/nguyen2021/05–07 is exercised here through the very same check
function, once where it holds and once with the hypothesis broken or the bound tightened, which
must raise ClaimViolation."""
import math

import numpy as np
import pytest
import sympy as sp
import torch

from ntkbook import data, models
from ntkbook import nguyen2021 as ng
from ntkbook.errors import AssumptionError, ClaimViolation, ExpectedViolationHeld
from ntkbook.nguyen2021 import theorem22


@pytest.fixture(scope="module")
def deep():
    N, d = 6, 8
    X = data.sphere(N, d, seed=0)
    Y = data.labels(N, seed=1, outputs=1)
    model = models.DeepReLU([d, 12, 12, 1])
    return model, model.init(seed=3), X, Y


# -- §3.1 ---------------------------------------------------------------------------------------
def test_scaled_point_and_homogeneity(ledger, deep):
    model, p, X, Y = deep
    q = ng.scaled_point(p, 2.0, model.L)
    assert torch.equal(q["W3"], torch.zeros_like(p["W3"]))
    assert torch.allclose(q["W1"], 2 * p["W1"])
    assert ng.check_homogeneity(ledger, model, p, X, [0.5, 3.0], case="t").kind == "identity"
    with pytest.raises(ClaimViolation):          # wrong power of beta
        ng.check_homogeneity(ledger, model, p, X, [0.5, 3.0], case="bad", power=model.L)
    with pytest.raises(AssumptionError):
        ng.scaled_point(p, 0.0, model.L)


def test_smallest_beta_is_a_root_and_threshold():
    P = np.polynomial.Polynomial
    lhs, rhs = P([0, 0, 1.0]), P([2.0, 1.0])       # beta^2 >= beta + 2  <=>  beta >= 2
    assert ng.smallest_beta(lhs, rhs) == pytest.approx(2.0, rel=1e-14)
    with pytest.raises(AssumptionError):
        ng.smallest_beta(P([1.0]), P([0, 1.0]))   # RHS of higher degree


def test_beta_thresholds_and_negative_controls(ledger, deep):
    model, p, X, Y = deep
    bp = ng.beta_polynomials(model, p, X, Y)
    th = ng.beta_thresholds(bp)
    for name in ("eq14", "eq15", "eq8"):
        assert ng.check_poly_at_beta(ledger, bp, name, th["star"] * (1 + 1e-9), case="t").status == "holds"
        with pytest.raises(ClaimViolation):       # beta below its threshold
            ng.check_poly_at_beta(ledger, bp, name, th[name] * (1 - 1e-6), case="below")
        rec = ng.check_poly_at_beta(ledger, bp, name, th[name] * (1 - 1e-6), case=f"below {name}", below=True)
        assert rec.status == "expected violation"
    ng.check_polynomial_matches_theorem22(ledger, model, p, X, Y, bp, "eq14", th["star"], case="t")
    ng.check_polynomial_matches_theorem22(ledger, model, p, X, Y, bp, "eq8", th["star"], case="t")
    with pytest.raises(ClaimViolation):           # (15) is not the printed (9)
        ng.check_polynomial_matches_theorem22(ledger, model, p, X, Y, bp, "eq15", th["star"], case="t")
    rec = ng.check_eq15_vs_printed_eq9(ledger, model, p, X, Y, bp, th["star"], case="t")
    assert rec.status == "erratum confirmed"
    b_pr = max(th["eq14"], th["eq8"], th["eq9_printed"])
    for c in ("cond7", "cond8", "cond9"):
        ng.check_condition_at_beta(ledger, model, p, X, Y, b_pr * (1 + 1e-9), c, case="t")
    binding = {"eq14": "cond7", "eq8": "cond8", "eq9_printed": "cond9"}[max(("eq14", "eq8", "eq9_printed"),
                                                                            key=th.get)]
    with pytest.raises(ClaimViolation):
        ng.check_condition_at_beta(ledger, model, p, X, Y, b_pr * (1 - 1e-6), binding, case="below")
    rec = ng.check_condition_at_beta(ledger, model, p, X, Y, b_pr * (1 - 1e-6), binding, case="b", below=True)
    assert rec.status == "expected violation" and rec.kind == "counterexample"
    # the printed (9) is weaker than (15) for beta >= 1-ish: its threshold is not larger
    assert th["eq9_printed"] <= th["eq15"]


def test_alpha0_zero_is_refused(deep):
    _, _, X, Y = deep
    narrow = models.DeepReLU([X.shape[1], 12, 3, 1])   # n_{L-1} = 3 < N = 6: alpha0 = 0
    with pytest.raises(AssumptionError):
        ng.beta_polynomials(narrow, narrow.init(seed=0), X, Y)


def test_rate_11_and_tightened_constant(ledger):
    """(11) from a §3.1 point: it holds at 0.99 x (10) when the certified decrease exceeds the
    loss's resolution; the same function fails for a rate tightened a million-fold, and at a step
    so small that the certified decrease is below the resolution it is unresolved (vacuous: the
    bound is within the resolution of its trivial value Φ0)."""
    N, d = 4, 5
    X = data.sphere(N, d, seed=0)
    Y = data.labels(N, seed=1, outputs=1)
    model = models.DeepReLU([d, 8, 1])
    bp = ng.beta_polynomials(model, model.init(seed=2), X, Y)
    beta = ng.beta_thresholds(bp)["star"] * (1 + 1e-6)
    p0 = ng.scaled_point(model.init(seed=2), beta, 2)
    t = theorem22(model, p0, X, Y, C=1.0)
    assert t.hypothesis_met
    eta = 0.99 * t.eta_bound
    losses, res = ng.gd_rate_run(model, p0, X, Y, eta, 20, with_resolution=True)
    assert np.all(res > 0) and np.all(res < 1e-12 * losses[0] * 1e3)
    certified = -np.expm1(20 * np.log1p(-eta * t.alpha0 ** 2 / 8))
    assert certified > 100 * res.max() / losses[0]
    rec = ng.check_rate_11(ledger, losses, eta, t.alpha0, hypothesis_met=True, resolution=res, case="t")
    assert rec.status == "holds" and rec.kind == "conclusion"
    # the rate tightened a million-fold is faster than gradient descent at this tiny step
    with pytest.raises(ClaimViolation):
        ng.check_rate_11(ledger, losses, eta, t.alpha0, hypothesis_met=True, resolution=res, factor=1e6,
                         case="tight")
    # a step 1e-9 times smaller: the certified decrease is below the resolution, (11) says nothing
    eta_v = 1e-9 * eta
    lv, rv = ng.gd_rate_run(model, p0, X, Y, eta_v, 20, with_resolution=True)
    assert -np.expm1(20 * np.log1p(-eta_v * t.alpha0 ** 2 / 8)) < rv.max() / lv[0]
    rec = ng.check_rate_11(ledger, lv, eta_v, t.alpha0, hypothesis_met=True, resolution=rv, case="vacuous")
    assert rec.status == "unresolved" and rec.vacuous == rec.count == 20


# -- §3.2 ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_layer():
    N, d = 4, 16
    X = ng.sphere_data(N, d, seed=0)
    Y = data.labels(N, seed=1, kind="sign", outputs=1)
    return X, Y


def test_sphere_data_norms(two_layer):
    X, _ = two_layer
    assert torch.allclose(X.norm(dim=1), torch.full((4,), 4.0, dtype=torch.float64))


def test_lambda_star_closed_form_and_wrong_scale(ledger, two_layer):
    X, _ = two_layer
    ng.check_lambda_star(ledger, X, samples=100_000, seed=5, case="t")
    with pytest.raises(ClaimViolation):           # forgetting the 1/n0 of w ~ N(0, I/n0)
        ng.check_lambda_star(ledger, X, samples=100_000, seed=5, scale=X.shape[1], case="bad")


def test_lambda_star_order_and_too_large_constant(ledger, two_layer):
    X, _ = two_layer
    ls = {4: ng.lambda_star(X)}
    assert ng.check_lambda_star_order(ledger, ls, case="t").status == "holds"
    with pytest.raises(ClaimViolation):           # lambda* <= 1/2 for ||x_i||^2 = n0: c = 1 is too large
        ng.check_lambda_star_order(ledger, ls, c=1.0, case="tight")


def test_eq20_and_tightened(ledger):
    rec = ng.check_eq20(ledger, 16, 400, 1, range(30), case="t")
    assert rec.failures == 0 and rec.status == "not refuted (low power)"   # 30 seeds cannot reach 0.05
    with pytest.raises(ClaimViolation):
        ng.check_eq20(ledger, 16, 400, 1, range(30), tighten=0.8, case="tight")


def test_eq21_and_too_narrow(ledger, two_layer):
    X, _ = two_layer
    ls = ng.lambda_star(X)
    rec = ng.check_eq21(ledger, X, math.ceil(4 * math.log(40) / ls), range(40), case="t")
    assert rec.status == "holds" and rec.hypothesis_met is True
    with pytest.raises(ClaimViolation):           # n1 < N: alpha0 = 0
        ng.check_eq21(ledger, X, 3, range(40), case="narrow")


def test_eq22_and_tightened(ledger, two_layer):
    X, Y = two_layer
    assert ng.check_eq22(ledger, X, Y, 200, range(40), case="t").status == "holds"
    with pytest.raises(ClaimViolation):
        ng.check_eq22(ledger, X, Y, 200, range(40), tighten=0.5, case="tight")


def test_width_sweep_matches_theorem22(two_layer):
    X, Y = two_layer
    sw = ng.width_sweep(X, Y, n1_max=300, seed=3)
    i = len(sw.grid) // 2
    n1 = int(sw.grid[i])
    p = ng.sweep_params_on_grid(X, Y, sw.grid, n1, seed=3)
    t = theorem22(models.DeepReLU([X.shape[1], n1, 1]), p, X, Y, C=1.0)
    c = sw.conditions()
    assert c["eq16"][0][i] == pytest.approx(t.cond7[0], rel=1e-9)
    assert c["eq16"][1][i] == pytest.approx(t.cond7[1], rel=1e-9)
    assert c["eq17"][1][i] == pytest.approx(t.cond8[1], rel=1e-9)
    assert c["eq9_printed"][1][i] == pytest.approx(t.cond9[1], rel=1e-9)
    assert t.alpha0 == pytest.approx(sw.alpha0[i], rel=1e-9)


def test_sweep_threshold_and_below(ledger):
    N, d = 3, 9
    X = ng.sphere_data(N, d, seed=103)
    Y = data.labels(N, seed=203, kind="sign", outputs=1)
    sw = ng.width_sweep(X, Y, n1_max=120_000, seed=303)
    n1s = sw.threshold()
    assert np.isfinite(n1s)
    assert ng.check_sweep_threshold(ledger, sw, case="t").kind == "identity"
    below = sw.grid[np.flatnonzero(sw.grid == n1s)[0] - 1]
    with pytest.raises(ClaimViolation):           # n1 one grid step too small
        ng.check_sweep_threshold(ledger, sw, n1=below, case="below")
    assert ng.check_sweep_threshold(ledger, sw, n1=below, case="b", below=True).status == "expected violation"
    with pytest.raises(ValueError):               # (16) needs lambda_bar_1
        ng.width_sweep(X, Y, n1_max=100, seed=1, with_lam1=False).threshold()


def test_check_exponent_can_fail(ledger):
    x = np.array([2.0, 4.0, 8.0])
    rec = ng.check_exponent(ledger, "nguyen2021.sec3_2.width_exponent.eq18_vs_N3", x, 5 * x ** 3, 3.0, 0.3,
                            statement="s", source="s", provenance="derived", hypothesis_met=None)
    assert rec.kind == "scaling" and rec.status == "holds"
    with pytest.raises(ClaimViolation):           # a wrong exponent
        ng.check_exponent(ledger, "nguyen2021.sec3_2.width_exponent.eq18_vs_N3", x, 5 * x ** 3, 2.0, 0.3,
                          statement="s", source="s", provenance="paper", hypothesis_met=None, case="wrong")
    rec = ng.check_exponent(ledger, "nguyen2021.sec3_2.width_exponent", x, 5 * x ** 3, 2.0, 0.3,
                            statement="s", source="s", provenance="paper", hypothesis_met=True, kind="erratum")
    assert rec.status == "erratum confirmed"
    rec = ng.check_exponent(ledger, "nguyen2021.eq30.pre_slope", x, 5 * x ** 3, 3.0, 0.3, statement="s",
                            source="s", provenance="derived", hypothesis_met=False, case="beyond")
    assert rec.status == "holds beyond hypothesis"


# -- §3.3 ---------------------------------------------------------------------------------------
def test_moments_and_bad_scaling(ledger):
    Xs = data.gaussian(2000, 32, seed=0)
    assert ng.check_moments(ledger, Xs, case="t").kind == "assumption"
    with pytest.raises(ClaimViolation):           # data of norm ~ n0 instead of sqrt(n0)
        ng.check_moments(ledger, Xs * math.sqrt(32), case="bad")


def test_concentration_and_heavy_tails(ledger):
    Xs = data.gaussian(3000, 16, seed=1)
    f = lambda A: A[:, 0]  # noqa: E731
    ng.check_lipschitz_concentration(ledger, Xs, f, t=2.5, c=0.5, case="t")
    heavy = torch.as_tensor(np.random.default_rng(2).standard_cauchy((3000, 16)))
    with pytest.raises(ClaimViolation):
        ng.check_lipschitz_concentration(ledger, heavy, f, t=2.5, c=0.5, case="cauchy")


def test_lemma33_band_and_too_narrow(ledger):
    X = data.gaussian(8, 64, seed=7)
    rs = [ng.lemma33_ratio(X, [64, 64, n, 1], seed=s) for n in (128, 512) for s in range(2)]
    assert ng.check_lemma33(ledger, rs, hypothesis_met=False, case="t").status == "holds beyond hypothesis"
    with pytest.raises(ClaimViolation):           # band constant tightened
        ng.check_lemma33(ledger, rs, hypothesis_met=False, band_factor=1.0 + 1e-6, case="tight")
    with pytest.raises(ClaimViolation):           # n_{L-1} < N: sigma_min = 0
        ng.check_lemma33(ledger, [ng.lemma33_ratio(X, [64, 64, 4, 1], seed=0)], hypothesis_met=False,
                         case="narrow")


def test_exponents_symbolic_and_changed_constants(ledger):
    a, b, c = sp.Rational(4, 3), sp.Rational(-1, 6), sp.Rational(1, 2)
    exp = {"eq7_L": sp.Rational(1, 3), "eq7_Lm1": sp.Rational(5, 3), "eq7_rest": sp.Rational(2, 3),
           "eq9": sp.Rational(1, 3), "eq8": sp.Rational(1, 3)}
    ng.check_exponents(ledger, a, b, c, exp)
    der = ng.derived_exponents(a, b, c)
    assert der["eq9_printed"] == sp.Rational(5, 6) and der["eq8_direct"] == sp.Rational(2, 3)
    with pytest.raises(ClaimViolation):           # W_L variance n^{-1} instead of n^{-4/3}
        ng.check_exponents(ledger, 1, b, c, exp, case_prefix="a=1: ")


def test_eq9_squared_and_needed_width():
    X = data.gaussian(4, 8, seed=0)
    Y = data.labels(4, seed=1, kind="sign", outputs=1)
    model, p, t = ng.corollary32_point(X, Y, [8, 8, 64, 1], seed=0)
    lhs, rhs = ng.eq9_squared(t)
    assert lhs == t.cond9[0] and rhs >= t.cond9[1]   # squared product >= product when lam_bar >= 1
    assert ng.needed_width([10, 100], [0.01, 0.1]) == pytest.approx(1000.0)
    assert ng.needed_width([10, 100], [0.1, 0.01]) == float("inf")


def test_eq16_prediction_and_tightened(ledger):
    N, d = 3, 9
    X = ng.sphere_data(N, d, seed=103)
    Y = data.labels(N, seed=203, kind="sign", outputs=1)
    sw = ng.width_sweep(X, Y, n1_max=120_000, seed=303)
    r = ng.eq16_prediction_ratio(sw, ng.lambda_star(X))
    assert ng.check_eq16_prediction(ledger, [r], case="t").status == "holds"
    with pytest.raises(ClaimViolation):           # band tightened around a wrong constant (N^2 / lambda*^2 x 128)
        ng.check_eq16_prediction(ledger, [r], band=(0.5 * r / 0.25, 2.0 * r / 0.25), case="tight")


# -- errata item 8: the width (18) forces ---------------------------------------------------------
def test_eq18_necessary_width_symbolic():
    n1_min, expo = ng.eq18_necessary_width(r=2)
    N, d = sp.symbols("N d", positive=True)
    assert sp.simplify(n1_min - 32 * N * d) == 0
    assert expo == 3
    assert ng.eq18_necessary_width(r=3)[1] == 4


def test_sigma_min_vs_frobenius_and_tightened(ledger):
    X = ng.sphere_data(4, 16, seed=0)
    Y = data.labels(4, seed=1, kind="sign", outputs=1)
    sw = ng.width_sweep(X, Y, n1_max=512, seed=2, with_lam1=False)
    assert ng.check_sigma_min_vs_frobenius(ledger, sw, case="t").status == "holds"
    with pytest.raises(ClaimViolation):          # a constant tightened: α0² ≤ ‖F_1‖_F²/(4N) is false
        ng.check_sigma_min_vs_frobenius(ledger, sw, factor=0.25, case="tight")


def test_eq18_fails_below_necessary_width_and_holds_far_above(ledger):
    X = ng.sphere_data(4, 16, seed=0)
    Y = data.labels(4, seed=1, kind="sign", outputs=1)
    lhs, rhs = (v[-1] for v in ng.width_sweep(X, Y, n1_max=16 * 4 * 16, seed=3, with_lam1=False).conditions()["eq18"])
    assert lhs < rhs                                 # below 32Nd (18) cannot hold
    lhs, rhs = (v[-1] for v in ng.width_sweep(X, Y, n1_max=400 * 4 * 16, seed=3, with_lam1=False).conditions()["eq18"])
    assert lhs >= rhs                                # the check is not vacuous: wide enough, it holds


def test_eq18_exponent_claim_and_control(ledger):
    rec = ng.check_eq18_exponent(ledger, r=2, case="r=2")
    assert rec.lhs == 3.0 and rec.status == "erratum confirmed"
    # d ∝ N: the width (18) forces is N², no contradiction — the exact certificate of "exponent > 2"
    # is disproved (ClaimViolation) before the check could report that it held
    with pytest.raises((ClaimViolation, ExpectedViolationHeld)):
        ng.check_eq18_exponent(ledger, r=1, case="r=1")

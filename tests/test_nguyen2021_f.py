"""Nguyen 2021 chapter: the certificates (``ntkbook.nguyen2021.certified`` and the certifying
helpers of errata, §3.1–§3.3) — each path proves its finding at the chapter's point, and a
perturbed point that no longer shows the finding never comes back proved (negative controls)."""
import numpy as np
import pytest
import torch
from flint import arb

from ntkbook import data, models
from ntkbook import nguyen2021 as ng
from ntkbook.errors import ClaimViolation, ExpectedViolationHeld
from ntkbook.nguyen2021 import certified

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def trained2():
    return ng.trained_point(2)


@pytest.fixture(scope="module")
def cx2():
    """Erratum 1's point at L = 2 (page 08): (7)–(9) as printed hold, (9*) fails."""
    X = data.sphere(4, 4, seed=1)
    net = models.DeepReLU([4, 16, 1])
    p, Y, beta, t = ng.printed9_counterexample(net, seed=0, X=X)
    return net, p, X, Y, t


# -- the enclosure itself -------------------------------------------------------------------------
def test_enclosure_contains_the_float_quantities(trained2):
    net, p, beta, C, t, X, Y = trained2
    enc = certified.enclose_theorem22(net, p, X, Y, C)
    for ball, value in [(enc.alpha0, t.alpha0), (enc.norm_X, t.norm_X), (enc.s2p, t.sqrt_2phi0)]:
        lo, hi = certified.interval_bounds(ball)
        assert lo <= value <= hi and hi - lo <= 1e-12 * value
    for lam, value in zip(enc.lam, t.lam_bar):
        lo, hi = certified.interval_bounds(lam)
        assert lo - 1e-13 * value <= value <= hi + 1e-13 * value


def test_relu_ball_straddling_zero_is_zero_to_upper():
    M = certified.arb_mat(1, 3, [arb(2), arb(-1), arb(0, 1e-3)])
    out = certified.relu_ball(M).entries()
    assert out[0] == 2 and out[1] == 0
    assert out[2].contains(0) and out[2].contains(arb(1e-3))     # the ball [0, upper] (rounded out)
    assert out[2].lower() > -1e-9


def test_trained_point_is_reproducible_and_its_hex_exact(trained2):
    net, p, beta, C, t, X, Y = trained2
    again = ng.trained_point(2)
    assert all(torch.equal(p[k], again[1][k]) for k in p) and beta == again[2]
    hexed = ng.float_hex(p)
    back = np.array([[float.fromhex(x) for x in row] for row in hexed["W1"]])
    assert np.array_equal(back, p["W1"].numpy())


# -- hypotheses: proved where they hold, never where they do not ----------------------------------
def test_conditions_certified_at_the_trained_point_and_not_where_they_fail(ledger, trained2, cx2):
    net, p, beta, C, t, X, Y = trained2
    eta = 0.99 * t.eta_bound
    enc = certified.enclose_theorem22(net, p, X, Y, C)
    out = ng.check_conditions(ledger, t, eta, case="trained", enclosure=enc)
    assert all(r.certified == "proved" for r in out.values())
    assert out["width"].exact and out["width"].status == "holds"          # 3 >= 3, integers
    # (9*) fails at erratum 1's point: certifying it as holding is disproved, as broken proved
    netc, pc, Xc, Yc, tc = cx2
    encc = certified.enclose_theorem22(netc, pc, Xc, Yc, tc.C)
    assert certified.certify_condition(encc, "eq9*").verdict == "disproved"
    assert certified.certify_condition(encc, "eq9*", broken=True).proved
    # eta above (10): the certificate of eta < (10) is disproved
    assert certified.certify_condition(enc, "eq10", eta=2 * t.eta_bound).verdict == "disproved"


def test_ceiling_certificate_and_lowered_ceiling(ledger, trained2):
    net, p, beta, C, t, X, Y = trained2
    enc = certified.enclose_theorem22(net, p, X, Y, C)
    rec = ng.check_ceiling(ledger, t, 0.99 * t.eta_bound, case="t", enclosure=enc)
    assert rec.certified == "proved"
    with pytest.raises(ClaimViolation):          # a ceiling 1000 times lower: disproved and fails
        ng.check_ceiling(ledger, t, 0.99 * t.eta_bound, case="low", factor=1e-3, enclosure=enc)


# -- errata of the final chain --------------------------------------------------------------------
def test_chain_errata_certified_at_the_counterexample_not_at_the_trained_point(ledger, cx2,
                                                                              trained2):
    netc, pc, Xc, Yc, tc = cx2
    tr = ng.proof_trace(netc, pc, Xc, Yc, tc.C, 0.99 * tc.eta_bound, 3)
    enc = certified.enclose_theorem22(netc, pc, Xc, Yc, tc.C)
    for f in (ng.check_erratum_last_step, ng.check_erratum_literal_chain,
              ng.check_erratum_factor, ng.check_erratum_printed_line1):
        assert f(ledger, tr, case="cx", enclosure=enc).certified == "proved"
    # where (9*) holds the erratum does not occur: its certificate is disproved and the check raises
    net, p, beta, C, t, X, Y = trained2
    good = ng.proof_trace(net, p, X, Y, C, 0.99 * t.eta_bound, 3)
    enc_good = certified.enclose_theorem22(net, p, X, Y, C)
    with pytest.raises((ClaimViolation, ExpectedViolationHeld)):
        ng.check_erratum_last_step(ledger, good, case="good", enclosure=enc_good)


def test_FtF_certificate_only_when_FtF_is_singular():
    X = data.sphere(4, 4, seed=1)
    wide = models.DeepReLU([4, 12, 1])
    assert ng.certify_FtF_below_sigma2(wide, wide.init(seed=0), X).proved
    square = models.DeepReLU([4, 4, 1])          # n_(L-1) = N: λ_min(FᵀF) = σ_min(F)²
    assert not ng.certify_FtF_below_sigma2(square, square.init(seed=0), X).proved


def test_sigma_min_product_certificate_only_below_full_rank():
    W = models.DeepReLU([4, 64, 1]).init(seed=3)["W1"]
    X = data.sphere(8, 4, seed=2)                # n0 = 4 < N = 8: rank(XW) <= 4
    assert ng.certify_sigma_min_product_zero(X, W, 1e-12).proved
    X8 = data.sphere(8, 8, seed=2)
    W8 = models.DeepReLU([8, 64, 1]).init(seed=3)["W1"]
    assert ng.certify_sigma_min_product_zero(X8, W8, 1e-12).verdict == "disproved"


# -- §3.1 ---------------------------------------------------------------------------------------
def test_polynomial_certificates_on_both_sides_of_the_threshold(ledger):
    X = data.sphere(4, 5, seed=0)
    Y = data.labels(4, seed=1, outputs=1)
    model = models.DeepReLU([5, 8, 8, 1])
    p = model.init(seed=2)
    bp = ng.beta_polynomials(model, p, X, Y)
    star = ng.beta_thresholds(bp)["eq15"]
    enc = certified.enclose_theorem22(model, ng.scaled_point(p, 1.0, 3), X, Y, 1.0)
    rec = ng.check_poly_at_beta(ledger, bp, "eq15", star * (1 - 1e-9), case="below", below=True,
                                enclosure=enc)
    assert rec.certified == "proved"
    assert ng.check_poly_at_beta(ledger, bp, "eq15", star * (1 + 1e-9), case="above",
                                 enclosure=enc).certified == "proved"
    with pytest.raises((ClaimViolation, ExpectedViolationHeld)):   # above the threshold: holds
        ng.check_poly_at_beta(ledger, bp, "eq15", star * (1 + 1e-9), case="wrong", below=True,
                              enclosure=enc)


def test_exact_gd_certificate_and_tightened_rate():
    X = data.sphere(4, 5, seed=0)
    Y = data.labels(4, seed=1, outputs=1)
    model = models.DeepReLU([5, 8, 1])
    bp = ng.beta_polynomials(model, model.init(seed=2), X, Y)
    p0 = ng.scaled_point(model.init(seed=2), ng.beta_thresholds(bp)["star"] * (1 + 1e-6), 2)
    t = ng.theorem22(model, p0, X, Y, C=1.0)
    eta = 0.99 * t.eta_bound
    balls = []
    assert certified.certify_rate_exact_gd(model, p0, X, Y, eta, 10, losses=balls).proved
    losses = ng.gd_rate_run(model, p0, X, Y, eta, 10)
    assert np.allclose([float(b.mid()) for b in balls], losses, rtol=1e-14, atol=0)
    assert not certified.certify_rate_exact_gd(model, p0, X, Y, eta, 10, factor=1e6).proved


# -- §3.2 and §3.3 -----------------------------------------------------------------------------
def test_eq18_certificates_below_and_far_above_the_necessary_width():
    X = ng.sphere_data(2, 4, seed=0)                 # 32 N d = 256
    Y = data.labels(2, seed=1, kind="sign", outputs=1)
    sw = ng.width_sweep(X, Y, n1_max=16 * 2 * 4, seed=3, with_lam1=False)
    assert ng.certify_eq18_fails(X, Y, sw.grid, int(sw.grid[-1]), [3]).proved
    wide = ng.width_sweep(X, Y, n1_max=400 * 2 * 4, seed=3, with_lam1=False)
    a2, rhs = (v[-1] for v in wide.conditions()["eq18"])
    assert a2 >= rhs
    assert not ng.certify_eq18_fails(X, Y, wide.grid, int(wide.grid[-1]), [3]).proved


def test_eq18_vs_printed_eq9_needs_a_nonzero_first_layer():
    X = ng.sphere_data(3, 9, seed=0)
    p = ng.lecun_two_layer(9, 50, 1, seed=1)
    assert ng.certify_eq18_vs_printed_eq9(X, p).proved
    zero = {"W1": torch.zeros_like(p["W1"]), "W2": p["W2"]}     # λ̄_1 = 1: the two sides agree
    assert not ng.certify_eq18_vs_printed_eq9(X, zero).proved


def test_eq18_exponent_certificate_control(ledger):
    assert ng.check_eq18_exponent(ledger, r=2, case="r=2").certified == "proved"
    with pytest.raises((ClaimViolation, ExpectedViolationHeld)):    # r = 1: 2 > 2 is disproved
        ng.check_eq18_exponent(ledger, r=1, case="r=1")


def test_small_instance_and_eq30_certificates_and_controls():
    X3, Y3 = ng.sphere_data(3, 3, seed=1), data.labels(3, seed=2, outputs=1)
    model, p, t = ng.corollary32_point(X3, Y3, [3, 3, 5000, 1], seed=0)
    assert ng.certify_small_instance(model, p, X3, t.C).proved
    big = dict(p, W1=1e3 * p["W1"])                   # ‖F_1‖ a thousand times larger: no proof
    assert not ng.certify_small_instance(model, big, X3, t.C).proved
    X = data.gaussian(8, 16, seed=11)
    assert ng.certify_eq30_fails(16384, X, 16, 16).proved
    assert ng.certify_eq30_fails(10 ** 12, X, 16, 16).verdict == "disproved"


def test_exact_rank_certificate_needs_fewer_columns():
    assert certified.exact_rank_certificate("s", 4, 6, "d").proved
    with pytest.raises(ValueError):
        certified.exact_rank_certificate("s", 6, 6, "d")

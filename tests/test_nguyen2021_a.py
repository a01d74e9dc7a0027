"""Nguyen 2021 chapter, pages 01–04 and 08: unit tests and the negative controls of the claims.

A negative control calls the very check function the notebook uses (``ntkbook.nguyen2021``) on a
broken hypothesis (conditions (7)–(9) violated, a last hidden layer narrower than N), a step size
above what the theorem allows, or a tightened constant, and asserts that it reports a violation.
Corrupted traces (a quantity replaced by a wrong one) only test that the identities can fail.
"""
from dataclasses import replace

import numpy as np
import pytest
import sympy as sp
import torch

from ntkbook import data, kernels, models
from ntkbook import nguyen2021 as ng
from ntkbook.errors import AssumptionError, ClaimViolation, ExpectedViolationHeld
from ntkbook.ledger import Ledger

STEPS = list(ng.TRACE_STEPS)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _fresh(ledger, name):
    """Another throw-away ledger next to ``ledger`` (a claim id may be recorded once per ledger)."""
    return Ledger("nguyen2021", name, directory=ledger.path.parent.parent)


@pytest.fixture(scope="module")
def setup():
    X = data.sphere(4, 4, seed=1)
    Y = data.labels(4, seed=2, outputs=1)
    net = models.DeepReLU([4, 16, 1])
    p, beta, C, t = ng.best_rate_beta_init(net, net.init(seed=0), X, Y, 2.0 ** np.arange(0, 14, 1.0),
                                           10.0 ** np.arange(-1, 5, 0.5))
    return X, Y, net, p, C, t


@pytest.fixture(scope="module")
def good_trace(setup):
    X, Y, net, p, C, t = setup
    return ng.proof_trace(net, p, X, Y, C, 0.99 * t.eta_bound, 15)


@pytest.fixture(scope="module")
def big_eta_trace(setup):
    X, Y, net, p, C, t = setup
    lmax = kernels.lambda_max(ng.full_ntk(net, p, X))
    return ng.proof_trace(net, p, X, Y, C, 3.0 / lmax, 30)


@pytest.fixture(scope="module")
def lecun_point(setup):
    """A two-layer LeCun point of width 64 at which (7), (8), (9) and (9*) all fail (C = 1)."""
    X, Y, _, _, _, _ = setup
    small = models.DeepReLU([4, 64, 1])
    ps = small.init(seed=7)
    return small, ps, ng.theorem22(small, ps, X, Y, 1.0)


@pytest.fixture(scope="module")
def narrow_lecun_trace(setup, lecun_point):
    X, Y, *_ = setup
    small, ps, ts = lecun_point
    return ng.proof_trace(small, ps, X, Y, 1.0, 0.99 * ts.eta_bound, 10)


@pytest.fixture(scope="module")
def moving_trace(setup, lecun_point):
    """The LeCun point at a practical step 1/λ_max(K): every layer moves."""
    X, Y, *_ = setup
    small, ps, _ = lecun_point
    lmax = kernels.lambda_max(ng.full_ntk(small, ps, X))
    return ng.proof_trace(small, ps, X, Y, 1.0, 1.0 / lmax, 40)


# --- page 01: (2)–(3) ---------------------------------------------------------------------------
def _net01():
    X = data.gaussian(5, 3, seed=0)
    Y = data.labels(5, seed=1, outputs=2)
    net = models.DeepReLU([3, 6, 8, 2])
    return X, Y, net, net.init(seed=3)


def test_eq2_block_holds_and_without_vec_permutation_fails(ledger):
    X, _, net, p = _net01()
    assert ng.check_eq2_output_block(ledger, net, p, X, case="t").holds
    with pytest.raises(ClaimViolation):
        ng.check_eq2_output_block(ledger, net, p, X, case="neg", reorder=False)


def test_eq3_holds_and_tightened_constant_fails(ledger):
    X, Y, net, p = _net01()
    q, r1, r2 = ng.check_eq3(ledger, "t", net, p, X, Y)
    assert r1.holds and r2.holds and q["lam_min_K"] >= q["lam_min_FFt"]
    assert r1.kind == r2.kind == "identity"
    with pytest.raises(ClaimViolation):
        ng.check_eq3(ledger, "neg", net, p, X, Y, factor=1e6)


# --- page 02: Lemma 2.1 -----------------------------------------------------------------------
def test_lemma21_holds_and_tightened_bound_fails(ledger):
    X = data.gaussian(6, 4, seed=0)
    Y = data.labels(6, seed=1, outputs=2)
    net = models.DeepReLU([4, 8, 8, 2])
    pa, pb = ng.random_pair(net, seed=3, scale_a=2.0, dist=0.5)
    l4, r4 = ng.lemma21_eq4(net, pa, X, Y)
    l5, r5 = ng.lemma21_eq5(net, pa, pb, X)
    assert ng.check_lemma21(ledger, "4", l4, r4).status == "holds"
    assert ng.check_lemma21(ledger, "5", l5, r5).status == "holds"
    with pytest.raises(ClaimViolation):
        ng.check_lemma21(ledger, "4", l4, r4, case="neg", factor=0.01)
    with pytest.raises(ClaimViolation):
        ng.check_lemma21(ledger, "5", l5, r5, case="neg", factor=0.01)


def test_lemma21_eq5_refuses_lambda_bar_below_norms():
    X = data.gaussian(3, 4, seed=0)
    net = models.DeepReLU([4, 5, 1])
    pa, pb = ng.random_pair(net, seed=0)
    with pytest.raises(AssumptionError):
        ng.lemma21_eq5(net, pa, pb, X, lam_bar=[1e-3, 1e-3])


def test_hypothesis_search_finds_no_violation_but_finds_one_when_tightened(ledger):
    rec, worst, n, example = ng.check_lemma21_search(ledger, max_examples=15)
    assert example is None and n >= 15 and worst <= 1 + 1e-10 and rec.ok
    with pytest.raises(ClaimViolation):
        ng.check_lemma21_search(ledger, max_examples=15, factor=0.05, case="neg")


# --- page 03: Theorem 2.2 along GD -------------------------------------------------------------
def test_with_C_matches_theorem22(setup):
    X, Y, net, p, C, t = setup
    C2 = np.array([0.3, 7.0])
    a, b = ng.with_C(ng.theorem22(net, p, X, Y, 1.0), C2), ng.theorem22(net, p, X, Y, C2)
    for f in ("cond7", "cond8", "cond9"):
        np.testing.assert_allclose(getattr(a, f), getattr(b, f), rtol=1e-12)
    np.testing.assert_allclose(a.eta_bound, b.eta_bound, rtol=1e-12)


def test_beta_scaled_init_meets_all_conditions(ledger, setup):
    *_, t = setup
    r = ng.condition_ratios(t)
    assert ng.hypothesis_met_corrected(t) and min(r.values()) >= 1
    recs = ng.check_conditions(ledger, t, 0.99 * t.eta_bound, case="t")
    assert all(rec.status == "holds" and rec.kind == "assumption" for rec in recs.values())


@pytest.mark.parametrize("name", list(ng.CONDITIONS))
def test_each_condition_fails_where_it_is_broken(ledger, setup, lecun_point, name):
    X, Y, *_ = setup
    if name == "width":
        narrow = models.DeepReLU([4, 8, 2, 1])
        t = ng.theorem22(narrow, narrow.init(seed=0), X, Y, 1.0)
    elif name == "eq10":
        t = setup[-1]
    else:
        t = lecun_point[2]
    eta = 2 * t.eta_bound
    with pytest.raises(ClaimViolation):
        ng.check_condition(ledger, name, t, eta=eta, case="broken")
    rec = ng.check_condition(_fresh(ledger, "b"), name, t, eta=eta, case="broken", broken=True)
    assert rec.status == "expected violation" and rec.kind == "counterexample"


def test_every_proof_step_holds_along_a_good_run(ledger, good_trace):
    assert good_trace.hypothesis_met
    out = ng.check_proof_trace(ledger, "good", good_trace)
    assert set(out) == set(STEPS) and all(r.ok for r in out.values())
    assert out["eq11"].kind == "conclusion" and out["eq11"].hypothesis_met is True
    assert out["weyl_drift"].kind == "identity" and out["drift.C"].kind == "assumption"
    # the hidden layer of a beta-scaled point does not move: its drift is at rounding level
    assert out["F_drift.eq5"].status == "unresolved" and out["step.termB.eq5"].status == "unresolved"


@pytest.mark.parametrize("name", ["eq11", "eq12.W_norm", "drift.eq4", "drift.actual_C", "F_drift.bound",
                                  "step.termB", "chain.eq10"])
def test_step_size_beyond_stability_breaks_the_proof(ledger, big_eta_trace, name):
    assert not big_eta_trace.hypothesis_met
    with pytest.raises(ClaimViolation):
        ng.check_proof_trace(ledger, "bigeta", big_eta_trace, only=[name])


@pytest.mark.parametrize("name", ["drift.C", "F_drift.eq8", "chain.eq9"])
def test_conditions_7_8_9_violated_break_their_steps(ledger, narrow_lecun_trace, name):
    with pytest.raises(ClaimViolation):
        ng.check_proof_trace(ledger, "lecun", narrow_lecun_trace, only=[name])


def test_large_step_breaks_sigma_min_and_the_third_term(ledger, setup):
    """(7)–(9) violated (LeCun, width 6) and a large step 1.9/λ_max(K): F_{L−1} moves, its smallest
    singular value falls below α0/2 and the third term's bound fails."""
    X, Y, *_ = setup
    net = models.DeepReLU([4, 6, 1])
    p = net.init(seed=2)
    lmax = kernels.lambda_max(ng.full_ntk(net, p, X))
    tr = ng.proof_trace(net, p, X, Y, 1.0, 1.9 / lmax, 200)
    for name in ("eq12.sigma_min", "step.termC"):
        with pytest.raises(ClaimViolation):
            ng.check_proof_trace(ledger, f"large {name}", tr, only=[name])


@pytest.mark.parametrize("name,which,factor", [
    ("F_drift.eq5", "moving", 100.0), ("step.termA.eq5", "moving", 100.0), ("step.termA", "moving", 100.0),
    ("eq11", "moving", 30.0), ("eq12.sigma_min", "moving", 100.0), ("step.termC", "moving", 100.0),
    ("chain.printed", "good", 1e4), ("chain.literal", "good", 1e4)])
def test_tightened_constants_break_the_steps(ledger, moving_trace, good_trace, name, which, factor):
    """Each step holds as stated and fails with its constant strengthened: on a run in which every
    layer moves (LeCun, practical step), and for the chain on a run inside the hypotheses (where
    its factor is below 1; gradient descent decreases the loss far faster than the chain says)."""
    tr = moving_trace if which == "moving" else good_trace
    rec = ng.check_proof_trace(ledger, which, tr, only=[name])[name]
    assert rec.status in ("holds", "holds beyond hypothesis", "unresolved")
    with pytest.raises(ClaimViolation):
        ng.check_proof_trace(ledger, "tightened", tr, only=[name], tighten=factor)


def test_eta_above_8_over_alpha0_squared_breaks_geometric_sum(ledger, setup):
    X, Y, net, p, C, t = setup
    tr = ng.proof_trace(net, p, X, Y, C, 10 / t.alpha0 ** 2, 3)
    with pytest.raises(ClaimViolation):       # u = sqrt(1 - eta alpha0^2 / 8) is not real
        ng.check_proof_trace(ledger, "geom", tr, only=["drift.geom_sum"])


@pytest.mark.parametrize("name,field,how", [
    ("drift.triangle", "drift", lambda tr: tr.grad_sum * 2 + 1e-3),
    ("weyl_drift", "W_norm", lambda tr: tr.W_norm + tr.drift + 1.0),
    ("F_drift.eq5", "F_drift", lambda tr: tr.F_drift_mid * 2 + 1e-3),
    ("step.identity", "identity_lhs", lambda tr: tr.identity_lhs * (1 + 1e-6)),
    ("step.termA.eq5", "termA", lambda tr: tr.termA_mid * 2),
    ("step.termB.eq5", "termB", lambda tr: np.abs(tr.termB_mid) * 2 + 1e-6),
    ("step.termC.identity", "termC", lambda tr: tr.termC * (1 + 1e-6)),
    ("step.termC", "termC", lambda tr: tr.termC_bound / 2),
    ("eq12.sigma_min", "sigma", lambda tr: tr.sigma * 0.4),
    ("chain.printed", "phi", lambda tr: tr.phi * np.exp(np.arange(tr.phi.size) * 1e-3)),
    ("chain.literal", "phi", lambda tr: tr.phi * np.exp(np.arange(tr.phi.size) * 1e-3)),
])
def test_identity_and_triangle_steps_detect_a_corrupted_trace(ledger, good_trace, name, field, how):
    bad = replace(good_trace, **{field: how(good_trace)})
    with pytest.raises(ClaimViolation):
        ng.check_proof_trace(ledger, "corrupt", bad, only=[name])


def test_variants_record_beyond_and_counterexample_ids(ledger, big_eta_trace, good_trace):
    rec = ng.check_proof_trace(ledger, "div", big_eta_trace, variant="counterexample", only=["eq11"])["eq11"]
    assert rec.kind == "counterexample" and rec.status == "expected violation"
    assert rec.id == "nguyen2021.eq11.counterexample[div]"
    with pytest.raises(ValueError):
        ng.check_proof_trace(ledger, "x", good_trace, variant="beyond", only=["drift.C"])


def test_rate_11_in_the_trace_is_vacuous_below_the_loss_resolution(ledger, setup, good_trace):
    """(11) along a trace carries its trivial value Φ0: at a step so small that the certified
    decrease stays below the loss's rounding it says nothing (unresolved, every element vacuous);
    at 0.99 x (10) it holds with no vacuous element."""
    X, Y, net, p, C, t = setup
    rec = ng.check_proof_trace(ledger, "ok", good_trace, only=["eq11"])["eq11"]
    assert rec.status == "holds" and rec.vacuous == 0
    tiny = ng.proof_trace(net, p, X, Y, C, 1e-12 * t.eta_bound, 3)
    rec = ng.check_proof_trace(_fresh(ledger, "vacuous"), "tiny", tiny, only=["eq11"])["eq11"]
    assert rec.status == "unresolved" and rec.vacuous == rec.count == 3


def test_loss_decrease_fails_for_a_diverging_step(ledger):
    X = data.sphere(6, 4, seed=1)
    Y = data.labels(6, seed=2, outputs=1)
    narrow = models.DeepReLU([4, 32, 4, 1])
    p = narrow.init(seed=3)
    from ntkbook.training import gradient_descent
    lmax = kernels.lambda_max(ng.full_ntk(narrow, p, X))
    ok = gradient_descent(lambda q: narrow.loss(q, X, Y), p, 0.5 / lmax, 30, trainable=narrow.trainable)
    assert ng.check_loss_decreased(ledger, ok.losses, hypothesis_met=False, case="ok").status == \
        "holds beyond hypothesis"
    bad = gradient_descent(lambda q: narrow.loss(q, X, Y), p, 5.0 / lmax, 3, trainable=narrow.trainable)
    with pytest.raises(ClaimViolation):    # a step 10 times too large: the loss jumps up
        ng.check_loss_decreased(ledger, bad.losses, hypothesis_met=False, case="diverging")


def test_proof_trace_refuses_alpha0_zero(setup):
    X, Y, _, _, _, _ = setup
    narrow = models.DeepReLU([4, 8, 2, 1])
    with pytest.raises(AssumptionError):
        ng.proof_trace(narrow, narrow.init(seed=0), X, Y, 1.0, 1e-3, 2)
    with pytest.raises(AssumptionError):
        ng.proof_trace(narrow, narrow.init(seed=0), X, Y, 1.0, -1.0, 2)
    with pytest.raises(AssumptionError):
        ng.lemma21_eq4(narrow, narrow.init(seed=0), X[:, :3], Y)   # X has the wrong number of columns


def test_identity_middle_init_keeps_features(setup):
    X, *_ = setup
    net = models.DeepReLU([4, 16, 16, 16, 1])
    p = ng.identity_middle_init(net, seed=0)
    F = net.features(p, X)
    assert torch.allclose(F[3], torch.relu(X @ p["W1"]))
    with pytest.raises(AssumptionError):
        ng.identity_middle_init(models.DeepReLU([4, 16, 8, 1]), seed=0)


# --- page 08: errata --------------------------------------------------------------------------
def test_symbolic_last_step_needs_squared_product():
    sym = ng.conditions_symbolic()
    eta, a, q1, q2, _ = sym["symbols"]
    assert sp.simplify(sym["second_minus_target"] - (-eta * (a ** 2 - 16 * q2) / 8)) == 0
    assert sp.simplify(sym["literal_minus_printed"] - (-eta * (a ** 2 - 4 * q2) / 4)) == 0
    assert sp.simplify(sym["printed_minus_second"] - eta * (eta * q1 ** 2 - q2)) == 0
    for L in (2, 3, 4):
        ratio, _, _ = ng.cond9_sympy_gap(L)
        lam = sp.symbols(f"lambda1:{L + 1}", positive=True)
        assert sp.simplify(ratio - sp.Mul(*lam[:L - 1])) == 0
        assert sp.simplify(ratio - sp.Mul(*lam[:L - 1]) ** 2) != 0


def test_printed9_counterexample_breaks_the_last_step(ledger):
    X = data.sphere(4, 4, seed=1)
    net = models.DeepReLU([4, 16, 1])
    p, Y, beta, t = ng.printed9_counterexample(net, seed=0, X=X)
    r = ng.condition_ratios(t)
    assert t.hypothesis_met and r["9"] >= 1 and r["9*"] < 1
    tr = ng.proof_trace(net, p, X, Y, t.C, 0.99 * t.eta_bound, 5)
    rec = ng.check_erratum_last_step(ledger, tr, case="cx")
    assert rec.status == "erratum confirmed" and rec.hypothesis_met is True
    assert ng.check_erratum_printed_line1(ledger, tr, case="cx").status == "erratum confirmed"
    assert not tr.hypothesis_met           # (9*) fails: (11) there is observed beyond the hypothesis
    # at a point meeting the corrected (9) the step holds: an erratum that does not fail is an error
    Xs, Ys = data.sphere(4, 4, seed=1), data.labels(4, seed=2, outputs=1)
    p2, _, C2, t2 = ng.best_rate_beta_init(net, net.init(seed=0), Xs, Ys, 2.0 ** np.arange(0, 14, 1.0),
                                           10.0 ** np.arange(-1, 5, 0.5))
    tr2 = ng.proof_trace(net, p2, Xs, Ys, C2, 0.99 * t2.eta_bound, 3)
    with pytest.raises(ExpectedViolationHeld):
        ng.check_erratum_last_step(ledger, tr2, case="cx2")


def test_cond9_literal_is_weaker_than_needed(setup):
    *_, t = setup
    assert ng.cond9_literal(t)[1] == pytest.approx(ng.cond9_needed(t)[1] / 2)


def test_eta10_equals_q2_over_q1_squared(setup):
    *_, t = setup
    pc = ng.proof_constants(t)
    t1 = ng.with_C(t, t.C)
    assert min(8 / t.alpha0 ** 2, pc["eta10"]) == pytest.approx(t1.eta_bound, rel=1e-12)

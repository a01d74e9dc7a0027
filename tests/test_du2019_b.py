"""Negative controls and unit tests for ``ntkbook.du2019`` §4–5 (book/du2019 pages 05–07).

Every claim the notebooks check goes through a function of ``ntkbook.du2019``; each test below
calls the same function with the hypothesis broken or a bound made false (η far above the bound,
too narrow a width, a constant tightened) and asserts that it raises ClaimViolation — or, for a
counterexample the book shows on purpose, that it raises ExpectedViolationHeld when the
counterexample is removed.
"""
import math

import numpy as np
import pytest
import torch

from ntkbook import data, kernels, widths
from ntkbook import du2019 as du
from ntkbook.du2019 import R_lemma32
from ntkbook.errors import AssumptionError, ClaimViolation, ExpectedViolationHeld, SeedReuseError
from ntkbook.ledger import Ledger
from ntkbook.models import TwoLayerReLU

DELTA = 0.1
M_THM = 1e20                      # "the theorem's width": never reached by these runs


@pytest.fixture
def fresh(tmp_path):
    """A factory of throw-away ledgers: a claim id may be recorded once per ledger, so each
    negative control after a passing check of the same claim gets its own."""
    return lambda: Ledger("du2019", "control", directory=tmp_path)


@pytest.fixture(scope="module")
def small():
    """n = 4 unit inputs in d = 32, N(0,1) labels, Theorem 4.1's step with c = 1/2."""
    n, d = 4, 32
    X, y = data.sphere(n, d, seed=4), data.labels(n, seed=104)
    lam0 = kernels.lambda0(X)
    eta = du.eta_theorem(lam0, n, 0.5)
    K = int(np.ceil(3 * n**2 / (0.5 * lam0**2)))
    return dict(n=n, d=d, X=X, y=y, lam0=lam0, eta=eta, K=K)


@pytest.fixture(scope="module")
def wide_run(small):
    s = small
    return du.gd_proof_run(s["X"], s["y"], 64, 0, s["eta"], s["K"], lam0=s["lam0"])


@pytest.fixture(scope="module")
def narrow_run(small):
    """m = 1: H(k) is singular, so λ_min(H(k)) ≥ λ0/2 and the chain fail."""
    s = small
    return du.gd_proof_run(s["X"], s["y"], 1, 1, s["eta"], s["K"], lam0=s["lam0"])


# ---------------------------------------------------------------------------------------------
# unit tests of the module
# ---------------------------------------------------------------------------------------------
def test_eta_and_radius_validate():
    with pytest.raises(AssumptionError):
        du.eta_theorem(0.0, 4, 1.0)
    with pytest.raises(AssumptionError):
        du.R_prime_gd(4, 10, 1.0, -1.0)
    with pytest.raises(AssumptionError):
        du.m_theorem(4, 0.3, 4.0, 1.5)
    assert du.eta_theorem(0.4, 4, 2.0) == pytest.approx(0.05)
    assert du.R_prime_gd(4, 16, 3.0, 0.5) == pytest.approx(4 * 2 * 3 / (4 * 0.5))


def test_m_theorem_grows_like_n6():
    m1 = du.m_theorem(1000, 0.3, 1000.0, 0.1)
    m2 = du.m_theorem(2000, 0.3, 2000.0, 0.1)
    assert math.log2(m2 / m1) == pytest.approx(6.0, abs=1e-9)


def test_duplicate_input_is_refused(small):
    X = torch.cat([small["X"], small["X"][:1]])
    y = torch.cat([small["y"], small["y"][:1]])
    with pytest.raises(AssumptionError, match="parallel"):
        du.gd_proof_run(X, y, 8, 0, 1e-3, 5)


def test_batched_gd_matches_gradient_descent(small):
    s = small
    L_batch = du.batched_gd_losses(s["X"], s["y"], 16, [3, 7], 0.05, 30)
    for row, seed in zip(L_batch, [3, 7]):
        np.testing.assert_allclose(row, du.gd_losses(s["X"], s["y"], 16, seed, 0.05, 30), rtol=1e-10)


def test_proof_quantities_consistent(wide_run):
    run = wide_run
    # the recorded residuals are those of a forward pass, and R_k never decreases
    assert run.resid_sq.shape == (run.K + 1,)
    assert np.all(np.diff(run.R) >= 0)
    assert np.all(run.dist <= run.R + 1e-15)
    C = du.empirical_constants(run, DELTA)
    assert set(C) == {"cor4.1", "lemma4.1", "hperp", "I2", "quad"}
    assert 0 < C["cor4.1"] < du.C_COR41 and 0 < C["quad"] < 1


def test_c_max_and_hypothesis():
    import sympy as sp
    c, n = sp.symbols("c n", positive=True)
    # the chain with R = c32 delta lambda0 / n^2 and Lemma 4.1's C, in units of eta lambda0
    C41, c32 = 2 / sp.sqrt(2 * sp.pi), sp.sqrt(2 * sp.pi) / 16
    sol = sp.solve(sp.Eq(-1 + 2 * C41 * c32 * (1 + 1 / sp.sqrt(n)) + c, sp.Rational(-1, 2)), c)[0]
    for k in (2, 6, 30):
        assert du.c_max_chain(k) == pytest.approx(float(sol.subs(n, k)), rel=1e-12)
        assert du.c_max_chain(k) == pytest.approx(0.25 - 0.25 / math.sqrt(k), rel=1e-12)
    lam0 = 0.4
    assert du.thm41_hypothesis(6, 10**9, lam0, du.eta_theorem(lam0, 6, 0.1), 1e8)
    assert not du.thm41_hypothesis(6, 10**9, lam0, du.eta_theorem(lam0, 6, 0.5), 1e8)  # step
    assert not du.thm41_hypothesis(6, 10**7, lam0, du.eta_theorem(lam0, 6, 0.1), 1e8)  # width


def test_rate_holds_and_width_selection(small):
    s = small
    L = np.array([[4.0, 3.0, 2.0], [4.0, 4.0, 4.0]])
    assert list(du.rate_holds(L, eta=0.5, lam0=1.0)) == [True, False]
    eta = du.eta_theorem(s["lam0"], s["n"], 1.0)
    outcomes = du.width_outcomes(s["X"], s["y"], eta, int(np.ceil(6 * s["n"] ** 2 / s["lam0"] ** 2)),
                                 s["lam0"])
    select, test = widths.split_seeds(10, 10)
    sel = widths.select_width(outcomes, [1, 2, 4, 8, 16, 32, 64], select, level=1.0)
    assert sel.m_star is not None and sel.success[sel.m_star] == 1.0
    with pytest.raises(SeedReuseError):
        widths.heldout_test(outcomes, sel, select)
    assert widths.heldout_test(outcomes, sel, test).trials == 10


# ---------------------------------------------------------------------------------------------
# page 05: Theorem 4.1 and its proof
# ---------------------------------------------------------------------------------------------
def test_rate_probability_too_narrow(small, ledger, fresh):
    s = small
    seeds = list(range(30))
    eta = du.eta_theorem(s["lam0"], s["n"], 1.0)
    K = int(np.ceil(6 * s["n"] ** 2 / s["lam0"] ** 2))
    L = du.batched_gd_losses(s["X"], s["y"], 64, seeds, eta, K)
    rec = du.check_rate_probability(ledger, L, eta, s["lam0"], DELTA, seeds, case="c=1",
                                    hypothesis_met=du.thm41_hypothesis(s["n"], 64, s["lam0"], eta, M_THM))
    assert rec.status == "holds beyond hypothesis"
    L1 = du.batched_gd_losses(s["X"], s["y"], 1, seeds, eta, K)
    with pytest.raises(ClaimViolation):
        du.check_rate_probability(fresh(), L1, eta, s["lam0"], DELTA, seeds, case="c=1",
                                  hypothesis_met=False)


def test_rate_eta_far_above_bound(small, ledger, fresh):
    s = small
    W = TwoLayerReLU.init(64, s["d"], 0, dev="cpu")["W"]
    lam_max = kernels.lambda_max(kernels.gram(s["X"], W))
    L = du.gd_losses(s["X"], s["y"], 64, 0, 0.5 / lam_max, 60)
    du.check_gd_rate(ledger, L, 0.5 / lam_max, s["lam0"], hypothesis_met=False, case="f=0.5")
    for f in (1.97, 3.0):
        L = du.gd_losses(s["X"], s["y"], 64, 0, f / lam_max, 60)
        with pytest.raises(ClaimViolation):
            du.check_gd_rate(fresh(), L, f / lam_max, s["lam0"], hypothesis_met=False, case=f"f={f:g}")
        rec = du.check_gd_rate(ledger, L, f / lam_max, s["lam0"], hypothesis_met=False, case=f"f={f:g}",
                            expect="violation")
        assert rec.id == f"du2019.thm4.1.large_step[f={f:g}]"
    # the counterexample must fail when the step is small
    L = du.gd_losses(s["X"], s["y"], 64, 0, 0.5 / lam_max, 60)
    with pytest.raises(ExpectedViolationHeld):
        du.check_gd_rate(fresh(), L, 0.5 / lam_max, s["lam0"], hypothesis_met=False, expect="violation")


def test_proof_holds_when_wide(wide_run, ledger):
    recs = du.check_proof(ledger, wide_run, DELTA, m_thm=M_THM)
    assert len(recs) == 11 and all(r.ok for r in recs.values())
    kinds = {name: r.kind for name, r in recs.items()}
    assert kinds["eq.decomposition"] == kinds["lemma4.1.hperp"] == kinds["eq.I2"] == "identity"
    assert recs["cor4.1"].hypothesis_met is True and recs["cond4.1"].hypothesis_met is False
    assert recs["eq.decomposition"].hypothesis_met is None


@pytest.mark.parametrize("name", ["lemma3.2.gd", "eq.chain", "cond4.1"])
def test_proof_too_narrow(narrow_run, ledger, name):
    with pytest.raises(ClaimViolation):
        du.check_proof(ledger, narrow_run, DELTA, m_thm=M_THM, only=[name])


@pytest.mark.parametrize("name,key", [("cor4.1", "cor4.1"), ("lemma4.1.event", "lemma4.1"),
                                      ("lemma4.1.hperp_C", "hperp"), ("eq.I2_C", "I2"),
                                      ("eq.quadratic", "quad")])
def test_proof_constant_tightened(wide_run, ledger, fresh, name, key):
    C = du.empirical_constants(wide_run, DELTA)
    ckey = {"hperp": "lemma4.1", "I2": "lemma4.1"}.get(key, key)
    du.check_proof(ledger, wide_run, DELTA, m_thm=M_THM, only=[name], constants={ckey: 1.01 * C[key]})
    with pytest.raises(ClaimViolation):
        du.check_proof(fresh(), wide_run, DELTA, m_thm=M_THM, only=[name],
                       constants={ckey: 0.5 * C[key]})


@pytest.mark.parametrize("name,key", [("lemma4.1.hperp", "hperp_sum"), ("eq.I2", "I2_sum")])
def test_intermediate_bound_tightened(wide_run, ledger, name, key):
    with pytest.raises(ClaimViolation):
        du.check_proof(ledger, wide_run, DELTA, m_thm=M_THM, only=[name], constants={key: 1e-3})


def test_lemma41_probability(small, ledger, fresh):
    s = small
    seeds = range(30)
    counts = du.lemma41_counts(s["X"], 64, seeds, 0.05)
    assert du.check_lemma41(ledger, counts, 64, s["n"], 0.05, DELTA, seeds).status == "holds"
    with pytest.raises(ClaimViolation):                      # the constant tightened tenfold
        du.check_lemma41(fresh(), counts, 64, s["n"], 0.05, DELTA, seeds, factor=0.1)


def test_decomposition_needs_the_realized_radius(small, wide_run, ledger, fresh):
    s = small
    run = du.gd_proof_run(s["X"], s["y"], 64, 0, s["eta"], 100, lam0=s["lam0"],
                          radius=R_lemma32(s["n"], s["lam0"], DELTA))
    with pytest.raises(ClaimViolation):
        du.check_proof(ledger, run, DELTA, m_thm=M_THM, only=["eq.decomposition"])
    rec = du.check_decomposition_paper_radius(fresh(), run)
    assert rec.kind == "counterexample" and rec.status == "expected violation"
    everything = du.gd_proof_run(s["X"], s["y"], 64, 0, s["eta"], 50, lam0=s["lam0"], radius=10.0)
    with pytest.raises(ExpectedViolationHeld):               # S_i^perp = all neurons: it holds
        du.check_decomposition_paper_radius(fresh(), everything)
    with pytest.raises(ValueError):
        du.check_decomposition_paper_radius(fresh(), wide_run)


def test_divergence_threshold(small):
    s = small
    W = TwoLayerReLU.init(64, s["d"], 0, dev="cpu")["W"]
    lam_max = kernels.lambda_max(kernels.gram(s["X"], W))
    eta_div = du.divergence_threshold(s["X"], s["y"], 64, 0, np.geomspace(1.0, 100.0, 8) / lam_max, 100)
    assert 2.0 / lam_max < eta_div < 100.0 / lam_max        # the network survives past 2/lambda_max
    L = du.gd_losses(s["X"], s["y"], 64, 0, eta_div, 100)
    assert not np.isfinite(L[-1]) or L[-1] > 1e3 * L[0]
    assert np.isinf(du.divergence_threshold(s["X"], s["y"], 64, 0, [0.1 / lam_max], 20))


# ---------------------------------------------------------------------------------------------
# page 06: width
# ---------------------------------------------------------------------------------------------
def test_width_claims(small, ledger, fresh):
    s = small
    eta = du.eta_theorem(s["lam0"], s["n"], 1.0)
    K = int(np.ceil(6 * s["n"] ** 2 / s["lam0"] ** 2))
    m_thm = du.m_theorem(s["n"], s["lam0"], float(s["y"].pow(2).sum()), DELTA)
    outcomes = du.width_outcomes(s["X"], s["y"], eta, K, s["lam0"])
    select, test = widths.split_seeds(10, 30)
    sel = widths.select_width(outcomes, [64], select)
    wide, narrow = (widths.heldout_test(outcomes, sel, test, m=m) for m in (64, 1))
    rec = du.check_width(ledger, wide, s["n"], eta, K, s["lam0"], m_thm)
    assert rec.status == "holds beyond hypothesis" and rec.id == "du2019.thm4.1.width[n=4]"
    with pytest.raises(ClaimViolation):           # too narrow
        du.check_width(fresh(), narrow, s["n"], eta, K, s["lam0"], m_thm)
    with pytest.raises(ExpectedViolationHeld):    # the narrow counterexample must fail
        du.check_width(fresh(), wide, s["n"], eta, K, s["lam0"], m_thm, expect="violation")


def test_sufficient_width_and_exponent(ledger, fresh):
    ns = np.array([4, 6, 8])
    m_thm = np.array([du.m_theorem(n, 0.35, float(n), DELTA) for n in ns])
    assert du.check_sufficient_width(ledger, [8, 8, 8], m_thm).kind == "identity"
    with pytest.raises(ClaimViolation):          # the width's constant tightened 1e15-fold
        du.check_sufficient_width(fresh(), [8, 8, 8], 1e-15 * m_thm)
    du.check_width_exponent(ledger, ns, [8, 8, 8], m_thm)
    with pytest.raises(ClaimViolation):
        du.check_width_exponent(fresh(), ns, 1e-3 * ns.astype(float) ** 8, m_thm)


# ---------------------------------------------------------------------------------------------
# page 07: Figure 1
# ---------------------------------------------------------------------------------------------
def test_figure1_trends_and_slopes(ledger, fresh):
    widths = [50, 200, 800]
    rng = np.random.default_rng(0)
    noise = 1 + 0.01 * rng.standard_normal((3, 4, 5))             # widths x seeds x iterations
    decreasing = np.array([1.0, 0.5, 0.25])[:, None, None] * noise
    rec = du.check_trend(ledger, widths, decreasing, "du2019.fig1.pattern_trend", "s")
    assert rec.status == "reproduced"
    rec = du.check_trend(fresh(), widths, decreasing[::-1], "du2019.fig1.pattern_trend", "s")
    assert rec.status == "not reproduced"                    # a reproduction never raises
    flat = np.ones((3, 4, 5)) * noise                        # differences inside the bands
    assert du.check_trend(fresh(), widths, flat, "du2019.fig1.pattern_trend", "s").status \
        == "unresolved"
    mostly_flat = flat.copy()                                # 1 of 5 iterations decided
    mostly_flat[:, :, 0] = decreasing[:, :, 0]
    rec = du.check_trend(fresh(), widths, mostly_flat, "du2019.fig1.pattern_trend", "s")
    assert rec.status == "unresolved" and du.decided(rec) == (2, 10)   # below min_resolved 0.5
    rec = du.check_trend(fresh(), widths, mostly_flat, "du2019.fig1.pattern_trend", "s",
                         min_resolved=None)
    assert rec.status == "reproduced"                        # without the rule: 2 decided suffice
    assert "3 seeds per width" in du.scale_text(du.PAPER_SCALE)
    per_seed = np.array(widths, float)[:, None] ** -0.5 * noise[:, :, 0]
    rec = du.check_slope(ledger, widths, per_seed, "du2019.fig1.distance_slope",
                         control=du.CONTROL["fig1_slope"])
    assert rec.status == "holds"
    with pytest.raises(ClaimViolation):                      # a wrong exponent
        du.check_slope(fresh(), widths, per_seed ** 2, "du2019.fig1.distance_slope",
                       control=du.CONTROL["fig1_slope"])


@pytest.fixture(scope="module")
def fig1_sweep():
    X, y, eta = du.figure1_problem(20)
    return X, y, eta, du.figure1_sweep(X, y, [20, 80, 320], 4, eta, 20, lam_every=10)


def test_figure1_run_is_gd_on_W(fig1_sweep):
    """The Z = XWᵀ iteration of figure1_run is plain GD on W (eq. (3)) in exact arithmetic."""
    X, y, eta, _ = fig1_sweep
    run = du.figure1_run(X, y, 80, 5, eta, 20, lam_every=10)
    L = du.gd_losses(X, y, 80, 5, eta, 20)
    assert np.allclose(2 * run.loss, L, rtol=1e-12, atol=0)
    p = TwoLayerReLU.init(80, X.shape[1], 5, dev="cpu")
    W = p["W"].clone()
    for _ in range(20):
        W = W - eta * TwoLayerReLU.grad_W({"W": W, "a": p["a"]}, X, y)
    assert run.max_dist[-1] == pytest.approx(float((W - p["W"]).norm(dim=1).max()), rel=1e-10)
    flips = ((X @ W.T >= 0) != (X @ p["W"].T >= 0)).double().mean()
    assert run.pattern_frac[-1] == pytest.approx(float(flips), abs=1e-15)
    assert run.lam_min[-1] == pytest.approx(kernels.lambda_min(kernels.gram(X, W)), rel=1e-12)
    assert list(run.lam_steps) == [0, 10, 20]


def test_figure1_lambda_min_trend(fig1_sweep, ledger, fresh):
    _, _, _, sweep = fig1_sweep
    rec = du.check_lambda_min_trend(ledger, sweep)
    assert rec.kind == "scaling" and rec.status in ("holds", "unresolved")
    falling = (np.array([1.0, 0.5, 0.25])[:, None, None] * (1 + 0.01 * np.arange(4))[None, :, None]
               * np.ones(sweep.lam_min.shape))
    with pytest.raises(ClaimViolation):                      # λ_min falling with m
        du.check_lambda_min_trend(fresh(), sweep, values=falling)


def test_figure1_run_and_distance_radius(fig1_sweep, ledger, fresh):
    X, y, eta, sweep = fig1_sweep
    n = X.shape[0]
    lam0 = kernels.lambda0(X)
    assert sweep.loss.shape == (3, 4, 21) and np.all(sweep.pattern_frac[:, :, 0] == 0)
    assert np.all(sweep.max_dist[:, :, 0] == 0)
    assert du.check_distance_radius(ledger, sweep, n, lam0).kind == "identity"
    with pytest.raises(ClaimViolation):
        du.check_distance_radius(fresh(), sweep, n, lam0, factor=1e-3)
    with pytest.raises(AssumptionError):
        du.figure1_run(X, y, 50, 0, 1e4, 30)   # a step that blows up

"""Negative controls and unit tests for ``ntkbook.du2019_gd`` (book/du2019 pages 05–07).

Every claim the notebooks check goes through a function of ``ntkbook.du2019_gd``; each test below
calls the same function with the hypothesis broken or a bound made false (η far above the bound,
too narrow a width, a constant tightened) and asserts that it raises ClaimViolation — or, for a
counterexample the book shows on purpose, that it raises ExpectedViolationHeld when the
counterexample is removed.
"""
import math

import numpy as np
import pytest
import torch

from ntkbook import data, kernels
from ntkbook import du2019_gd as gd
from ntkbook.du2019 import R_lemma32
from ntkbook.errors import AssumptionError, ClaimViolation, ExpectedViolationHeld
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
    eta = gd.eta_theorem(lam0, n, 0.5)
    K = int(np.ceil(3 * n**2 / (0.5 * lam0**2)))
    return dict(n=n, d=d, X=X, y=y, lam0=lam0, eta=eta, K=K)


@pytest.fixture(scope="module")
def wide_run(small):
    s = small
    return gd.gd_proof_run(s["X"], s["y"], 64, 0, s["eta"], s["K"], lam0=s["lam0"])


@pytest.fixture(scope="module")
def narrow_run(small):
    """m = 1: H(k) is singular, so λ_min(H(k)) ≥ λ0/2 and the chain fail."""
    s = small
    return gd.gd_proof_run(s["X"], s["y"], 1, 1, s["eta"], s["K"], lam0=s["lam0"])


# ---------------------------------------------------------------------------------------------
# unit tests of the module
# ---------------------------------------------------------------------------------------------
def test_eta_and_radius_validate():
    with pytest.raises(AssumptionError):
        gd.eta_theorem(0.0, 4, 1.0)
    with pytest.raises(AssumptionError):
        gd.R_prime_gd(4, 10, 1.0, -1.0)
    with pytest.raises(AssumptionError):
        gd.m_theorem(4, 0.3, 4.0, 1.5)
    assert gd.eta_theorem(0.4, 4, 2.0) == pytest.approx(0.05)
    assert gd.R_prime_gd(4, 16, 3.0, 0.5) == pytest.approx(4 * 2 * 3 / (4 * 0.5))


def test_m_theorem_grows_like_n6():
    m1 = gd.m_theorem(1000, 0.3, 1000.0, 0.1)
    m2 = gd.m_theorem(2000, 0.3, 2000.0, 0.1)
    assert math.log2(m2 / m1) == pytest.approx(6.0, abs=1e-9)


def test_duplicate_input_is_refused(small):
    X = torch.cat([small["X"], small["X"][:1]])
    y = torch.cat([small["y"], small["y"][:1]])
    with pytest.raises(AssumptionError, match="parallel"):
        gd.gd_proof_run(X, y, 8, 0, 1e-3, 5)


def test_batched_gd_matches_gradient_descent(small):
    s = small
    L_batch = gd.batched_gd_losses(s["X"], s["y"], 16, [3, 7], 0.05, 30)
    for row, seed in zip(L_batch, [3, 7]):
        np.testing.assert_allclose(row, gd.gd_losses(s["X"], s["y"], 16, seed, 0.05, 30), rtol=1e-10)


def test_proof_quantities_consistent(wide_run):
    run = wide_run
    # the recorded residuals are those of a forward pass, and R_k never decreases
    assert run.resid_sq.shape == (run.K + 1,)
    assert np.all(np.diff(run.R) >= 0)
    assert np.all(run.dist <= run.R + 1e-15)
    C = gd.empirical_constants(run, DELTA)
    assert set(C) == {"cor4.1", "lemma4.1", "hperp", "I2", "quad"}
    assert 0 < C["cor4.1"] < gd.C_COR41 and 0 < C["quad"] < 1


def test_c_max_and_hypothesis():
    import sympy as sp
    c, n = sp.symbols("c n", positive=True)
    # the chain with R = c32 delta lambda0 / n^2 and Lemma 4.1's C, in units of eta lambda0
    C41, c32 = 2 / sp.sqrt(2 * sp.pi), sp.sqrt(2 * sp.pi) / 16
    sol = sp.solve(sp.Eq(-1 + 2 * C41 * c32 * (1 + 1 / sp.sqrt(n)) + c, sp.Rational(-1, 2)), c)[0]
    for k in (2, 6, 30):
        assert gd.c_max_chain(k) == pytest.approx(float(sol.subs(n, k)), rel=1e-12)
        assert gd.c_max_chain(k) == pytest.approx(0.25 - 0.25 / math.sqrt(k), rel=1e-12)
    lam0 = 0.4
    assert gd.thm41_hypothesis(6, 10**9, lam0, gd.eta_theorem(lam0, 6, 0.1), 1e8)
    assert not gd.thm41_hypothesis(6, 10**9, lam0, gd.eta_theorem(lam0, 6, 0.5), 1e8)  # step
    assert not gd.thm41_hypothesis(6, 10**7, lam0, gd.eta_theorem(lam0, 6, 0.1), 1e8)  # width


def test_rate_holds_and_smallest_width(small, ledger):
    s = small
    L = np.array([[4.0, 3.0, 2.0], [4.0, 4.0, 4.0]])
    assert list(gd.rate_holds(L, eta=0.5, lam0=1.0)) == [True, False]
    search = gd.smallest_width(s["X"], s["y"], range(10), gd.eta_theorem(s["lam0"], s["n"], 1.0),
                               int(np.ceil(6 * s["n"] ** 2 / s["lam0"] ** 2)), lam0=s["lam0"])
    assert search.tried[search.m_star] >= 0.9
    below = [p for m, p in search.tried.items() if m == search.m_star - 1]
    assert search.m_star == 1 or (below and below[0] < 0.9)
    rec = gd.check_width_heldout(ledger, s["X"], s["y"], search, range(100, 110))
    assert rec.kind == "reproduction" and rec.status in ("reproduced", "not reproduced")


# ---------------------------------------------------------------------------------------------
# page 05: Theorem 4.1 and its proof
# ---------------------------------------------------------------------------------------------
def test_rate_probability_too_narrow(small, ledger, fresh):
    s = small
    seeds = list(range(30))
    eta = gd.eta_theorem(s["lam0"], s["n"], 1.0)
    K = int(np.ceil(6 * s["n"] ** 2 / s["lam0"] ** 2))
    L = gd.batched_gd_losses(s["X"], s["y"], 64, seeds, eta, K)
    rec = gd.check_rate_probability(ledger, L, eta, s["lam0"], DELTA, seeds, case="c=1",
                                    hypothesis_met=gd.thm41_hypothesis(s["n"], 64, s["lam0"], eta, M_THM))
    assert rec.status == "holds beyond hypothesis"
    L1 = gd.batched_gd_losses(s["X"], s["y"], 1, seeds, eta, K)
    with pytest.raises(ClaimViolation):
        gd.check_rate_probability(fresh(), L1, eta, s["lam0"], DELTA, seeds, case="c=1",
                                  hypothesis_met=False)


def test_rate_eta_far_above_bound(small, ledger, fresh):
    s = small
    W = TwoLayerReLU.init(64, s["d"], 0, dev="cpu")["W"]
    lam_max = kernels.lambda_max(kernels.gram(s["X"], W))
    L = gd.gd_losses(s["X"], s["y"], 64, 0, 0.5 / lam_max, 60)
    gd.check_rate(ledger, L, 0.5 / lam_max, s["lam0"], hypothesis_met=False, case="f=0.5")
    for f in (1.97, 3.0):
        L = gd.gd_losses(s["X"], s["y"], 64, 0, f / lam_max, 60)
        with pytest.raises(ClaimViolation):
            gd.check_rate(fresh(), L, f / lam_max, s["lam0"], hypothesis_met=False, case=f"f={f:g}")
        rec = gd.check_rate(ledger, L, f / lam_max, s["lam0"], hypothesis_met=False, case=f"f={f:g}",
                            expect="violation")
        assert rec.id == f"du2019.thm4.1.large_step[f={f:g}]"
    # the counterexample must fail when the step is small
    L = gd.gd_losses(s["X"], s["y"], 64, 0, 0.5 / lam_max, 60)
    with pytest.raises(ExpectedViolationHeld):
        gd.check_rate(fresh(), L, 0.5 / lam_max, s["lam0"], hypothesis_met=False, expect="violation")


def test_proof_holds_when_wide(wide_run, ledger):
    recs = gd.check_proof(ledger, wide_run, DELTA, m_thm=M_THM)
    assert len(recs) == 11 and all(r.ok for r in recs.values())
    kinds = {name: r.kind for name, r in recs.items()}
    assert kinds["eq.decomposition"] == kinds["lemma4.1.hperp"] == kinds["eq.I2"] == "identity"
    assert recs["cor4.1"].hypothesis_met is True and recs["cond4.1"].hypothesis_met is False
    assert recs["eq.decomposition"].hypothesis_met is None


@pytest.mark.parametrize("name", ["lemma3.2.gd", "eq.chain", "cond4.1"])
def test_proof_too_narrow(narrow_run, ledger, name):
    with pytest.raises(ClaimViolation):
        gd.check_proof(ledger, narrow_run, DELTA, m_thm=M_THM, only=[name])


@pytest.mark.parametrize("name,key", [("cor4.1", "cor4.1"), ("lemma4.1.event", "lemma4.1"),
                                      ("lemma4.1.hperp_C", "hperp"), ("eq.I2_C", "I2"),
                                      ("eq.quadratic", "quad")])
def test_proof_constant_tightened(wide_run, ledger, fresh, name, key):
    C = gd.empirical_constants(wide_run, DELTA)
    ckey = {"hperp": "lemma4.1", "I2": "lemma4.1"}.get(key, key)
    gd.check_proof(ledger, wide_run, DELTA, m_thm=M_THM, only=[name], constants={ckey: 1.01 * C[key]})
    with pytest.raises(ClaimViolation):
        gd.check_proof(fresh(), wide_run, DELTA, m_thm=M_THM, only=[name],
                       constants={ckey: 0.5 * C[key]})


@pytest.mark.parametrize("name,key", [("lemma4.1.hperp", "hperp_sum"), ("eq.I2", "I2_sum")])
def test_intermediate_bound_tightened(wide_run, ledger, name, key):
    with pytest.raises(ClaimViolation):
        gd.check_proof(ledger, wide_run, DELTA, m_thm=M_THM, only=[name], constants={key: 1e-3})


def test_lemma41_probability(small, ledger, fresh):
    s = small
    seeds = range(30)
    counts = gd.lemma41_counts(s["X"], 64, seeds, 0.05)
    assert gd.check_lemma41(ledger, counts, 64, s["n"], 0.05, DELTA, seeds).status == "holds"
    with pytest.raises(ClaimViolation):                      # the constant tightened tenfold
        gd.check_lemma41(fresh(), counts, 64, s["n"], 0.05, DELTA, seeds, factor=0.1)


def test_decomposition_needs_the_realized_radius(small, wide_run, ledger, fresh):
    s = small
    run = gd.gd_proof_run(s["X"], s["y"], 64, 0, s["eta"], 100, lam0=s["lam0"],
                          radius=R_lemma32(s["n"], s["lam0"], DELTA))
    with pytest.raises(ClaimViolation):
        gd.check_proof(ledger, run, DELTA, m_thm=M_THM, only=["eq.decomposition"])
    rec = gd.check_decomposition_paper_radius(fresh(), run)
    assert rec.kind == "counterexample" and rec.status == "expected violation"
    everything = gd.gd_proof_run(s["X"], s["y"], 64, 0, s["eta"], 50, lam0=s["lam0"], radius=10.0)
    with pytest.raises(ExpectedViolationHeld):               # S_i^perp = all neurons: it holds
        gd.check_decomposition_paper_radius(fresh(), everything)
    with pytest.raises(ValueError):
        gd.check_decomposition_paper_radius(fresh(), wide_run)


def test_divergence_threshold(small):
    s = small
    W = TwoLayerReLU.init(64, s["d"], 0, dev="cpu")["W"]
    lam_max = kernels.lambda_max(kernels.gram(s["X"], W))
    eta_div = gd.divergence_threshold(s["X"], s["y"], 64, 0, np.geomspace(1.0, 100.0, 8) / lam_max, 100)
    assert 2.0 / lam_max < eta_div < 100.0 / lam_max        # the network survives past 2/lambda_max
    L = gd.gd_losses(s["X"], s["y"], 64, 0, eta_div, 100)
    assert not np.isfinite(L[-1]) or L[-1] > 1e3 * L[0]
    assert np.isinf(gd.divergence_threshold(s["X"], s["y"], 64, 0, [0.1 / lam_max], 20))


# ---------------------------------------------------------------------------------------------
# page 06: width
# ---------------------------------------------------------------------------------------------
def test_width_claims(small, ledger, fresh):
    s = small
    seeds = list(range(30))
    eta = gd.eta_theorem(s["lam0"], s["n"], 1.0)
    K = int(np.ceil(6 * s["n"] ** 2 / s["lam0"] ** 2))
    m_thm = gd.m_theorem(s["n"], s["lam0"], float(s["y"].pow(2).sum()), DELTA)
    rec = gd.check_width(ledger, s["X"], s["y"], 64, seeds, eta, K, s["lam0"], m_thm)
    assert rec.status == "holds beyond hypothesis" and rec.id == "du2019.thm4.1.width[n=4]"
    with pytest.raises(ClaimViolation):           # too narrow
        gd.check_width(fresh(), s["X"], s["y"], 1, seeds, eta, K, s["lam0"], m_thm)
    with pytest.raises(ExpectedViolationHeld):    # the narrow counterexample must fail
        gd.check_width(fresh(), s["X"], s["y"], 64, seeds, eta, K, s["lam0"], m_thm, expect="violation")


def test_sufficient_width_and_exponent(ledger, fresh):
    ns = np.array([4, 6, 8])
    m_thm = np.array([gd.m_theorem(n, 0.35, float(n), DELTA) for n in ns])
    assert gd.check_sufficient_width(ledger, [8, 8, 8], m_thm).kind == "identity"
    with pytest.raises(ClaimViolation):          # the width's constant tightened 1e15-fold
        gd.check_sufficient_width(fresh(), [8, 8, 8], 1e-15 * m_thm)
    gd.check_width_exponent(ledger, ns, [8, 8, 8], m_thm)
    with pytest.raises(ClaimViolation):
        gd.check_width_exponent(fresh(), ns, 1e-3 * ns.astype(float) ** 8, m_thm)


# ---------------------------------------------------------------------------------------------
# page 07: Figure 1
# ---------------------------------------------------------------------------------------------
def test_figure1_trends_and_slopes(ledger, fresh):
    widths = [50, 200, 800]
    decreasing = [1.0, 0.5, 0.25]
    assert gd.check_trend(ledger, widths, decreasing, "du2019.fig1.pattern_trend", "s").status == "reproduced"
    rec = gd.check_trend(fresh(), widths, decreasing[::-1], "du2019.fig1.pattern_trend", "s")
    assert rec.status == "not reproduced"                    # a reproduction never raises
    gd.check_exponent(ledger, widths, [w ** -0.5 for w in widths], "du2019.fig1.distance_slope")
    with pytest.raises(ClaimViolation):
        gd.check_exponent(fresh(), widths, [w ** -1.0 for w in widths], "du2019.fig1.distance_slope")


def test_figure1_run_and_distance_radius(ledger, fresh):
    n = d = 20
    X, y = data.sphere(n, d, seed=0), data.labels(n, seed=1)
    H = kernels.h_infinity(X)
    lam0, eta = kernels.lambda_min(H), 0.2 / kernels.lambda_max(H)
    runs = [gd.figure1_run(X, y, m, 0, eta, 30) for m in (50, 800)]
    assert all(len(r.loss) == 31 and r.pattern_frac[0] == 0 and r.max_dist[0] == 0 for r in runs)
    gd.check_trend(ledger, [r.m for r in runs], [r.max_dist[-1] for r in runs], "du2019.fig1.distance_trend", "d")
    assert gd.check_distance_radius(ledger, runs, n, lam0).kind == "identity"
    with pytest.raises(ClaimViolation):
        gd.check_distance_radius(fresh(), runs, n, lam0, factor=1e-3)
    with pytest.raises(AssumptionError):
        gd.figure1_run(X, y, 50, 0, 1e4, 30)   # a step that blows up

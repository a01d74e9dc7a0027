"""Unit tests and negative controls for the unbalanced2026 chapter (an experimental reconstruction of
the ICLR 2026 submission). Every falsifiable claim a notebook checks (kinds assumption, step,
conclusion, scaling, and every probability claim) names one of the controls below, in which the
same check function raises ClaimViolation once a hypothesis is broken (too narrow, no flow, a
duplicated input, correlated outputs) or a constant is tightened. Identities, reproductions and
counterexamples have unit tests of their check functions here too."""
import math

import numpy as np
import pytest
import torch

from ntkbook import data, kernels, models, training, widths
from ntkbook import unbalanced2026 as U
from ntkbook.errors import AssumptionError, ClaimViolation, SeedReuseError
from ntkbook.ledger import Ledger

TESTS = "tests/test_unbalanced2026.py::"


@pytest.fixture
def X():
    return data.sphere(6, 5, seed=0)


def _fresh(ledger, name):
    """Another throw-away ledger next to ``ledger`` (a claim id is recorded once per ledger)."""
    return Ledger("unbalanced2026", name, directory=ledger.path.parent.parent)


# ----------------------------------------------------------------------------- unit tests
def test_ntk_blocks_match_torch_func(X):
    p = models.SharedTwoLayer.init(5, 30, 3, seed=1, s_W=2.0, s_V=0.5, dev="cpu")
    KW, KV = U.ntk_blocks(X, p)
    for name, K in (("W", KW), ("V", KV)):
        E = kernels.empirical_ntk(models.SharedTwoLayer.forward, p, X, trainable=[name]).numpy()
        assert np.abs(E - K).max() < 1e-12


def test_lam_kappa_is_spectrum_of_factor(X):
    lam, kap = U.lam_kappa(X, 2.0, 0.5)
    ev = np.linalg.eigvalsh(0.25 * kernels.h_infinity(X) + 4.0 * kernels.arccos1(X))
    assert math.isclose(lam, ev[0], rel_tol=1e-10) and math.isclose(kap, ev[-1] / ev[0], rel_tol=1e-10)
    with pytest.raises(AssumptionError):
        U.lam_kappa(X, 0.0, 1.0)
    with pytest.raises(AssumptionError):
        U.lam_kappa(2 * X, 1.0, 1.0)


def test_batched_gd_and_nag_match_core_optimisers(X):
    Y = data.labels(6, 1, outputs=2)
    p = models.SharedTwoLayer.init(5, 40, 2, seed=3, s_W=2.0, s_V=0.5, dev="cpu")
    lossf = lambda q: models.SharedTwoLayer().loss(q, X, Y)
    L, W, V = U.gd_batch(X, Y, p["W"][None], p["V"][None], 0.05, 15)
    core = training.gradient_descent(lossf, p, 0.05, 15)
    assert np.allclose(L[0], core.losses, rtol=1e-10)
    assert torch.allclose(W[0], core.params["W"], atol=1e-12)
    L, W, V = U.gd_batch(X, Y, p["W"][None], p["V"][None], 0.05, 15, momentum=0.7)
    core = training.nesterov(lossf, p, 0.05, 0.7, 15)
    assert np.allclose(L[0], core.losses, rtol=1e-10)
    assert torch.allclose(V[0], core.params["V"], atol=1e-12)


def test_first_below_and_claimed_width(X):
    L = np.array([[1.0, 0.5, 1e-4, 1e-5], [1.0, 0.9, 0.8, 0.7]])
    assert U.first_below(L, 1e-3).tolist() == [2.0, np.inf]
    assert U.claimed_width(6, 2, 0.5) % 2 == 0 and U.claimed_width(6, 2, 0.5) >= 24
    met, m_claim = U.width_hypothesis(X, 2, 10_000, 2.0, 0.5)
    assert met is True and m_claim == U.claimed_width(6, 2, U.lam_normalized(X, 2.0, 0.5))
    assert U.width_hypothesis(X, 2, 10_000, 1.0, 1.0)[0] is False       # balanced: not met
    assert U.width_hypothesis(X, 2, m_claim - 2, 2.0, 0.5)[0] is False
    assert U.width_hypothesis(X, 2, 10_000, 0.5, 2.0)[0] is True   # unbalanced either way


def test_sketch_basis_spans_row_space_and_rejects_bad_rank():
    Y = data.low_rank_targets(8, 6, 2, seed=0)
    Q = U.sketch_basis(Y, 2, seed=1)
    assert Q.shape == (6, 2) and np.allclose(Q.T @ Q, np.eye(2))
    assert np.allclose(Y.numpy() @ Q @ Q.T, Y.numpy())
    with pytest.raises(AssumptionError):
        U.sketch_basis(Y, 3, seed=1)
    with pytest.raises(AssumptionError):
        U.sketch_basis(Y, 0, seed=1)


def test_coupled_init_needs_even_width():
    with pytest.raises(AssumptionError):
        U.init_batch(3, 7, 2, [0], coupled=True)


# ----------------------------------------------------------------------------- page 1
def test_ntk_block_v_holds_and_fails_for_nonlinear_output(ledger, X):
    p = models.SharedTwoLayer.init(5, 20, 2, seed=0, dev="cpu")
    assert U.check_ntk_block_v(ledger, X, p).kind == "identity"
    bad = lambda q, Z: torch.tanh(models.SharedTwoLayer.forward(q, Z))
    with pytest.raises(ClaimViolation):
        U.check_ntk_block_v(_fresh(ledger, "t2"), X, p, forward=bad)


def test_block_w_rate_fails_with_correlated_outputs(ledger, X):
    widths = [100, 400, 1600]
    dev = [np.median([U.block_w_deviation(X, 3, m, s, 2.0, 0.5) for s in range(3)]) for m in widths]
    kw = dict(target=-0.5, tol=0.2, statement="rate", source="t", provenance="derived",
              hypothesis_met=None, control=TESTS + "test_block_w_rate_fails_with_correlated_outputs")
    assert U.check_slope(ledger, "unbalanced2026.ntk_block_w_rate", widths, dev, **kw)[0].status == "holds"
    dev_bad = [np.median([U.block_w_deviation(X, 3, m, s, 2.0, 0.5, shared_v=True) for s in range(3)])
               for m in widths]
    with pytest.raises(ClaimViolation):
        U.check_slope(_fresh(ledger, "t2"), "unbalanced2026.ntk_block_w_rate", widths, dev_bad, **kw)


def _limit_kw(name):
    return dict(tol=0.1, statement="s", source="t", provenance="derived", hypothesis_met=True,
                control=TESTS + name)


def test_lambda_limit_fails_at_small_width(ledger, X):
    lam, _ = U.lam_kappa(X, 2.0, 0.5)
    p = models.SharedTwoLayer.init(5, 6, 2, seed=0, s_W=2.0, s_V=0.5, dev="cpu")   # m = 6: too narrow
    est = kernels.lambda_min(sum(U.ntk_blocks(X, p)))
    with pytest.raises(ClaimViolation):
        U.check_close(ledger, "unbalanced2026.lambda_limit", est, lam,
                      **_limit_kw("test_lambda_limit_fails_at_small_width"))


def test_kappa_limit_fails_at_small_width(ledger, X):
    _, kap = U.lam_kappa(X, 2.0, 0.5)
    kw = _limit_kw("test_kappa_limit_fails_at_small_width")
    ev = kernels.eigenvalues(sum(U.ntk_blocks(
        X, models.SharedTwoLayer.init(5, 4000, 2, seed=0, s_W=2.0, s_V=0.5, dev="cpu"))))
    assert U.check_close(ledger, "unbalanced2026.kappa_limit", ev[-1] / ev[0], kap, **kw).status == "holds"
    ev = kernels.eigenvalues(sum(U.ntk_blocks(
        X, models.SharedTwoLayer.init(5, 6, 2, seed=0, s_W=2.0, s_V=0.5, dev="cpu"))))
    with pytest.raises(ClaimViolation):
        U.check_close(_fresh(ledger, "t2"), "unbalanced2026.kappa_limit", ev[-1] / ev[0], kap, **kw)


def test_lambda_weyl_fails_when_tightened(ledger, X):
    assert U.check_lambda_weyl(ledger, X, 2.0, 0.5).kind == "identity"
    with pytest.raises(ClaimViolation):
        U.check_lambda_weyl(_fresh(ledger, "t2"), X, 2.0, 0.5, factor=3.0)


def test_lambda_positive_fails_for_duplicate_inputs(ledger, X):
    assert U.check_lambda_positive(ledger, X, 2.0, 0.5).status == "holds"
    X_dup = torch.cat([X, X[:1]])                  # x_7 = x_1: the limiting NTK is singular
    with pytest.raises(ClaimViolation):
        U.check_lambda_positive(_fresh(ledger, "t2"), X_dup, 2.0, 0.5)


# ----------------------------------------------------------------------------- page 2
def test_coupled_zero_output_fails_without_coupling(ledger, X):
    U.check_coupled_zero(ledger, X, models.SharedTwoLayer.init(5, 20, 2, seed=0, coupled=True, dev="cpu"))
    with pytest.raises(ClaimViolation):
        U.check_coupled_zero(_fresh(ledger, "t2"), X,
                             models.SharedTwoLayer.init(5, 20, 2, seed=0, coupled=False, dev="cpu"))


@pytest.fixture(scope="module")
def shift_runs():
    X = data.sphere(12, 10, seed=0)
    Y = data.labels(12, 1, outputs=3)
    ratios = [1.0, 4.0, 16.0]
    return ratios, {rho: U.shift_after_training(X, Y, 400, 0, s_W=rho**0.5, s_V=rho**-0.5, steps=400)
                    for rho in ratios}


def test_kernel_shift_reproduction_and_balanced_counterexample(ledger, shift_runs):
    _, r = shift_runs
    assert U.check_kernel_shift(ledger, [r[16.0]["shift"]], 16.0, 400).status == "reproduced"
    led2 = _fresh(ledger, "t2")
    assert U.check_kernel_shift(led2, [r[1.0]["shift"]], 1.0, 400).status == "not reproduced"
    rec = U.check_kernel_shift(led2, [r[1.0]["shift"]], 1.0, 400, balanced=True)
    assert rec.status == "expected violation" and rec.hypothesis_met is False


def test_patterns_trend_fails_with_a_tightened_threshold(ledger, shift_runs):
    ratios, r = shift_runs
    kw = dict(statement="s", source="t", provenance="reconstruction", hypothesis_met=None,
              control=TESTS + "test_patterns_trend_fails_with_a_tightened_threshold")
    pat = [max(r[x]["patterns"], 1e-6) for x in ratios]
    U.check_decreasing(ledger, "unbalanced2026.patterns_vs_balance", ratios, pat, **kw)
    with pytest.raises(ClaimViolation):          # a slope steeper than ρ^-8 is asked for
        U.check_decreasing(_fresh(ledger, "t2"), "unbalanced2026.patterns_vs_balance", ratios, pat,
                           at_most=-8.0, **kw)


def test_conservation_fails_for_large_euler_steps(ledger, X):
    Y = data.labels(6, 1, outputs=2)
    p = models.SharedTwoLayer.init(5, 20, 2, seed=0, s_W=2.0, s_V=0.5, dev="cpu")
    rec, _ = U.check_conservation(ledger, X, Y, p, t_max=0.5, dt=0.01)
    assert rec.status == "holds" and rec.hypothesis_met is True
    with pytest.raises(ClaimViolation):          # Euler with a large step is GD, not the flow
        U.check_conservation(_fresh(ledger, "t2"), X, Y, p, t_max=0.5, dt=0.05, method="euler")


def test_gd_drift_identity_holds_and_fails_with_a_wrong_step(ledger, X):
    Y = data.labels(6, 1, outputs=2)
    p = models.SharedTwoLayer.init(5, 20, 2, seed=0, s_W=2.0, s_V=0.5, dev="cpu")
    lossf = lambda q: models.SharedTwoLayer().loss(q, X, Y)
    assert U.check_gd_drift_identity(ledger, lossf, p, 0.05).kind == "identity"
    with pytest.raises(ClaimViolation):
        U.check_gd_drift_identity(_fresh(ledger, "t2"), lossf, p, 0.05, eta_claimed=0.06)


def test_gd_drift_exponent_fails_for_a_wrong_exponent(ledger):
    X, Y = data.sphere(12, 10, seed=0), data.labels(12, seed=1, outputs=3)     # the notebook's set-up
    p = models.SharedTwoLayer.init(10, 50, 3, seed=3, s_W=2.0, s_V=0.5, dev="cpu")
    lmax = kernels.lambda_max(sum(U.ntk_blocks(X, p)))
    etas = np.array([0.02, 0.01, 0.005, 0.0025]) / lmax
    drift = [U.balance_drift_gd(X, Y, p, e, 20) for e in etas]
    kw = dict(tol=0.2, statement="s", source="t", provenance="derived", hypothesis_met=None,
              control=TESTS + "test_gd_drift_exponent_fails_for_a_wrong_exponent")
    U.check_slope(ledger, "unbalanced2026.gd_drift_exponent", etas, drift, target=2.0, **kw)
    with pytest.raises(ClaimViolation):
        U.check_slope(_fresh(ledger, "t2"), "unbalanced2026.gd_drift_exponent", etas, drift,
                      target=3.0, **kw)


# ----------------------------------------------------------------------------- pages 3-5
def _width_setup():
    X = data.sphere(6, 10, seed=0)
    Y = data.labels(6, 1, outputs=2)
    return X, Y, 2.0, 0.5


def test_gd_width_holds_at_claimed_width_and_fails_when_too_narrow(ledger):
    X, Y, sW, sV = _width_setup()
    _, m_claim = U.width_hypothesis(X, 2, 0, sW, sV)
    rec = U.check_width(ledger, X, Y, m_claim, range(10), s_W=sW, s_V=sV, case="c")
    assert rec.hypothesis_met is True and rec.failures < 5
    assert rec.status in ("holds", "not refuted (low power)")        # 10 seeds: low power at best
    with pytest.raises(ClaimViolation):          # m = 4: far too narrow, the same check fails
        U.check_width(_fresh(ledger, "t2"), X, Y, 4, range(10), s_W=sW, s_V=sV, case="c")
    rec = U.check_width(ledger, X, Y, 4, range(10), s_W=sW, s_V=sV, case="c", narrow=True)
    assert rec.status == "expected violation" and rec.hypothesis_met is False


def test_seed_thresholds_and_select_width_share_the_runs():
    cfg = U.WidthConfig(6, 2, 10, rho=4.0)
    out = U.Outcomes(cfg)
    grid = U.width_grid(4, 256)
    th = U.seed_thresholds(out, grid, range(4))
    assert th.shape == (4,) and np.all(np.isin(th, grid))
    for s, t in zip(range(4), th):               # each seed succeeds at its threshold
        assert out(int(t), [s]) == [True]
    n_runs = len(out.table)
    sel = widths.select_width(out, grid, range(4), level=1.0)
    assert sel.m_star >= th.min() and len(out.table) >= n_runs


def test_measure_width_keeps_selection_and_test_seeds_apart():
    cfg = U.WidthConfig(6, 2, 10, rho=4.0)
    grid = U.width_grid(4, 256)
    res = U.measure_width(cfg, grid=grid, select=range(4), test=range(4, 8))
    assert res["failures"] is not None and res["m_star"] in grid
    with pytest.raises(SeedReuseError):
        U.measure_width(cfg, grid=grid, select=range(4), test=range(3, 8))


def _rows(law, seeds=8, noise=0.05):
    rng = np.random.default_rng(0)
    rows = []
    for N, n, lam in [(8, 1, 0.5), (16, 1, 0.5), (32, 1, 0.5), (8, 4, 0.5), (8, 16, 0.5),
                      (8, 1, 0.1), (8, 1, 0.02)]:
        m = law(N, n, lam) * np.exp(noise * rng.standard_normal(seeds))
        rows.append(dict(config=U.WidthConfig(N, n, N), lam_bar=lam, kappa=1.0, thresholds=m))
    return rows


def test_fit_exponents_recovers_a_known_law():
    fit = U.fit_exponents(_rows(lambda N, n, lam: N * n ** 0.5 / lam), n_resamples=199)
    for f, e in (("N", 1.0), ("n", 0.5), ("inv_lambda", 1.0)):
        assert fit[f][1] <= e <= fit[f][2] and abs(fit[f][0] - e) < 0.05
    bad = _rows(lambda N, n, lam: N * n)
    bad[0]["thresholds"][0] = np.inf
    with pytest.raises(AssumptionError):
        U.fit_exponents(bad, n_resamples=99)


def test_check_exponent_reproduced_or_not(ledger):
    kw = dict(target=1.0, statement="s", source="abstract", seeds=[0])
    rec = U.check_exponent(ledger, "unbalanced2026.width.exponent_outputs", (0.8, 0.7, 0.9), case="a",
                           **kw)
    assert rec.status == "reproduced" and U.exponent_verdict((0.8, 0.7, 0.9), 1.0) == "supports"
    rec = U.check_exponent(ledger, "unbalanced2026.width.exponent_outputs", (0.1, 0.0, 0.2), case="b",
                           **kw)
    assert rec.status == "not reproduced" and U.exponent_verdict((0.1, 0.0, 0.2), 1.0).startswith("cannot")
    rec = U.check_exponent(ledger, "unbalanced2026.width.exponent_outputs", (2.0, 1.8, 2.2), case="c",
                           **kw)
    assert rec.status == "not reproduced" and U.exponent_verdict((2.0, 1.8, 2.2), 1.0).startswith("contra")


def test_scales_normalization_and_shares(X):
    s_W, s_V = U.scales(4.0, 9.0)
    assert s_W / s_V == pytest.approx(4.0) and s_W * s_V == pytest.approx(9.0)
    assert U.lam_normalized(X, *U.scales(4.0, 9.0)) == pytest.approx(
        U.lam_normalized(X, *U.scales(4.0, 1.0)), rel=1e-12)
    first, second = U.kernel_shares(X, *U.scales(0.25))
    assert first + second == pytest.approx(1.0) and first > 0.5
    assert U.kernel_shares(X, *U.scales(16.0))[0] < 0.5
    with pytest.raises(AssumptionError):
        U.scales(-1.0)


def test_fitted_fails_with_too_few_steps(ledger, X):
    Y = data.labels(6, 1, outputs=2)
    runs = [U.shift_after_training(X, Y, 60, s, s_W=2.0, s_V=0.5, steps=400) for s in (0, 1)]
    assert U.check_fitted(ledger, [r["loss_ratio"] for r in runs]).status == "holds"
    few = [U.shift_after_training(X, Y, 60, s, s_W=2.0, s_V=0.5, steps=3) for s in (0, 1)]
    with pytest.raises(ClaimViolation):          # 3 steps: the data is not fitted
        U.check_fitted(_fresh(ledger, "t2"), [r["loss_ratio"] for r in few])


def test_iteration_counts_batched_and_beta0_is_gd():
    cfg = U.WidthConfig(8, 2, 10, rho=4.0)
    r = U.iteration_counts(cfg, m=100, run_seeds=[0, 1])
    assert r["gd"].shape == (2,) and np.all(np.isfinite(r["gd"])) and np.all(r["nag"] < r["gd"])
    r0 = U.iteration_counts(cfg, m=100, run_seeds=[0, 1], beta=0.0)
    assert np.array_equal(r0["gd"], r0["nag"])


@pytest.fixture(scope="module")
def nag_runs():
    m, eps = 300, 1e-6
    cfgs = {d: U.WidthConfig(10, 1, d, rho=4.0) for d in (20, 8, 5)}
    Xs = {d: c.data()[0] for d, c in cfgs.items()}

    def runs(beta):
        out = {}
        for d, c in cfgs.items():
            r = U.iteration_counts(c, m=m, run_seeds=[0], eps=eps, max_factor=3.0, beta=beta)
            out[d] = (np.full(1, r["kappa"]), r["gd"], r["nag"])
        return out
    sW, sV = U.scales(4.0)
    return Xs, runs(None), runs(0.0), dict(m=m, s_W=sW, s_V=sV, n=1, eps=eps)


def _iterations_fail_when_tightened(ledger, nag_runs, method):
    Xs, res, _, kw = nag_runs
    for d, (kap, tg, tn) in res.items():
        t = tg if method == "gd" else tn
        rec = U.check_iterations(ledger, method, t, kap, X=Xs[d], case=f"d={d}", **kw)
        assert rec.status in ("holds", "holds beyond hypothesis")
    led2 = _fresh(ledger, "t2")
    with pytest.raises(ClaimViolation):          # constant 1/10: the same bound, tightened
        for d, (kap, tg, tn) in res.items():
            t = tg if method == "gd" else tn
            U.check_iterations(led2, method, t, kap, X=Xs[d], case=f"d={d}", constant=0.1, **kw)


def test_gd_iterations_fail_with_a_tightened_constant(ledger, nag_runs):
    _iterations_fail_when_tightened(ledger, nag_runs, "gd")


def test_nag_iterations_fail_with_a_tightened_constant(ledger, nag_runs):
    _iterations_fail_when_tightened(ledger, nag_runs, "nag")


def test_nag_speedup_not_reproduced_without_momentum(ledger, nag_runs):
    _, res, res0, _ = nag_runs
    cat = lambda rr, i: np.concatenate([rr[d][i] for d in rr])
    rec, sg, sn = U.check_speedup(ledger, cat(res, 0), cat(res, 1), cat(res, 2))
    assert rec.kind == "reproduction" and rec.status == "reproduced"
    led2 = _fresh(ledger, "t2")
    rec, _, _ = U.check_speedup(led2, cat(res0, 0), cat(res0, 1), cat(res0, 2))
    assert rec.status == "not reproduced"
    rec, _, _ = U.check_speedup(led2, cat(res0, 0), cat(res0, 1), cat(res0, 2), expect="violation")
    assert rec.kind == "counterexample" and rec.status == "expected violation"


def _sketch_setup():
    X = data.sphere(8, 10, seed=0)
    Y = data.low_rank_targets(8, 6, 1, seed=1)
    return X, Y, U.sketch_basis(Y, 1, seed=2)


def test_sketch_subspace_identity_and_unsketched_counterexample(ledger):
    X, Y, Q = _sketch_setup()
    rec = U.check_sketch_subspace(ledger, X, Y, Q, 40, [0, 1], s_W=2.0, s_V=0.5, steps=50)
    assert rec.kind == "identity" and rec.status == "holds"
    rec = U.check_sketch_subspace(ledger, X, Y, Q, 40, [0, 1], s_W=2.0, s_V=0.5, steps=50,
                                  sketched=False)
    assert rec.kind == "counterexample" and rec.status == "expected violation"


def test_sketch_width_fails_when_too_narrow(ledger):
    X, Y, Q = _sketch_setup()
    _, m_claim = U.width_hypothesis(X, 1, 0, 2.0, 0.5)
    rec = U.check_width(ledger, X, Y, m_claim, range(10), s_W=2.0, s_V=0.5, case="r=1", Q=Q)
    assert rec.hypothesis_met is True and rec.failures < 5
    with pytest.raises(ClaimViolation):
        U.check_width(_fresh(ledger, "t2"), X, Y, 4, range(10), s_W=2.0, s_V=0.5, case="r=1", Q=Q)


def test_sketch_gain_reproduced_or_not(ledger):
    assert U.check_sketch_gain(ledger, 16, 128, 16, 1, case="a").status == "reproduced"
    assert U.check_sketch_gain(ledger, 24, 28, 16, 1, case="b").status == "not reproduced"

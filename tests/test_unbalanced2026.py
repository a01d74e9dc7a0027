"""Unit tests and negative controls for the unbalanced2026 chapter (an experimental reconstruction of
the ICLR 2026 submission). Every claim checked by a notebook has a control here in which the same check
function raises ClaimViolation once the hypothesis is broken or the bound is tightened."""
import math

import numpy as np
import pytest
import torch

from ntkbook import data, kernels, models, training
from ntkbook import unbalanced2026 as U
from ntkbook.errors import AssumptionError, ClaimViolation



@pytest.fixture
def X():
    return data.sphere(6, 5, seed=0)


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


def test_first_below_and_claimed_width():
    L = np.array([[1.0, 0.5, 1e-4, 1e-5], [1.0, 0.9, 0.8, 0.7]])
    assert U.first_below(L, 1e-3).tolist() == [2.0, np.inf]
    assert U.claimed_width(6, 2, 0.5) % 2 == 0 and U.claimed_width(6, 2, 0.5) >= 24


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


# ----------------------------------------------------------------------------- page 1 controls
def test_ntk_block_v_holds_and_fails_for_nonlinear_output(ledger, X):
    p = models.SharedTwoLayer.init(5, 20, 2, seed=0, dev="cpu")
    U.check_ntk_block_v(ledger, X, p)
    bad = lambda q, Z: torch.tanh(models.SharedTwoLayer.forward(q, Z))
    with pytest.raises(ClaimViolation):
        U.check_ntk_block_v(ledger, X, p, forward=bad)


def test_block_w_rate_fails_with_correlated_outputs(ledger, X):
    widths = [100, 400, 1600]
    dev = [np.median([U.block_w_deviation(X, 3, m, s, 2.0, 0.5) for s in range(3)]) for m in widths]
    kw = dict(target=-0.5, tol=0.2, statement="rate", source="t", provenance="derived", hypothesis_met=True)
    U.check_slope(ledger, "unbalanced2026.ntk_block_w_rate", widths, dev, **kw)
    dev_bad = [np.median([U.block_w_deviation(X, 3, m, s, 2.0, 0.5, shared_v=True) for s in range(3)]) for m in widths]
    with pytest.raises(ClaimViolation):
        U.check_slope(ledger, "unbalanced2026.ntk_block_w_rate", widths, dev_bad, **kw)


def test_lambda_limit_fails_at_small_width(ledger, X):
    lam, _ = U.lam_kappa(X, 2.0, 0.5)
    est = kernels.lambda_min(sum(U.ntk_blocks(X, models.SharedTwoLayer.init(5, 6, 2, seed=0, s_W=2.0, s_V=0.5, dev="cpu"))))
    with pytest.raises(ClaimViolation):
        U.check_close(ledger, "unbalanced2026.lambda_limit", est, lam, tol=0.1, statement="s", source="t",
                      provenance="derived", hypothesis_met=True)


def test_lambda_weyl_fails_when_tightened(ledger, X):
    U.check_lambda_weyl(ledger, X, 2.0, 0.5)
    with pytest.raises(ClaimViolation):
        U.check_lambda_weyl(ledger, X, 2.0, 0.5, factor=3.0)


# ----------------------------------------------------------------------------- page 2 controls
def test_coupled_zero_output_fails_without_coupling(ledger, X):
    U.check_coupled_zero(ledger, X, models.SharedTwoLayer.init(5, 20, 2, seed=0, coupled=True, dev="cpu"))
    with pytest.raises(ClaimViolation):
        U.check_coupled_zero(ledger, X, models.SharedTwoLayer.init(5, 20, 2, seed=0, coupled=False, dev="cpu"))


def test_kernel_shift_fails_for_balanced_init(ledger):
    X = data.sphere(12, 10, seed=0)
    Y = data.labels(12, 1, outputs=3)
    ratios = [1.0, 4.0, 16.0]
    r = {rho: U.shift_after_training(X, Y, 400, 0, s_W=rho**0.5, s_V=rho**-0.5, steps=400) for rho in ratios}
    kw = dict(rel="<=", rhs=0.5, statement="s", source="t", provenance="reconstruction", hypothesis_met=None)
    ledger.check("unbalanced2026.kernel_shift", lhs=r[16.0]["shift"], **kw)
    with pytest.raises(ClaimViolation):
        ledger.check("unbalanced2026.kernel_shift", lhs=r[1.0]["shift"], **kw)
    # the balance trends: patterns fall with rho, the output layer's relative movement rises
    kw = dict(statement="s", source="t", provenance="reconstruction", hypothesis_met=None)
    U.check_decreasing(ledger, "unbalanced2026.patterns_vs_balance", ratios,
                       [max(r[x]["patterns"], 1e-6) for x in ratios], **kw)
    with pytest.raises(ClaimViolation):
        U.check_decreasing(ledger, "unbalanced2026.patterns_vs_balance", ratios, [r[x]["move_V"] for x in ratios], **kw)


def test_conservation_fails_for_large_euler_steps(ledger, X):
    Y = data.labels(6, 1, outputs=2)
    p = models.SharedTwoLayer.init(5, 20, 2, seed=0, s_W=2.0, s_V=0.5, dev="cpu")
    U.check_conservation(ledger, X, Y, p, t_max=0.5, dt=0.01)
    with pytest.raises(ClaimViolation):
        U.check_conservation(ledger, X, Y, p, t_max=0.5, dt=0.05, method="euler")


def test_gd_drift_identity_and_exponent_controls(ledger, X):
    Y = data.labels(6, 1, outputs=2)
    p = models.SharedTwoLayer.init(5, 20, 2, seed=0, s_W=2.0, s_V=0.5, dev="cpu")
    lossf = lambda q: models.SharedTwoLayer().loss(q, X, Y)
    U.check_gd_drift_identity(ledger, lossf, p, 0.05)
    with pytest.raises(ClaimViolation):
        U.check_gd_drift_identity(ledger, lossf, p, 0.05, eta_claimed=0.06)
    X, Y = data.sphere(12, 10, seed=0), data.labels(12, seed=1, outputs=3)     # the notebook's set-up
    p = models.SharedTwoLayer.init(10, 50, 3, seed=3, s_W=2.0, s_V=0.5, dev="cpu")
    lmax = kernels.lambda_max(sum(U.ntk_blocks(X, p)))
    etas = np.array([0.02, 0.01, 0.005, 0.0025]) / lmax
    drift = [U.balance_drift_gd(X, Y, p, e, 20) for e in etas]
    kw = dict(tol=0.2, statement="s", source="t", provenance="derived", hypothesis_met=True)
    U.check_slope(ledger, "unbalanced2026.gd_drift_exponent", etas, drift, target=2.0, **kw)
    with pytest.raises(ClaimViolation):
        U.check_slope(ledger, "unbalanced2026.gd_drift_exponent", etas, drift, target=3.0, **kw)


# ----------------------------------------------------------------------------- pages 3-5 controls
def _width_setup():
    X = data.sphere(6, 10, seed=0)
    Y = data.labels(6, 1, outputs=2)
    return X, Y, 2.0, 0.5


def test_gd_width_holds_at_claimed_width_and_fails_when_too_narrow(ledger):
    X, Y, sW, sV = _width_setup()
    lam, _ = U.lam_kappa(X, sW, sV)
    seeds = range(10)
    kw = dict(trials=10, delta=0.1, statement="s", source="t", provenance="reconstruction", hypothesis_met=False)
    ledger.check_probability("unbalanced2026.gd_width",
                             failures=U.gd_failures(X, Y, U.claimed_width(6, 2, lam), seeds, s_W=sW, s_V=sV), **kw)
    with pytest.raises(ClaimViolation):
        ledger.check_probability("unbalanced2026.gd_width", failures=U.gd_failures(X, Y, 4, seeds, s_W=sW, s_V=sV), **kw)


def test_width_threshold_is_monotone_bisection():
    X, Y, sW, sV = _width_setup()
    m_star, T, rates = U.width_threshold(X, Y, range(10), s_W=sW, s_V=sV, eps=1e-3)
    assert rates[m_star] >= 0.9 and T > 0
    below = [m for m in rates if m < m_star]
    if below:                         # the bisection's last failing width sits just below m*
        assert rates[max(below)] < 0.9


def test_nag_controls(ledger):
    sW, sV = 2.0, 0.5
    res = [U.iterations_gd_nag(data.sphere(10, d, 0), data.labels(10, 1, outputs=1), 300, [0],
                               s_W=sW, s_V=sV, eps=1e-6) for d in (20, 8, 5)]
    kap, tg, tn = (np.concatenate([r[i] for r in res]) for i in range(3))
    L = math.log(1e6)
    U.check_iterations(ledger, "unbalanced2026.gd_iterations", tg, kap * L, statement="s")
    with pytest.raises(ClaimViolation):
        U.check_iterations(ledger, "unbalanced2026.gd_iterations", tg, 0.1 * kap * L, statement="s")
    U.check_iterations(ledger, "unbalanced2026.nag_iterations", tn, np.sqrt(kap) * L, statement="s")
    with pytest.raises(ClaimViolation):
        U.check_iterations(ledger, "unbalanced2026.nag_iterations", tn, 0.1 * np.sqrt(kap) * L, statement="s")
    U.check_speedup(ledger, kap, tg, tn)
    res0 = [U.iterations_gd_nag(data.sphere(10, d, 0), data.labels(10, 1, outputs=1), 300, [0],
                                s_W=sW, s_V=sV, eps=1e-6, beta=0.0) for d in (20, 8, 5)]
    k0, g0, n0 = (np.concatenate([r[i] for r in res0]) for i in range(3))
    with pytest.raises(ClaimViolation):
        U.check_speedup(ledger, k0, g0, n0)


def test_sketch_controls(ledger):
    X = data.sphere(8, 10, seed=0)
    Y = data.low_rank_targets(8, 6, 1, seed=1)
    Q = U.sketch_basis(Y, 1, seed=2)
    U.check_sketch_subspace(ledger, X, Y, Q, 40, [0, 1], s_W=2.0, s_V=0.5, steps=50)
    with pytest.raises(ClaimViolation):
        U.check_sketch_subspace(ledger, X, Y, Q, 40, [0, 1], s_W=2.0, s_V=0.5, steps=50, sketched=False)
    lam, _ = U.lam_kappa(X, 2.0, 0.5)
    kw = dict(trials=10, delta=0.1, statement="s", source="t", provenance="reconstruction", hypothesis_met=False)
    ledger.check_probability("unbalanced2026.sketch_width", failures=U.gd_failures(
        X, Y, U.claimed_width(8, 1, lam), range(10), s_W=2.0, s_V=0.5, Q=Q), **kw)
    with pytest.raises(ClaimViolation):
        ledger.check_probability("unbalanced2026.sketch_width", failures=U.gd_failures(
            X, Y, 4, range(10), s_W=2.0, s_V=0.5, Q=Q), **kw)

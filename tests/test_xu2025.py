"""Unit tests and negative controls for ntkbook.xu2025 (chapter xu2025).

Every claim the chapter's notebooks check is exercised here through the very same check function
on an input that breaks its hypothesis or tightens its constant: the check must raise
ClaimViolation (or ExpectedViolationHeld for counterexamples that are shown on purpose)."""

import numpy as np
import pytest
import torch

from ntkbook import xu2025 as xu
from ntkbook.errors import AssumptionError, ClaimViolation, ExpectedViolationHeld
from ntkbook.models import LinearNet

D, K, H, N = 4, 3, 6, 12



@pytest.fixture(scope="module")
def prob():
    return xu.problem(D, K, H, N, seed=0, s1=0.5, s2=0.5)


@pytest.fixture(scope="module")
def traces(prob):
    losses, theta0 = prob
    out = {}
    for key, loss in losses.items():
        run = xu.run(loss, theta0, 1.0 / xu.smoothness_bound(loss, theta0), steps=30)
        out[key] = xu.local_trace(loss, run, L_star=0.0, hessian_every=5)
    return out


@pytest.fixture(scope="module")
def big_step(prob):
    losses, theta0 = prob
    loss = losses["sq"]
    run = xu.run(loss, theta0, 6.0 / xu.smoothness_bound(loss, theta0), steps=25)
    return xu.local_trace(loss, run, L_star=0.0)


def _point(seed, scale=1.0):
    return LinearNet.init(D, H, K, seed=seed, s1=scale, s2=scale)


# ------------------------------------------------------------------------ losses: derivatives and constants
@pytest.mark.parametrize("key", ["sq", "ph"])
def test_loss_gradient_matches_autograd(prob, key):
    loss = prob[0][key]
    W = torch.randn(K, D, generator=torch.Generator().manual_seed(3), dtype=torch.float64) * 3
    Wr = W.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(loss(Wr), Wr)
    assert torch.allclose(loss.grad(W), g, rtol=1e-12, atol=1e-12)
    assert loss(W).dtype == torch.float64


def test_pseudo_huber_second_derivative_and_constants():
    loss = xu.PseudoHuberLoss(torch.zeros(1, 1, dtype=torch.float64), a=0.3, b=2.0, delta=0.7)
    r = torch.linspace(-20, 20, 401, dtype=torch.float64)
    d2 = torch.stack([torch.autograd.functional.hessian(lambda w: loss(w.reshape(1, 1)), x.reshape(1)).reshape(())
                      for x in r])
    assert torch.allclose(d2, loss.second_derivative(r), rtol=1e-10, atol=1e-12)
    assert float(d2.min()) > loss.mu and float(d2.max()) <= loss.L + 1e-12
    assert loss.mu == pytest.approx(0.3) and loss.L == pytest.approx(2.3)


def test_squared_loss_constants_are_eigenvalues(prob):
    loss = prob[0]["sq"]
    ev = np.linalg.eigvalsh(loss.S.numpy())
    assert loss.mu == pytest.approx(ev[0]) and loss.L == pytest.approx(ev[-1])
    # mu-PL and L-smooth on random points
    for s in range(5):
        W = torch.randn(K, D, generator=torch.Generator().manual_seed(s), dtype=torch.float64)
        g = loss.grad(W)
        assert float((g ** 2).sum()) >= 2 * loss.mu * float(loss(W)) * (1 - 1e-12)
        assert float((g ** 2).sum()) <= 2 * loss.L * float(loss(W)) * (1 + 1e-12)


def test_bad_inputs_name_the_assumption():
    Phi = torch.ones(K, D, dtype=torch.float64)
    with pytest.raises(AssumptionError, match="XᵀX"):
        xu.SquaredLoss(Phi, torch.ones(N, D, dtype=torch.float64))          # rank 1 inputs
    with pytest.raises(AssumptionError, match="a > 0"):
        xu.PseudoHuberLoss(Phi, a=0.0)
    with pytest.raises(AssumptionError, match="finite"):
        xu.SquaredLoss(Phi * float("nan"))
    with pytest.raises(AssumptionError, match="h ≥ d or h ≥ k"):
        xu.mu_lower_bound(xu.SquaredLoss(Phi), LinearNet.init(D, 2, K, seed=0))
    with pytest.raises(AssumptionError, match="plateau"):
        xu.escape_steps([1.0, 0.9, 0.8])
    with pytest.raises(AssumptionError, match="closed form"):
        xu.global_minimum(xu.PseudoHuberLoss(xu.random_target(K, D, 0)), 1)


# ------------------------------------------------------------------------ derivatives of the objective
@pytest.mark.parametrize("key", ["sq", "ph"])
def test_closed_form_gradients_and_curvature_match_torch(prob, key):
    loss = prob[0][key]
    p = _point(1)
    from ntkbook.training import gradients
    _, g_auto = gradients(xu.objective(loss), p, ("W1", "W2"))
    g = xu.grads(loss, p)
    for n in g:
        assert torch.allclose(g[n], g_auto[n], rtol=1e-11, atol=1e-12)
    # second directional derivative (vmap of grad of grad) = g^T H g from jvp-of-grad HVP and full Hessian
    Hg = xu.hvp(loss, p, g)
    gsq = float(sum((v ** 2).sum() for v in g.values()))
    q_hvp = float(sum((g[n] * Hg[n]).sum() for n in g)) / gsq
    Hfull = torch.func.hessian(xu._flat_objective(loss, p))(xu._flat(p))
    gv = xu._flat(g)
    q_full = float(gv @ Hfull @ gv) / gsq
    q_vmap = xu.rayleigh(loss, p, g, [0.0])[0]
    assert q_vmap == pytest.approx(q_hvp, rel=1e-10) and q_vmap == pytest.approx(q_full, rel=1e-10)
    assert xu.hessian_norm(loss, p) == pytest.approx(np.abs(np.linalg.eigvalsh(Hfull.numpy())).max(), rel=1e-12)


def test_curvature_along_step_is_the_segment_maximum(prob):
    for key, loss in prob[0].items():
        p = _point(2)
        g = xu.grads(loss, p)
        eta = 0.3 / xu.smoothness_bound(loss, p)
        fine = xu.rayleigh(loss, p, g, np.linspace(0, eta, 401)).max()
        Kt = xu.curvature_along_step(loss, p, g, eta)
        if loss.quadratic:        # exact maximum of the interpolating quadratic
            assert Kt == pytest.approx(fine, rel=1e-6) and Kt >= fine * (1 - 1e-9)
        else:
            assert Kt == pytest.approx(fine, rel=1e-3)


@pytest.mark.parametrize("seed", range(4))
def test_derived_bounds_on_random_points(prob, seed):
    for loss in prob[0].values():
        p = _point(10 + seed, scale=0.3 + seed)
        assert xu.hessian_norm(loss, p) <= xu.hessian_bound_grad(loss, p) * (1 + 1e-10)
        assert xu.hessian_bound_grad(loss, p) <= xu.smoothness_bound(loss, p) * (1 + 1e-12)
        g = xu.grads(loss, p)
        eta = 1.0 / xu.smoothness_bound(loss, p)
        assert xu.rayleigh(loss, p, g, np.linspace(0, eta, 51)).max() <= xu.segment_bound(loss, p, g, eta)
        gsq = float(sum((v ** 2).sum() for v in g.values()))
        mu_t = gsq / (2 * float(xu.objective(loss)(p)))
        assert xu.mu_lower_bound(loss, p) <= mu_t * (1 + 1e-10) <= xu.mu_upper_bound(loss, p) * (1 + 1e-10)
        assert xu.imbalance_lower(p) <= sum(xu.sigma_terms(p)) + 1e-12


def test_imbalance_step_identity_and_flow_conservation(prob):
    loss = prob[0]["ph"]
    p = _point(5)
    g = xu.grads(loss, p)
    q = {n: p[n] - 0.01 * g[n] for n in g}
    dD = LinearNet.imbalance(q) - LinearNet.imbalance(p)
    assert torch.allclose(dD, xu.imbalance_step(g, 0.01), atol=1e-14)
    drift, D0, _ = xu.flow_drift(loss, p, t_max=0.2, dt=0.002)
    assert drift <= 1e-9 * D0


def test_eckart_young_and_adaptive_step():
    Phi = xu.random_target(K, D, seed=1)
    loss = xu.SquaredLoss(Phi)
    s = np.linalg.svd(Phi.numpy(), compute_uv=False)
    assert xu.global_minimum(loss, 2) == pytest.approx(0.5 * s[2] ** 2)
    assert xu.global_minimum(loss, 3) == 0.0
    p = _point(0)
    assert xu.adaptive_step(loss)(0, p, None) == pytest.approx(1 / xu.smoothness_bound(loss, p))
    assert xu.random_target(K, D, seed=0, rank=1).numpy().shape == (K, D)
    assert np.linalg.matrix_rank(xu.random_target(K, D, seed=0, rank=1).numpy()) == 1


def test_run_records_the_steps_taken(prob):
    loss = prob[0]["sq"]
    r = xu.run(loss, prob[1], xu.adaptive_step(loss), steps=5)
    assert len(r.etas) == 5 and len(r.history) == 6
    assert r.etas[0] == pytest.approx(1 / xu.smoothness_bound(loss, prob[1]))


# ------------------------------------------------------------------------ the checks hold on good input ...
def test_checks_hold_on_the_chapter_setting(ledger, traces):
    for key, tr in traces.items():
        xu.check_local_pl(ledger, "xu2025.local_pl", tr, hypothesis_met=True, case=key)
        xu.check_local_descent(ledger, "xu2025.local_descent", tr, case=key)
        xu.check_one_step(ledger, "xu2025.one_step", tr, case=key)
        xu.check_mu_lower(ledger, "xu2025.mu_t_lower", tr, case=key)
        xu.check_mu_upper(ledger, "xu2025.mu_t_upper", tr, case=key)
        xu.check_imbalance_lower(ledger, "xu2025.mu_t_imbalance", tr, case=key)
        xu.check_hessian_bound(ledger, "xu2025.hessian_bound", tr, case=key)
        xu.check_segment_bound(ledger, "xu2025.K_t_segment", tr, case=key)
        xu.check_imbalance_identity(ledger, "xu2025.imbalance_identity", tr, case=key)
        xu.check_step_condition(ledger, "xu2025.step_condition", tr, case=key)
    xu.check_linear_rate(ledger, "xu2025.linear_rate", list(traces.values()), hypothesis_met=True)
    assert all(r.ok for r in ledger.records)
    kinds = {r.base_id: r.kind for r in ledger.records}
    assert kinds["xu2025.local_descent"] == kinds["xu2025.one_step"] == "identity"
    assert kinds["xu2025.mu_t_imbalance"] == kinds["xu2025.imbalance_identity"] == "identity"
    assert kinds["xu2025.step_condition"] == "assumption" and kinds["xu2025.linear_rate"] == "step"
    assert {r.hypothesis_met for r in ledger.records if r.kind == "identity"} == {None}


# ------------------------------------------------------------------------ ... and fail when they should
def test_negative_local_pl_at_the_saddle(ledger, prob):
    loss = prob[0]["sq"]
    run = xu.run(loss, xu.init(D, H, K, 0, 1e-4, 1.0), xu.adaptive_step(loss), steps=3)
    with pytest.raises(ClaimViolation):
        xu.check_local_pl(ledger, "xu2025.local_pl", xu.local_trace(loss, run, L_star=0.0),
                          hypothesis_met=False)


def test_local_pl_fails_when_the_width_is_below_the_rank(ledger):
    """Control of xu2025.local_pl: with h = 2 < rank Φ = 3 the minimum of 𝓛 is the Eckart–Young
    floor 𝓛*_h > ℓ*, so along GD the local PL constant measured against 𝓛* = ℓ* (the value the
    theorem presumes) decays to 0 — a real violation, by orders of magnitude, not a threshold
    artefact. Against the true floor 𝓛*_h the same check holds."""
    Phi = xu.random_target(K, D, seed=1)
    fro = xu.SquaredLoss(Phi)
    floor = xu.global_minimum(fro, 2)
    p = xu.init(D, 2, K, 0, 1.0, 1.0)
    r = xu.run(fro, p, xu.adaptive_step(fro), 20000, keep=False, stop_below=floor * (1 + 1e-8))
    tail = xu.run(fro, r.params, xu.adaptive_step(fro), 10)
    head = xu.local_trace(fro, xu.run(fro, p, xu.adaptive_step(fro), 3), L_star=fro.minimum)
    bad = xu.local_trace(fro, tail, L_star=fro.minimum)
    assert bad.mu.max() < 1e-4 * head.mu.min()            # μ_t → 0 along the run
    with pytest.raises(ClaimViolation):
        xu.check_local_pl(ledger, "xu2025.local_pl", bad, hypothesis_met=False)
    good = xu.local_trace(fro, tail, L_star=floor)
    assert xu.check_local_pl(ledger, "xu2025.local_pl", good, hypothesis_met=True,
                             case="floor").status == "holds"


@pytest.mark.parametrize("key", ["sq", "ph"])
def test_negative_local_descent_and_one_step_with_K_halved(ledger, traces, key):
    """The two Taylor identities detect a wrong curvature (a test of the code, not of the paper)."""
    bad = traces[key].replace(K=0.5 * traces[key].K)
    with pytest.raises(ClaimViolation):
        xu.check_local_descent(ledger, "xu2025.local_descent", bad)
    with pytest.raises(ClaimViolation):
        xu.check_one_step(ledger, "xu2025.one_step", bad)


def test_negative_global_counterexamples_must_fail(ledger, prob, traces):
    losses, theta0 = prob
    loss = losses["sq"]
    with pytest.raises(ExpectedViolationHeld):       # PL holds at a generic point: no counterexample
        xu.check_global_pl_fails(ledger, "xu2025.global_pl_fails", loss, theta0, mu=1e-3 * loss.mu,
                                 L_star=0.0)
    with pytest.raises(ExpectedViolationHeld):       # descent lemma with max K_t holds at θ_0 itself
        xu.check_global_descent_fails(ledger, "xu2025.global_descent_fails", loss, theta0,
                                      K=float(traces["sq"].K.max()))
    zero = {n: torch.zeros_like(v) for n, v in theta0.items()}
    assert xu.check_global_pl_fails(ledger, "xu2025.global_pl_fails", loss, zero, mu=loss.mu,
                                    L_star=0.0, case="zero").ok


@pytest.mark.parametrize("key", ["sq", "ph"])
def test_negative_mu_bounds_tightened(ledger, traces, key):
    """Controls of xu2025.mu_t_lower / mu_t_upper: μ of ℓ overstated (resp. L understated) by 5%
    beyond the tightest value met along the run."""
    tr = traces[key]
    with pytest.raises(ClaimViolation):
        xu.check_mu_lower(ledger, "xu2025.mu_t_lower",
                          tr.replace(mu_lb=tr.mu_lb * (tr.mu / tr.mu_lb).min() * 1.05))
    with pytest.raises(ClaimViolation):
        xu.check_mu_upper(ledger, "xu2025.mu_t_upper",
                          tr.replace(mu_ub=tr.mu_ub * (tr.mu / tr.mu_ub).max() * 0.95))
    with pytest.raises(ClaimViolation):
        xu.check_imbalance_lower(ledger, "xu2025.mu_t_imbalance", tr.replace(imb_lb=tr.sig * 1.05))


def test_mu_bounds_flag_the_hypothesis(ledger, traces):
    """μ_t measured against a minimum 𝓛* > ℓ* is reported as hypothesis not met (a flag only:
    the μ_t of this trace are those against ℓ*)."""
    tr = traces["sq"]
    assert xu.check_mu_upper(ledger, "xu2025.mu_t_upper", tr).hypothesis_met is True
    rec = xu.check_mu_upper(ledger, "xu2025.mu_t_upper", tr.replace(L_star=1e-3), case="L*>l*")
    assert rec.hypothesis_met is False and rec.status == "holds beyond hypothesis"


def test_negative_imbalance_lower_with_wrong_eigenvalue_index(ledger, prob):
    """Using λ_1(D) (the largest) instead of λ_d(D) breaks the Weyl argument."""
    loss = prob[0]["sq"]
    p = xu.init(D, H, K, 0, 1.0, 4.0)
    tr = xu.local_trace(loss, xu.run(loss, p, 1.0 / xu.smoothness_bound(loss, p), steps=3),
                        L_star=0.0)
    lam1 = float(np.linalg.eigvalsh(LinearNet.imbalance(p).numpy()).max())
    with pytest.raises(ClaimViolation):
        xu.check_imbalance_lower(ledger, "xu2025.mu_t_imbalance",
                                 tr.replace(imb_lb=np.full_like(tr.sig, lam1)))


@pytest.mark.parametrize("key", ["sq", "ph"])
def test_negative_curvature_bounds_tightened(ledger, traces, key):
    """Controls of xu2025.hessian_bound / K_t_segment: the bounds shrunk 5% below the largest
    ratio met along the run."""
    tr = traces[key]
    with pytest.raises(ClaimViolation):
        ratio = np.nanmax(tr.hess / tr.hess_bound)
        xu.check_hessian_bound(ledger, "xu2025.hessian_bound",
                               tr.replace(hess_bound=tr.hess_bound * ratio * 0.95))
    with pytest.raises(ClaimViolation):
        xu.check_segment_bound(ledger, "xu2025.K_t_segment",
                               tr.replace(K_bar=tr.K_bar * np.max(tr.K / tr.K_bar) * 0.95))


def test_negative_imbalance_is_not_conserved_by_gd(ledger, traces):
    tr = traces["sq"]
    with pytest.raises(ClaimViolation):      # claiming D_{t+1} = D_t (the flow's law) for GD
        xu.check_imbalance_identity(ledger, "xu2025.imbalance_identity", tr.replace(D_err=tr.D_scale))


def test_negative_imbalance_flow_with_coarse_euler(ledger, prob):
    loss, p = prob[0]["sq"], prob[1]
    drift, D0, _ = xu.flow_drift(loss, p, t_max=0.5, dt=0.05, method="euler")
    with pytest.raises(ClaimViolation):
        xu.check_imbalance_flow(ledger, "xu2025.imbalance_flow", drift, D0, tol=1e-8)
    drift, D0, _ = xu.flow_drift(loss, p, t_max=0.5, dt=0.005)
    assert xu.check_imbalance_flow(ledger, "xu2025.imbalance_flow", drift, D0, tol=1e-8,
                                   case="rk4").ok


def test_negative_exponent_over_a_fixed_time_is_one_not_two(ledger, prob):
    """Control of xu2025.imbalance_horizon_exponent: over a fixed flow time the drift is O(η), so
    the same check with the one-step exponent 2 fails."""
    loss, p = prob[0]["sq"], prob[1]
    K0 = xu.smoothness_bound(loss, p)
    etas_h = np.array([1, 2, 4]) * 0.05 / K0
    hor = [xu.horizon_drift(loss, p, e, 1.6 / K0) for e in etas_h]
    assert xu.check_exponent(ledger, "xu2025.imbalance_horizon_exponent", etas_h, hor,
                             expected=1.0, tol=0.15, kind="scaling").ok
    with pytest.raises(ClaimViolation):
        xu.check_exponent(ledger, "xu2025.imbalance_horizon_exponent", etas_h, hor, expected=2.0,
                          tol=0.05, kind="scaling", case="exponent 2")


def test_negative_large_step(ledger, big_step):
    """Controls of xu2025.step_condition and xu2025.linear_rate: a step 6/K̂_0."""
    with pytest.raises(ClaimViolation):
        xu.check_step_condition(ledger, "xu2025.step_condition", big_step)
    with pytest.raises(ClaimViolation):
        xu.check_linear_rate(ledger, "xu2025.linear_rate", [big_step], hypothesis_met=True)
    with pytest.raises(ExpectedViolationHeld):   # the one-step identity still holds: no counterexample
        xu.check_one_step(ledger, "xu2025.one_step", big_step, expect="violation")


def test_step_comparison_is_reported_not_asserted(ledger, prob):
    """steps.comparison and step_grows are reproductions: a loss is recorded, never raised."""
    loss = prob[0]["sq"]
    row = {"adaptive": [300, 310, None], "tuned": [80, 90, 85], "init": [400, 500, None]}
    rec = xu.check_step_comparison(ledger, "xu2025.steps.comparison", row,
                                   methods=("tuned", "init"), never=1e4)
    assert rec.status == "not reproduced"                  # the tuned constant is faster
    rec = xu.check_step_comparison(ledger, "xu2025.steps.comparison", row, methods=("init",),
                                   never=1e4, case="init")
    assert rec.status == "reproduced"
    small = xu.run(loss, xu.init(D, 16, K, 0, 0.1, 1.0), xu.adaptive_step(loss), 300, keep=False)
    rec = xu.check_step_grows(ledger, "xu2025.step_grows", small.etas[0], small.etas[-1])
    assert rec.status == "not reproduced"                  # from a small init the step shrinks
    rec = xu.check_step_grows(ledger, "xu2025.step_grows", [1.0, 2.0], [1.5, 1.9], case="two")
    assert rec.status == "not reproduced"                  # every configuration must grow


def test_step_methods_and_tuning(prob):
    loss, p = prob[0]["sq"], xu.init(D, 16, K, 0, 1.0, 4.0)
    n = {m: xu.method_run(loss, p, m, 1e-6, 3000, eta_tuned=1.0 / xu.smoothness_bound(loss, p))
         for m in xu.METHODS}
    assert all(v[0] is not None for v in n.values())
    assert n["tuned"][0] == n["init"][0]                   # the same constant step
    assert n["armijo"][2] >= n["armijo"][0]                # backtracking costs evaluations
    with pytest.raises(AssumptionError):
        xu.method_run(loss, p, "tuned", 1e-6, 10)
    with pytest.raises(AssumptionError):
        xu.method_run(loss, p, "newton", 1e-6, 10)
    eta, worst = xu.tune_constant([[10, None, 30], [12, 9, 40]], [0.1, 0.2, 0.4])
    assert eta == 0.1 and worst == 12                       # never = +inf; the worst case decides
    with pytest.raises(AssumptionError):
        xu.tune_constant([[None, None]], [0.1, 0.2])
    g = xu.grads(loss, p)
    assert np.allclose(xu.rayleigh_closed(loss, p, g, [0.0, 0.01]),
                       xu.rayleigh(loss, p, g, [0.0, 0.01]), rtol=1e-10)
    ph = prob[0]["ph"]
    assert np.allclose(xu.rayleigh_closed(ph, p, xu.grads(ph, p), [0.0, 0.01]),
                       xu.rayleigh(ph, p, xu.grads(ph, p), [0.0, 0.01]), rtol=1e-10)


def test_comparison_runs_through_the_sweep():
    cfg = [dict(d=D, k=K, N=N, problem=0, h=8, s=1.0, r=4.0)]
    rows, select, test = xu.comparison(cfg, "ph", n_select=2, n_test=2, steps=500, n_jobs=1)
    assert not set(select) & set(test)
    assert set(rows[0]) >= set(xu.METHODS) and len(rows[0]["adaptive"]) == 2
    assert rows[0]["eta_tuned"] > 0


# ------------------------------------------------------------------------ a priori rate, bounds
@pytest.mark.parametrize("key", ["sq", "ph"])
def test_apriori_bounds_hold_along_the_run(prob, key):
    loss = prob[0][key]
    p = xu.init(D, 16, K, 0, 1.0, 16.0)
    prior = xu.apriori_bounds(loss, p)
    assert prior.hypothesis_met and prior.rho_bar < 1
    assert prior.eta * prior.K_bar == pytest.approx(1.0, rel=1e-9)
    run = xu.run(loss, p, prior.eta, 150)
    tr = xu.local_trace(loss, run, L_star=0.0)
    D0 = LinearNet.imbalance(p)
    for q in run.history:                                   # every bound of (Apr) at every step
        assert float(torch.linalg.matrix_norm(LinearNet.imbalance(q) - D0, 2)) <= prior.delta
        assert xu.spectral(q["W1"]) ** 2 <= prior.a_bar and xu.spectral(q["W2"]) ** 2 <= prior.b_bar
        assert xu.spectral(q["W2"] @ q["W1"]) <= prior.w_bar
    assert np.all(tr.mu >= prior.mu_bar) and np.all(tr.K_bar <= prior.K_bar * (1 + 1e-12))
    balanced = xu.apriori_bounds(loss, xu.init(D, 16, K, 0, 0.05, 1.0))
    assert not balanced.hypothesis_met and balanced.rho_bar == 1.0


def test_negative_apriori_rate(ledger, prob):
    """Controls of xu2025.apriori_rate: (a) an initialization outside the hypothesis (small and
    balanced: μ̄ = 0) run with the rate ρ̄ < 1 of an imbalanced one; (b) a step far above 2/K̂₀ with
    the factor the same formula gives at that step."""
    for key, loss in prob[0].items():
        p = xu.init(D, 16, K, 0, 1.0, 16.0)
        prior = xu.apriori_bounds(loss, p)
        gaps = xu.run(loss, p, prior.eta, 2000, stop_below=1e-8 * float(xu.objective(loss)(p)),
                      keep=False).losses
        assert xu.check_apriori_rate(ledger, "xu2025.apriori_rate", gaps, prior, case=key).ok
        with pytest.raises(ExpectedViolationHeld):      # page 4's counterexample needs a failure
            xu.check_apriori_rate(ledger, "xu2025.breakdown.apriori.saddle", gaps, prior,
                                  case=key, expect="violation")
        q = xu.init(D, 16, K, 0, 0.05, 1.0)
        assert not xu.apriori_bounds(loss, q).hypothesis_met
        gq = xu.run(loss, q, prior.eta, 2000, keep=False).losses
        with pytest.raises(ClaimViolation):
            xu.check_apriori_rate(ledger, "xu2025.apriori_rate", gq, prior, case=key + " saddle")
        big = xu.apriori_bounds(loss, p, eta=40 * prior.eta)
        assert big.eta > 2 / xu.smoothness_bound(loss, p) and not big.hypothesis_met
        gb = xu.run(loss, p, big.eta, 100, keep=False).losses
        with pytest.raises(ClaimViolation):
            xu.check_apriori_rate(ledger, "xu2025.apriori_rate", gb, big, case=key + " big")
    with pytest.raises(AssumptionError):
        xu.apriori_bounds(object(), p)


def test_negative_bound_contraction_large_step(ledger, traces, prob):
    """Control of xu2025.bound_contraction: a step 6/K̂₀ (above 2/K̄_t) breaks the one-step
    contraction built from μ_lb and K̄ for both losses."""
    losses, theta0 = prob
    for key, tr in traces.items():
        assert xu.check_bound_contraction(ledger, "xu2025.bound_contraction", tr, case=key).ok
        loss = losses[key]
        run = xu.run(loss, theta0, 6.0 / xu.smoothness_bound(loss, theta0), steps=25)
        big = xu.local_trace(loss, run, L_star=0.0)
        with pytest.raises(ClaimViolation):
            xu.check_bound_contraction(ledger, "xu2025.bound_contraction", big, case=key + " big")


def test_limit_factor_matches_the_full_hessian(prob):
    for loss in prob[0].values():
        p = xu.init(D, H, K, 3, 1.0, 4.0)
        run = xu.run(loss, p, xu.adaptive_step(loss), 3000, stop_below=1e-14, keep=False)
        q = run.params
        Hf = torch.func.hessian(xu._flat_objective(loss, q))(xu._flat(q)).numpy()
        ev = np.linalg.eigvalsh(Hf)
        nz = ev[ev > 1e-6 * ev.max()]
        fac, Kh = xu.limit_factor(loss, q)
        assert fac == pytest.approx(np.max(np.abs(1 - nz / Kh)), rel=1e-5)
    M = xu.hessian_of_ell(prob[0]["sq"], torch.zeros(K, D, dtype=torch.float64))
    assert np.allclose(M, np.kron(np.eye(K), prob[0]["sq"].S.numpy()))


def test_negative_asymptotic_rate_small_init(ledger, prob):
    """Control of xu2025.asymptotic_rate: from a balanced initialization the gap to the PL rate
    does not shrink with the width."""
    loss = prob[0]["sq"]
    widths = [16, 64, 256]

    def gaps(r):
        out = []
        for h in widths:
            p = xu.init(D, h, K, 0, 1.0, r)
            run = xu.run(loss, p, xu.adaptive_step(loss), 5000, keep=False,
                         stop_below=1e-10 * float(xu.objective(loss)(p)))
            out.append(xu.optimality_gap(xu.limit_factor(loss, run.params)[0], loss))
        return out
    assert xu.check_asymptotic_rate(ledger, "xu2025.asymptotic_rate", widths, gaps(256.0),
                                    hypothesis_met=True).ok
    with pytest.raises(ClaimViolation):
        xu.check_asymptotic_rate(ledger, "xu2025.asymptotic_rate", widths, gaps(1.0),
                                 hypothesis_met=False, case="balanced")


def test_negative_ell_rate_tightened(ledger, prob):
    """Control of xu2025.ell_rate: a loss that claims μ three times its true PL constant."""
    loss2 = prob[0]["sq"]
    vals = xu.gd_on_ell(loss2, torch.zeros(K, D, dtype=torch.float64), 200, 1e-10)
    assert xu.check_ell_rate(ledger, "xu2025.ell_rate", loss2, vals).ok
    tight = xu.SquaredLoss(loss2.Phi, None)
    tight.mu, tight.L, tight.minimum = 3 * loss2.mu, loss2.L, 0.0
    with pytest.raises(ClaimViolation):
        xu.check_ell_rate(ledger, "xu2025.ell_rate", tight, vals, case="3mu")


def test_negative_escape_slope_and_rank(ledger, prob):
    """Control of xu2025.breakdown.saddle.escape_slope: half the predicted slope. Eckart–Young."""
    loss = prob[0]["sq"]
    eps_list = [1e-1, 1e-3, 1e-5]
    plateau = [xu.escape_steps(xu.run(loss, xu.init(D, H, K, 0, e, 1.0), xu.adaptive_step(loss),
                                      200, keep=False).losses)
               for e in eps_list]
    pred = xu.predicted_escape_slope(loss, H)
    assert xu.check_escape_slope(ledger, "xu2025.escape", eps_list, plateau, pred, tol=0.1).ok
    with pytest.raises(ClaimViolation):
        xu.check_escape_slope(ledger, "xu2025.escape", eps_list, plateau, 0.5 * pred, tol=0.1,
                              case="half")
    Phi = xu.random_target(K, D, seed=1)
    fro = xu.SquaredLoss(Phi)
    floor = xu.global_minimum(fro, 2)
    r = xu.run(fro, xu.init(D, 2, K, 0, 1.0, 1.0), xu.adaptive_step(fro), 20000, keep=False,
               stop_below=floor * (1 + 1e-6))
    assert xu.check_floor(ledger, "xu2025.floor", r.losses, floor).ok
    with pytest.raises(ClaimViolation):      # a floor above the Eckart-Young value
        xu.check_floor(ledger, "xu2025.floor", r.losses, floor * 1.01, case="1.01")


def test_reaches_fails_below_the_rank(ledger):
    """Control of xu2025.breakdown.rank.reaches_floor: convergence to ℓ* = 0 is impossible at
    h = 2 < rank Φ = 3 (the same check, with the target the hypothesis h ≥ rank Φ would give)."""
    Phi = xu.random_target(K, D, seed=1)
    fro = xu.SquaredLoss(Phi)
    floor = xu.global_minimum(fro, 2)
    r = xu.run(fro, xu.init(D, 2, K, 0, 1.0, 1.0), xu.adaptive_step(fro), 20000, keep=False,
               stop_below=floor * (1 + 1e-6))
    assert xu.check_reaches(ledger, "xu2025.reach", r.losses, floor, 1e-5,
                            hypothesis_met=False).status == "holds beyond hypothesis"
    with pytest.raises(ClaimViolation):
        xu.check_reaches(ledger, "xu2025.reach", r.losses, 0.0, 1e-8, hypothesis_met=False,
                         case="ell*")


def test_breakdown_counterexamples_must_fail(ledger, traces, big_step):
    """The expected violations of page 4 are errors when the hypothesis is in fact met."""
    with pytest.raises(ExpectedViolationHeld):
        xu.check_step_condition(ledger, "xu2025.breakdown.large_step.condition", traces["sq"],
                                expect="violation")
    with pytest.raises(ExpectedViolationHeld):
        xu.check_linear_rate(ledger, "xu2025.breakdown.large_step.rate", [traces["sq"]],
                             hypothesis_met=True, expect="violation")
    assert xu.check_linear_rate(ledger, "xu2025.breakdown.large_step.rate", [big_step],
                                hypothesis_met=False, expect="violation", case="big").ok
    Phi = xu.random_target(K, D, seed=1)
    fro = xu.SquaredLoss(Phi)
    floor = xu.global_minimum(fro, 2)
    run = xu.run(fro, xu.init(D, 2, K, 0, 1.0, 1.0), xu.adaptive_step(fro), 5)
    with pytest.raises(ExpectedViolationHeld):   # against the right minimum L*_h, mu_t is fine
        xu.check_local_pl(ledger, "xu2025.breakdown.rank.local_pl_ell_star",
                          xu.local_trace(fro, run, L_star=floor), hypothesis_met=True,
                          expect="violation")
    with pytest.raises(ExpectedViolationHeld):   # with h >= rank the run does reach l*
        r3 = xu.run(fro, xu.init(D, 3, K, 0, 1.0, 4.0), xu.adaptive_step(fro), 20000, keep=False,
                    stop_below=1e-9)
        xu.check_reaches(ledger, "xu2025.breakdown.rank.to_ell_star", r3.losses, 0.0, 1e-8,
                         hypothesis_met=True, expect="violation")


def test_local_trace_refuses_bad_runs(prob):
    loss, p = prob[0]["sq"], prob[1]
    diverged = xu.run(loss, p, 30.0 / xu.smoothness_bound(loss, p), steps=60)
    assert diverged.diverged
    with pytest.raises(AssumptionError, match="finite"):
        xu.local_trace(loss, diverged, L_star=0.0)
    ok = xu.run(loss, p, 0.01, steps=2)
    with pytest.raises(AssumptionError, match="> 𝓛"):
        xu.local_trace(loss, ok, L_star=1e6)          # a wrong (too large) minimum


def ray_quantities(loss, p, cs):
    """(PL ratio, ‖∇²𝓛‖₂) along the ray cθ (the page-1 computation)."""
    mu, hess = [], []
    for c in cs:
        q = {n: c * v for n, v in p.items()}
        gsq = float(sum((v ** 2).sum() for v in xu.grads(loss, q).values()))
        mu.append(gsq / (2 * float(xu.objective(loss)(q))))
        hess.append(xu.hessian_norm(loss, q))
    return np.array(mu), np.array(hess)


def test_negative_ray_slopes(ledger, prob):
    """Control of xu2025.ray.pl_slope / ray.hessian_slope: the exponents are 2, not 1."""
    losses, theta0 = prob
    for key, loss in losses.items():
        near, far = np.logspace(-2, -1, 4), np.logspace(0.5, 1, 4)
        mu, _ = ray_quantities(loss, theta0, near)
        _, hess = ray_quantities(loss, theta0, far)
        assert xu.check_exponent(ledger, "xu2025.ray.pl_slope", near, mu, expected=2.0, tol=0.1,
                                 kind="scaling", control=xu.CONTROL["ray"], case=key).ok
        assert xu.check_exponent(ledger, "xu2025.ray.hessian_slope", far, hess, expected=2.0,
                                 tol=0.25, kind="scaling", control=xu.CONTROL["ray"], case=key).ok
        with pytest.raises(ClaimViolation):
            xu.check_exponent(ledger, "xu2025.ray.pl_slope", near, mu, expected=1.0, tol=0.1,
                              kind="scaling", control=xu.CONTROL["ray"], case=key + " 1")
        with pytest.raises(ClaimViolation):
            xu.check_exponent(ledger, "xu2025.ray.hessian_slope", far, hess, expected=1.0,
                              tol=0.25, kind="scaling", control=xu.CONTROL["ray"], case=key + " 1")


def test_negative_apriori_constants_tightened(ledger, prob):
    """Control of xu2025.mu_t_apriori: μ̄ raised above the smallest μ_t met (or K̄ lowered below
    the largest K̄_t) makes the same check fail."""
    import dataclasses
    for key, loss in prob[0].items():
        p = xu.init(D, 16, K, 0, 1.0, 16.0)
        prior = xu.apriori_bounds(loss, p)
        run = xu.run(loss, p, prior.eta, 200, stop_below=1e-8 * float(xu.objective(loss)(p)))
        mu_t, kb = xu.pl_and_segment(loss, run)
        assert xu.check_apriori_constants(ledger, "xu2025.mu_t_apriori", mu_t, kb, prior,
                                          case=key).ok
        hi = dataclasses.replace(prior, mu_bar=1.05 * float(mu_t.min()))
        with pytest.raises(ClaimViolation):
            xu.check_apriori_constants(ledger, "xu2025.mu_t_apriori", mu_t, kb, hi, case=key + "mu")
        lo = dataclasses.replace(prior, K_bar=0.95 * float(kb.max()))
        with pytest.raises(ClaimViolation):
            xu.check_apriori_constants(ledger, "xu2025.mu_t_apriori", mu_t, kb, lo, case=key + "K")

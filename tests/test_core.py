"""Unit tests of the ntkbook core: closed forms vs Monte Carlo and autograd, shapes, dtypes and
the named error of every bad input."""
import math

import numpy as np
import pytest
import torch

from ntkbook import config, data, kernels, models, training
from ntkbook.errors import AssumptionError


@pytest.fixture
def X():
    return data.sphere(7, 4, seed=0)


# ---------------------------------------------------------------- data
def test_sphere_is_unit_float64_and_seeded(X):
    assert X.dtype == torch.float64 and X.shape == (7, 4)
    assert torch.allclose(X.norm(dim=1), torch.ones(7, dtype=torch.float64))
    assert torch.equal(X, data.sphere(7, 4, seed=0))
    assert not torch.equal(X, data.sphere(7, 4, seed=1))


def test_labels_kinds_and_bounds():
    assert data.labels(5, 0).shape == (5,)
    assert data.labels(5, 0, outputs=3).shape == (5, 3)
    y = data.labels(100, 0, kind="uniform", C=2.0)
    assert y.abs().max() <= 2.0
    assert set(data.labels(50, 0, kind="sign").tolist()) <= {-1.0, 1.0}
    Y = data.low_rank_targets(10, 6, 2, seed=0)
    assert np.linalg.matrix_rank(Y.numpy()) == 2
    with pytest.raises(ValueError):
        data.labels(5, 0, kind="nope")
    with pytest.raises(ValueError):
        data.low_rank_targets(3, 3, 4, seed=0)


@pytest.mark.parametrize("bad, words", [
    (lambda X: X * 2, "unit-norm"),
    (lambda X: torch.cat([X, X[:1]]), "parallel"),
    (lambda X: torch.cat([X, -X[:1]]), "parallel"),
    (lambda X: torch.where(torch.arange(4) == 0, torch.nan, X), "finite"),
    (lambda X: X[0], "(n, d) matrix"),
])
def test_validate_names_the_broken_assumption(X, bad, words):
    with pytest.raises(AssumptionError, match=words.replace("(", r"\(").replace(")", r"\)")):
        data.validate(bad(X))


def test_label_checks(X):
    with pytest.raises(AssumptionError, match="one label per input"):
        data.validate(X, torch.zeros(3))
    with pytest.raises(AssumptionError, match="bounded labels"):
        data.validate(X, 5 * torch.ones(7), C=1.0)
    data.validate(X, torch.zeros(7), C=1.0)


def test_min_angle_is_accurate_for_nearly_parallel_inputs():
    eps = 1e-9
    X = torch.tensor([[1.0, 0.0], [math.cos(eps), math.sin(eps)], [0.0, 1.0]], dtype=torch.float64)
    assert data.min_angle(X) == pytest.approx(eps, rel=1e-6)


# ---------------------------------------------------------------- kernels
def test_h_infinity_closed_form_matches_monte_carlo(X):
    H = kernels.h_infinity(X)
    assert H.dtype == np.float64 and np.allclose(np.diag(H), 0.5)
    S = 400_000
    err = np.abs(kernels.h_infinity_mc(X, S, seed=3) - H).max()
    assert err < np.sqrt(np.log(2 * 49 / 1e-6) / (2 * S))


def test_arccos1_matches_monte_carlo(X):
    K = kernels.arccos1(X)
    assert np.allclose(np.diag(K), 0.5)  # E[σ(z)^2] = 1/2
    assert np.abs(kernels.arccos1_mc(X, 400_000, seed=4) - K).max() < 5e-3


def test_h_infinity_requires_unit_norm(X):
    with pytest.raises(AssumptionError, match="unit-norm"):
        kernels.h_infinity(2 * X)
    H2 = kernels.h_infinity(2 * X, require_unit_norm=False)
    assert np.allclose(H2, 4 * kernels.h_infinity(X))


def test_gram_indicator_form_equals_definition_and_ntk(X):
    m = 50
    net = models.TwoLayerReLU()
    p = net.init(m, 4, seed=1, dev=torch.device("cpu"))
    H = kernels.gram(X, p["W"])
    direct = torch.zeros(7, 7, dtype=torch.float64)
    for r in range(m):
        s = (X @ p["W"][r] >= 0).to(torch.float64)
        direct += (X @ X.T) * torch.outer(s, s)
    assert torch.allclose(H, direct / m)
    K = kernels.empirical_ntk(net.forward, p, X, trainable=["W"])
    assert torch.allclose(K, H, atol=1e-13)
    # joint training: the a-block of the NTK is the feature Gram matrix G
    Ka = kernels.empirical_ntk(net.forward, p, X, trainable=["a"])
    assert torch.allclose(Ka, kernels.feature_gram(X, p["W"]), atol=1e-13)
    assert torch.allclose(kernels.gram(X, p["W"], a=p["a"]), H)


def test_gram_rejects_wrong_shapes(X):
    with pytest.raises(AssumptionError, match="shape"):
        kernels.gram(X, torch.zeros(4, 5, dtype=torch.float64))


def test_lambda0_and_parallel_inputs(X):
    lam = kernels.lambda0(X)
    assert lam > 0
    assert lam == pytest.approx(np.linalg.eigvalsh(kernels.h_infinity(X))[0], rel=1e-10)
    with pytest.raises(AssumptionError, match="parallel"):
        kernels.lambda0(torch.cat([X, X[:1]]))
    H = kernels.h_infinity(torch.cat([X, X[:1]]))
    assert kernels.lambda_min(H) < kernels.eig_tolerance(H)


def test_condition_number_and_singular_matrix():
    A = np.diag([1.0, 4.0])
    assert kernels.condition_number(A) == pytest.approx(4.0)
    with pytest.raises(AssumptionError, match="positive definite"):
        kernels.condition_number(np.diag([0.0, 1.0]))
    with pytest.raises(AssumptionError, match="finite"):
        kernels.lambda_min(np.array([[np.nan, 0], [0, 1.0]]))


def test_lambda_min_of_gram_and_sigma_min():
    F = np.array([[1.0, 0, 0], [0, 1e-9, 0]])
    assert kernels.lambda_min_of_gram(F) == pytest.approx(1e-18, rel=1e-6)
    assert kernels.sigma_min(F) == pytest.approx(1e-9, rel=1e-6)
    assert kernels.sigma_min(F.T) == 0.0  # fewer columns than rows


def test_angles_accurate_near_parallel():
    eps = 1e-10
    X = torch.tensor([[1.0, 0.0], [math.cos(eps), math.sin(eps)]], dtype=torch.float64)
    assert kernels.angles(X)[0, 1] == pytest.approx(eps, rel=1e-6)


# ---------------------------------------------------------------- models
def test_two_layer_relu_init_moments_and_homogeneity():
    net = models.TwoLayerReLU()
    p = net.init(20000, 3, seed=0, dev=torch.device("cpu"))
    assert set(p["a"].unique().tolist()) == {-1.0, 1.0}
    x = data.sphere(1, 3, seed=5)
    # u(0) has variance E[σ(z)^2] = 1/2 over the init: check through the neuron average
    feats = torch.relu(x @ p["W"].T).pow(2).mean()
    assert float(feats) == pytest.approx(0.5, abs=0.03)
    p2 = {"W": 3 * p["W"], "a": p["a"]}
    assert torch.allclose(net.forward(p2, x), 3 * net.forward(p, x))


def test_du_gradient_formula_matches_autograd():
    net = models.TwoLayerReLU()
    X = data.sphere(6, 4, seed=0)
    y = data.labels(6, seed=1)
    p = net.init(30, 4, seed=2, dev=torch.device("cpu"))
    _, g = training.gradients(lambda q: net.loss(q, X, y), p, ("W",))
    assert torch.allclose(g["W"], net.grad_W(p, X, y), atol=1e-12)


def test_deep_relu_shapes_and_lecun_init():
    net = models.DeepReLU([5, 30, 20, 3])
    p = net.init(seed=0, dev=torch.device("cpu"))
    X = data.gaussian(4, 5, seed=1)
    F = net.features(p, X)
    assert [f.shape for f in F] == [(4, 5), (4, 30), (4, 20), (4, 3)]
    assert float(p["W1"].std()) == pytest.approx(1 / math.sqrt(5), rel=0.2)
    with pytest.raises(ValueError):
        models.DeepReLU([3, 2])


def test_shared_two_layer_coupled_init_outputs_zero():
    p = models.SharedTwoLayer.init(4, 10, 3, seed=0, coupled=True, dev=torch.device("cpu"))
    X = data.sphere(5, 4, seed=1)
    assert torch.allclose(models.SharedTwoLayer.forward(p, X), torch.zeros(5, 3, dtype=torch.float64))
    with pytest.raises(AssumptionError, match="even width"):
        models.SharedTwoLayer.init(4, 9, 3, seed=0, coupled=True)


def test_linear_net_imbalance_conserved_by_flow():
    p = models.LinearNet.init(3, 4, 2, seed=0, dev=torch.device("cpu"))
    target = torch.randn(2, 3, dtype=torch.float64, generator=config.generator(1))
    loss = lambda q: 0.5 * (models.LinearNet.product(q) - target).pow(2).sum()  # noqa: E731
    D0 = models.LinearNet.imbalance(p)
    tr = training.gradient_flow(loss, p, t_max=1.0, dt=0.01)
    assert torch.allclose(models.LinearNet.imbalance(tr.params), D0, atol=1e-8)
    tr_gd = training.gradient_descent(loss, p, eta=0.1, steps=10)
    assert (models.LinearNet.imbalance(tr_gd.params) - D0).norm() > 1e-6  # GD drifts


# ---------------------------------------------------------------- training
def quadratic(A, b):
    return lambda p: 0.5 * p["x"] @ A @ p["x"] - b @ p["x"]


def test_gd_on_quadratic_matches_closed_form():
    A = torch.diag(torch.tensor([1.0, 4.0], dtype=torch.float64))
    b = torch.tensor([1.0, 1.0], dtype=torch.float64)
    p = {"x": torch.zeros(2, dtype=torch.float64)}
    tr = training.gradient_descent(quadratic(A, b), p, eta=0.1, steps=50, record={"x0": lambda q, k: float(q["x"][0])})
    x_star = torch.linalg.solve(A, b)
    expected = float(x_star[0]) * (1 - (1 - 0.1) ** np.arange(51))
    assert np.allclose(tr.metric("x0"), expected, atol=1e-12)
    assert tr.steps == list(range(51))


def test_gd_detects_divergence():
    A = torch.diag(torch.tensor([1.0, 1e3], dtype=torch.float64))
    p = {"x": torch.ones(2, dtype=torch.float64)}
    tr = training.gradient_descent(quadratic(A, torch.zeros(2, dtype=torch.float64)), p, eta=1.0, steps=2000)
    assert tr.diverged


def test_gradient_flow_rk4_is_accurate():
    p = {"x": torch.ones(1, dtype=torch.float64)}
    tr = training.gradient_flow(lambda q: 0.5 * q["x"].pow(2).sum(), p, t_max=2.0, dt=0.05)
    assert float(tr.params["x"]) == pytest.approx(math.exp(-2.0), rel=1e-6)


def test_nesterov_beats_gd_on_ill_conditioned_quadratic():
    kappa = 400.0
    A = torch.diag(torch.tensor([1.0, kappa], dtype=torch.float64))
    p = {"x": torch.ones(2, dtype=torch.float64)}
    f = quadratic(A, torch.zeros(2, dtype=torch.float64))
    beta = (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)
    gd = training.gradient_descent(f, p, eta=1 / kappa, steps=5000, stop_below=1e-10)
    nag = training.nesterov(f, p, eta=1 / kappa, beta=beta, steps=5000, stop_below=1e-10)
    k_gd, k_nag = training.iterations_to(gd, 1e-10), training.iterations_to(nag, 1e-10)
    assert k_nag is not None and k_gd is not None and k_nag < k_gd / 5


def test_fitted_rate_and_slope():
    assert training.fitted_rate(0.9 ** np.arange(20)) == pytest.approx(0.9)
    assert training.loglog_slope([1, 10, 100], [1, 0.1 ** 0.5, 0.01 ** 0.5]) == pytest.approx(-0.5)


def test_scale_knob(monkeypatch):
    monkeypatch.setenv("NTKBOOK_SCALE", "full")
    assert config.pick(1, 2) == 2
    monkeypatch.setenv("NTKBOOK_SCALE", "small")
    assert config.pick(1, 2) == 1
    monkeypatch.setenv("NTKBOOK_SCALE", "huge")
    with pytest.raises(ValueError, match="NTKBOOK_SCALE"):
        config.pick(1, 2)


def test_explicit_seed_required():
    with pytest.raises(ValueError, match="seed"):
        config.generator(None)


def test_metrics_along_gd():
    from ntkbook import metrics
    net = models.TwoLayerReLU()
    X = data.sphere(5, 3, seed=0)
    y = data.labels(5, seed=1)
    p = net.init(40, 3, seed=2, dev=torch.device("cpu"))
    rec = {"dist": metrics.max_neuron_distance(p), "flips": metrics.pattern_change_fraction(X, p),
           "lam": metrics.gram_lambda_min(X), "fro": metrics.layer_distance(p, "W")}
    tr = training.gradient_descent(lambda q: net.loss(q, X, y), p, eta=0.5, steps=20, record=rec, every=5)
    assert tr.steps == [0, 5, 10, 15, 20]
    assert tr.metric("dist")[0] == 0 and tr.metric("flips")[0] == 0 and tr.metric("fro")[0] == 0
    assert tr.metric("dist")[-1] > 0 and tr.metric("fro")[-1] >= tr.metric("dist")[-1]
    assert 0 <= tr.metric("flips").max() <= 1 and tr.metric("lam").min() >= -1e-12


def test_few_threads_knob_restores_and_validates(monkeypatch):
    import threadpoolctl

    def blas():
        return [p["num_threads"] for p in threadpoolctl.threadpool_info()]
    before, blas_before = torch.get_num_threads(), blas()
    monkeypatch.setenv("NTKBOOK_THREADS", "1")
    with config.few_threads():
        assert torch.get_num_threads() == 1
        assert all(n == 1 for n in blas())      # numpy's BLAS pools follow
        with config.few_threads():                # nesting restores the outer setting
            assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before and blas() == blas_before

    @config.few_threads()
    def inside():
        return torch.get_num_threads()
    assert inside() == 1 and torch.get_num_threads() == before
    monkeypatch.setenv("NTKBOOK_THREADS", "zero")
    with pytest.raises(ValueError, match="NTKBOOK_THREADS"):
        config.threads()


def test_pick_full_for_one_page(monkeypatch):
    """NTKBOOK_FULL runs one page at full scale; other pages and the build key follow."""
    from ntkbook import config, ledger
    monkeypatch.delenv("NTKBOOK_SCALE", raising=False)
    monkeypatch.delenv("NTKBOOK_FULL", raising=False)
    key = ledger.build_key()
    assert config.pick(1, 2, page="du2019/07_figure1") == 1
    monkeypatch.setenv("NTKBOOK_FULL", "du2019/07_figure1, xu2025/03_step_sizes")
    assert config.pick(1, 2, page="du2019/07_figure1") == 2
    assert config.pick(1, 2, page="du2019/06_width") == 1
    assert config.pick(1, 2) == 1
    assert ledger.run_environment()["full_pages"] == "du2019/07_figure1,xu2025/03_step_sizes"
    assert ledger.build_key() != key

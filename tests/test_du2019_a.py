"""Du et al. 2019, pages 01–04 of the chapter: unit tests of ``ntkbook.du2019`` and a negative
control for every claim the notebooks check (the same check function, with the hypothesis broken
or the bound made false, must report ClaimViolation / AssumptionError)."""
import dataclasses
import math

import numpy as np
import pytest
import torch

from ntkbook import data, kernels, models
from ntkbook import du2019 as du
from ntkbook.errors import AssumptionError, ClaimViolation, ExpectedViolationHeld
from ntkbook.ledger import Ledger


@pytest.fixture
def fresh(tmp_path):
    """A factory of throw-away ledgers: a claim id may be recorded once per ledger, so each
    negative control after a passing check of the same claim gets its own."""
    return lambda: Ledger("du2019", "control", directory=tmp_path)


@pytest.fixture(scope="module")
def X():
    return data.sphere(6, 8, seed=0)


@pytest.fixture(scope="module")
def y():
    return data.labels(6, seed=1, kind="uniform", C=1.0)


@pytest.fixture(scope="module")
def lam0(X):
    return kernels.lambda0(X)


@pytest.fixture(scope="module")
def flow(X, y):
    return du.flow_run(X, y, 1000, seed=0, t_max=8.0, dt=0.2, every=5)


@pytest.fixture(scope="module")
def joint(X, y):
    return du.flow_run(X, y, 1000, seed=0, t_max=8.0, dt=0.1, every=5, train_a=True)


# ------------------------------------------------------------------ unit tests of the module
def test_radii_and_widths(lam0):
    n, delta = 6, 0.1
    assert du.R_lemma32(n, lam0, delta) == pytest.approx(math.sqrt(2 * math.pi) / 16 * delta * lam0 / n**2)
    # with c = sqrt(2 pi)/16 the Markov bound 4 n^2 R / (sqrt(2 pi) delta) is exactly lambda0/4
    R = du.R_lemma32(n, lam0, delta)
    assert 4 * n**2 * R / (math.sqrt(2 * math.pi) * delta) == pytest.approx(lam0 / 4)
    m31 = du.m_lemma31(n, lam0, delta)
    assert du.hoeffding_deviation(n, m31, delta) <= lam0 / 4 < du.hoeffding_deviation(n, m31 - 1, delta) * 1.0001
    assert du.R_prime_flow(4, 100, 2.0, 0.5) == pytest.approx(2 * 2 * 2 / (10 * 0.5))
    ms = du.m_R_prime_below_R(n, 1.3, lam0, delta)
    assert du.R_prime_flow(n, ms, 1.3, lam0) < R <= du.R_prime_flow(n, ms - 1, 1.3, lam0)


@pytest.mark.parametrize("call", [lambda: du.R_lemma32(4, 0.1, 0.0), lambda: du.R_lemma32(4, -1, 0.1),
                                  lambda: du.m_lemma31(4, 0.0, 0.1), lambda: du.R_prime_flow(4, 10, 1.0, 0.0)])
def test_bad_parameters_raise(call):
    with pytest.raises(AssumptionError):
        call()


def test_anticoncentration_formulas():
    R = np.array([1e-4, 0.1, 0.5, 1.0, 3.0])
    assert np.all(du.anticoncentration_exact(R) <= du.anticoncentration_bound(R))
    assert du.anticoncentration_exact(1.0) == pytest.approx(0.6826894921370859)


def test_events_patterns_and_adversary(X):
    W0 = models.TwoLayerReLU.init(500, X.shape[1], seed=3, dev="cpu")["W"]
    R = 0.05
    A = du.near_boundary(X, W0, R)
    assert A.shape == (6, 500) and A.dtype == torch.bool
    for mode in ("flip", "off", "eigen"):
        W = du.adversarial_perturbation(X, W0, R, mode)
        assert (W - W0).norm(dim=1).max() <= R
        F = du.pattern_changes(X, W0, W)
        assert not (F & ~A).any()                   # changes only on the events A_ir
        assert F.any()
    # 'flip' reaches every event of a neuron with a single near-boundary input
    W = du.adversarial_perturbation(X, W0, R, "flip")
    single = A.sum(0) == 1
    assert torch.equal(du.pattern_changes(X, W0, W)[:, single], A[:, single])
    assert du.max_distance(W0, W0) == 0.0
    with pytest.raises(ValueError):
        du.adversarial_perturbation(X, W0, R, "nope")


def test_antipodal_structure():
    d = 4
    X1 = du.antipodal_data(1, d, seed=0, extra=3)
    assert torch.allclose(X1[0], -X1[1])
    Xd = du.antipodal_data(d, d, seed=1)
    ev = kernels.eigenvalues(kernels.h_infinity(Xd))
    assert np.abs(du.antipodal_spectrum(Xd[:d]) - ev).max() < 1e-12
    assert ev[0] == pytest.approx(kernels.sigma_min(Xd[:d].numpy().T) ** 2 / 2, rel=1e-9)
    Xm = du.antipodal_data(d + 1, d, seed=2)
    H = kernels.h_infinity(Xm)
    assert kernels.lambda_min(H) <= kernels.eig_tolerance(H)
    with pytest.raises(AssumptionError, match="parallel"):
        kernels.lambda0(X1)


def test_closest_pair_bound_small_angle(X):
    e = X[1] - (X[1] @ X[0]) * X[0]
    e = e / e.norm()
    Xt = X.clone()
    Xt[1] = math.cos(1e-3) * X[0] + math.sin(1e-3) * e
    b = du.closest_pair_bound(Xt)
    assert b == pytest.approx(0.5 - math.cos(1e-3) * (math.pi - 1e-3) / (2 * math.pi), rel=1e-6)
    assert kernels.lambda_min(kernels.h_infinity(Xt)) <= b


def test_flow_run_records(flow):
    assert flow.t[0] == 0 and flow.resid2.shape == flow.t.shape
    assert np.all(np.diff(flow.resid2) <= 0)
    assert np.isnan(flow.lam_min_G).all() and flow.dist_w[0] == 0


# ------------------------------------------------------------------ page 01: negative controls
def test_data_assumption(ledger, fresh, X, y):
    rec = du.check_data(ledger, X, y, C=1.0)
    assert rec.kind == "assumption" and rec.status == "holds" and rec.hypothesis_met is None
    with pytest.raises(ClaimViolation):                      # a duplicated input
        du.check_data(fresh(), torch.cat([X, X[:1]]))
    with pytest.raises(ClaimViolation):                      # an antipodal input
        du.check_data(fresh(), torch.cat([X, -X[:1]]))
    with pytest.raises(AssumptionError, match="bounded labels"):
        du.check_data(fresh(), X, 3 * y.sign(), C=1.0)


def test_homogeneity(ledger, fresh, X):
    p = models.TwoLayerReLU.init(64, X.shape[1], seed=0, dev="cpu")
    assert du.check_homogeneity(ledger, X, p, scales=[0.5, 3.0]).kind == "identity"
    with pytest.raises(ClaimViolation):                      # c < 0: not positively homogeneous
        du.check_homogeneity(fresh(), X, p, scales=[-1.0])


def test_init_variance_and_moments(ledger, fresh, X):
    du.check_init_variance(ledger, du.init_output_moments(X, 64, range(200)))
    with pytest.raises(ClaimViolation):                      # w_r ~ N(0, 1.5^2 I): variance 1.125
        du.check_init_variance(fresh(), du.init_output_moments(X, 64, range(200), w_std=1.5))
    p = models.TwoLayerReLU.init(5000, X.shape[1], seed=1, dev="cpu")
    du.check_init_moments(ledger, p["W"], p["a"])
    with pytest.raises(ClaimViolation):
        du.check_init_moments(fresh(), 1.5 * p["W"], p["a"])
    with pytest.raises(ClaimViolation):
        du.check_init_moments(fresh(), p["W"], 0.5 * p["a"])


def test_gradient_formula(ledger, fresh, X, y):
    p = models.TwoLayerReLU.init(64, X.shape[1], seed=2, dev="cpu")
    du.check_gradient_formula(ledger, X, y, p)
    tied = {k: v.clone() for k, v in p.items()}
    tied["W"][0] = 0.0                                       # exact ties: sigma'(0) = 0 vs 1{0 >= 0}
    with pytest.raises(ClaimViolation):
        du.check_gradient_formula(fresh(), X, y, tied)
    rec = du.check_gradient_formula(ledger, X, y, tied, expect="violation")
    assert rec.id == "du2019.eq3.tie" and rec.status == "expected violation"
    with pytest.raises(ExpectedViolationHeld):               # without a tie it cannot fail
        du.check_gradient_formula(fresh(), X, y, p, expect="violation")


def test_prediction_dynamics(ledger, fresh, X, y):
    p = models.TwoLayerReLU.init(256, X.shape[1], seed=4, dev="cpu")
    du.check_prediction_dynamics(ledger, X, y, p)
    with pytest.raises(ClaimViolation):                      # a_r = ±2 breaks a_r^2 = 1 in eq. (7)
        du.check_prediction_dynamics(fresh(), X, y, {**p, "a": 2 * p["a"]})


def test_mc_kernels(ledger, fresh, X):
    S = 20_000
    H1, K1 = kernels.h_infinity(X), kernels.arccos1(X)
    du.check_mc_entries(ledger, H1, lambda: du.mc_moments(X, S, 0), S, "du2019.h1.mc", "", "")
    du.check_mc_entries(ledger, K1, lambda: du.mc_moments(X, S, 1, "relu"), S, "du2019.h2.mc", "", "")
    with pytest.raises(ClaimViolation):
        du.check_mc_entries(fresh(), 1.05 * H1, lambda: du.mc_moments(X, S, 0), S, "du2019.h1.mc", "", "")
    with pytest.raises(ClaimViolation):
        du.check_mc_entries(fresh(), 1.2 * K1, lambda: du.mc_moments(X, S, 1, "relu"), S,
                            "du2019.h2.mc", "", "")


def test_theorem31_and_antipodal(ledger, fresh, X):
    d = X.shape[1]
    rec = du.check_lambda0_positive(ledger, [X, data.sphere(5, 3, seed=9)])
    assert rec.kind == "conclusion" and rec.hypothesis_met is True and rec.status == "holds"
    with pytest.raises(ClaimViolation):                      # a duplicated input: hypothesis broken
        du.check_lambda0_positive(fresh(), torch.cat([X, X[:1]]))
    one = du.check_lambda0_positive(ledger, du.antipodal_data(1, d, 0, extra=3),
                                    "du2019.thm3.1.antipodal_one")
    assert one.status == "holds beyond hypothesis"
    du.check_lambda0_positive(ledger, du.antipodal_data(d, d, 0), "du2019.thm3.1.antipodal_d")
    with pytest.raises(ClaimViolation):                      # d + 1 antipodal pairs
        du.check_lambda0_positive(fresh(), du.antipodal_data(d + 1, d, 0), "du2019.thm3.1.antipodal_many")
    rec = du.check_lambda0_positive(ledger, du.antipodal_data(d + 1, d, 0), "du2019.thm3.1.antipodal_many",
                                    expect="violation")
    assert rec.kind == "counterexample" and rec.status == "expected violation"
    with pytest.raises(ExpectedViolationHeld):               # one pair is not a counterexample
        du.check_lambda0_positive(fresh(), du.antipodal_data(1, d, 0, extra=3),
                                  "du2019.thm3.1.antipodal_many", expect="violation",
                                  certify=False)
    with pytest.raises(ClaimViolation, match="certificate disproves"):   # and it is proved so
        du.check_lambda0_positive(fresh(), du.antipodal_data(1, d, 0, extra=3),
                                  "du2019.thm3.1.antipodal_many", expect="violation")


def test_angle_slope(ledger, fresh, X):
    e = X[1] - (X[1] @ X[0]) * X[0]
    e = e / e.norm()
    thetas = np.logspace(-4, -2, 5)
    lam = []
    for t in thetas:
        Xt = X.clone()
        Xt[1] = math.cos(t) * X[0] + math.sin(t) * e
        lam.append(kernels.lambda_min(kernels.h_infinity(Xt)))
    kw = dict(tol=0.05, control=du.CONTROL["angle_slope"], provenance="derived")
    assert du.check_slope(ledger, thetas, lam, "du2019.thm3.1.angle_slope", target=1.0, **kw).kind == "scaling"
    with pytest.raises(ClaimViolation):                      # a wrong exponent
        du.check_slope(fresh(), thetas, lam, "du2019.thm3.1.angle_slope", target=0.5, **kw)


def test_closest_pair_claim(ledger, fresh):
    sets = [data.sphere(6, 3, seed=s) for s in range(5)]
    du.check_closest_pair(ledger, sets)
    with pytest.raises(ClaimViolation):
        du.check_closest_pair(fresh(), sets, factor=0.5)


def test_antipodal_spectrum_claim(ledger):
    Xa = du.antipodal_data(3, 4, seed=0)
    du.check_antipodal_spectrum(ledger, [Xa], [3])
    with pytest.raises(AssumptionError, match="antipodal pairs"):   # not a pure antipodal set
        du.check_antipodal_spectrum(ledger, [du.antipodal_data(3, 4, seed=0, extra=1)], [3])
    Xb = Xa.clone()
    Xb[3:] = du.antipodal_data(3, 4, seed=1)[:3]            # the "antipodes" of another draw
    with pytest.raises(AssumptionError):
        du.check_antipodal_spectrum(ledger, [Xb], [3])


# ------------------------------------------------------------------ page 02
def test_remark31_slopes(ledger, fresh, X):
    H_inf = kernels.h_infinity(X)
    widths = [100, 400, 1600, 6400]
    dev = [np.mean([du.init_deviation(X, m, s, H_inf) for s in range(8)]) for m in widths]
    du.check_slope(ledger, widths, dev, "du2019.remark3.1.slope")
    du.check_slope(ledger, widths, dev, "du2019.remark3.1.slope_t", tol=0.15, at_most=True)
    wrong = [np.mean([du.init_deviation(X, m, s, 1.05 * H_inf) for s in range(8)]) for m in widths]
    with pytest.raises(ClaimViolation):                      # a wrong limit: the deviation saturates
        du.check_slope(fresh(), widths, wrong, "du2019.remark3.1.slope")
    with pytest.raises(ClaimViolation):
        du.check_slope(fresh(), widths, wrong, "du2019.remark3.1.slope_t", tol=0.15, at_most=True)


def test_lemma31(ledger, fresh, X, lam0):
    n, delta = X.shape[0], 0.1
    run = du.lemma31_run(X, du.m_lemma31(n, lam0, delta), range(10))
    recs = du.check_lemma31(ledger, run, delta, n)
    assert all(r.hypothesis_met is True and r.kind == "step" for r in recs)
    assert all(r.status == "not refuted (low power)" for r in recs)   # 0/10: bound 0.26 > delta
    narrow = du.lemma31_run(X, 6, range(20))                 # far too narrow
    for part in ("lambda_min", "norm"):
        with pytest.raises(ClaimViolation):
            du.check_lemma31(fresh(), narrow, delta, n, parts=(part,))


# ------------------------------------------------------------------ page 03
def test_anticoncentration_claim(ledger, fresh, X):
    count, trials = du.anticoncentration_counts(X, 5000, range(10), 0.5)
    rec = du.check_anticoncentration(ledger, count, trials, 0.5)
    assert rec.id == "du2019.lemma3.2.anticoncentration[R=0.5]" and rec.status == "holds"
    with pytest.raises(ClaimViolation):                      # bound tightened by 10%
        du.check_anticoncentration(fresh(), count, trials, 0.5, factor=0.9)


def test_lemma32_holds_at_its_radius(ledger, X, lam0):
    n, delta = X.shape[0], 0.1
    R = du.R_lemma32(n, lam0, delta)
    runs = du.lemma32_runs(X, du.m_lemma31(n, lam0, delta), range(10), R, modes=("off", "eigen"))
    du.check_lemma32(ledger, runs["off"], delta, n, parts=("events", "markov", "norm"))
    du.check_lemma32(ledger, runs["eigen"], delta, n, parts=("lambda_min",))
    assert all(r.hypothesis_met is not False for r in ledger.records)
    assert [r.kind for r in ledger.records] == ["identity", "step", "step", "step"]


def test_lemma32_negative_controls(ledger, fresh, X, lam0):
    n, delta = X.shape[0], 0.1
    seeds = range(6)
    big = du.lemma32_run(X, 400, seeds, 0.1, mode="off")
    with pytest.raises(ClaimViolation):                      # R far above c delta lambda0 / n^2
        du.check_lemma32(fresh(), big, delta, n, parts=("norm",))
    rec, = du.check_lemma32(ledger, big, delta, n, parts=("norm",), expect="violation")
    assert rec.id == "du2019.lemma3.2.large_R" and rec.status == "expected violation"
    outside = du.lemma32_run(X, 400, seeds, 0.01, mode="flip", radius_factor=3.0)
    with pytest.raises(ClaimViolation):                      # perturbation leaves the ball: flips outside A_ir
        du.check_lemma32(fresh(), outside, delta, n, parts=("events",))
    far = du.lemma32_run(X, 400, seeds, 1e-3, mode="off", radius_factor=1000.0)
    with pytest.raises(ClaimViolation):                      # Markov step outside the ball
        du.check_lemma32(fresh(), far, delta, n, parts=("markov",))
    narrow = du.lemma32_run(X, 2, range(20), du.R_lemma32(n, lam0, delta), mode="eigen")
    with pytest.raises(ClaimViolation):                      # width 2: some input is inactive on both neurons
        du.check_lemma32(fresh(), narrow, delta, n, parts=("lambda_min",))


def test_certificate_bounds_every_perturbation(X):
    """|H(W) − H(W(0))| ≤ M entrywise for random and adversarial W in the ball, so
    ‖H − H(0)‖₂ ≤ ‖M‖₂; M grows with R."""
    m, R = 300, 0.05
    W0 = models.TwoLayerReLU.init(m, X.shape[1], 3, dev="cpu")["W"]
    M = du.certificate_matrix(X, W0, R)
    H0 = kernels.gram(X, W0).numpy()
    g = torch.Generator().manual_seed(0)
    Ws = [du.adversarial_perturbation(X, W0, R, mode) for mode in ("flip", "off")]
    for _ in range(5):
        D = torch.randn(W0.shape, generator=g, dtype=torch.float64)
        Ws.append(W0 + R * D / D.norm(dim=1, keepdim=True))           # on the sphere of radius R
    for W in Ws:
        dH = np.abs(kernels.gram(X, W).numpy() - H0)
        assert np.all(dH <= M + 1e-15)
        assert kernels.spectral_norm(dH) <= kernels.spectral_norm(M) * (1 + 1e-12)
    assert np.all(du.certificate_matrix(X, W0, 2 * R) >= M)
    lam0 = kernels.lambda0(X)
    Rc = du.certified_radius(X, W0, lam0 / 4)
    assert kernels.spectral_norm(du.certificate_matrix(X, W0, Rc)) < lam0 / 4 \
        <= kernels.spectral_norm(du.certificate_matrix(X, W0, Rc * (1 + 1e-6)))


def test_lemma32_certificate(ledger, fresh, X, lam0):
    n, delta = X.shape[0], 0.1
    R = du.R_lemma32(n, lam0, delta)
    ok = du.certificate_runs(X, du.m_lemma31(n, lam0, delta), range(30), R)
    recs = du.check_certificate(ledger, ok, delta, n)
    assert [r.status for r in recs] == ["holds", "holds"]
    assert all(r.hypothesis_met is True and r.kind == "step" for r in recs)
    big = du.certificate_runs(X, 400, range(30), 0.2)
    with pytest.raises(ClaimViolation):                      # R far above c delta lambda0 / n^2
        du.check_certificate(fresh(), big, delta, n)
    rec = du.check_certificate(ledger, big, delta, n, expect="violation")
    assert rec.id.startswith("du2019.lemma3.2.certificate.large_R")
    assert rec.status == "expected violation" and rec.hypothesis_met is False
    narrow = du.certificate_runs(X, 2, range(30), R)
    with pytest.raises(ClaimViolation):                      # width 2: lambda_min(H(0)) tiny
        du.check_certificate(fresh(), narrow, delta, n)


def test_signs_decided_in_ball_arithmetic(X):
    """The fast balls (float product, rigorous radius) agree with arb dot products; exact ties
    (w_r = 0 for a sign, |w_rᵀx_i| = R for an event) stay undecided, never guessed."""
    from flint import arb

    from ntkbook.du2019.certificates import _arb_dot
    W = models.TwoLayerReLU.init(200, X.shape[1], 4, dev="cpu")["W"].numpy()
    W[0] = 0.0                                                # w_1 = 0: ties on every input
    value, decided = du.signs(X, W)
    assert not decided[:, 0].any() and decided[:, 1:].all()
    Xn = X.numpy()
    for i in range(Xn.shape[0]):
        for r in range(1, W.shape[0]):
            assert value[i, r] == bool(_arb_dot(Xn[i], W[r]) > arb(0))
    E = np.eye(4)                                             # x_1 = e_1: w_1ᵀx_1 = W[0, 0] exactly
    We = np.random.default_rng(0).standard_normal((5, 4))
    We[0, 0] = 0.25
    inside, dec = du.signs(E, We, R=0.25)
    assert not dec[0, 0] and dec[1:, 0].all() and dec[:, 1:].all()
    assert np.array_equal(inside[dec], (np.abs(E @ We.T) < 0.25)[dec])


def test_lambda0_certificates(ledger, fresh, X):
    rec = du.check_lambda0_positive(ledger, [X, data.sphere(5, 3, seed=9)])
    assert rec.certified == "proved" and rec.certificate["lower"] > 0
    lo, hi = rec.certificate["lower"], rec.certificate["upper"]
    assert lo <= kernels.lambda0(X) * (1 + 1e-12) and lo <= hi
    dup = du.check_lambda0_positive(fresh(), torch.cat([X, X[:1]]), "du2019.thm3.1.duplicate",
                                    expect="violation")
    assert dup.certified == "proved"                          # λ0 <= resolution, rigorously
    c = du.lambda0_relation(X, ">", 10.0)                     # a false claim is disproved
    assert c.verdict == "disproved"
    big = du.check_lambda0_positive(fresh(), data.sphere(du.CERTIFY_MAX_N + 1, 3, seed=1))
    assert big.certified is None and "Not certified" in big.note


def test_lemma31_seeds_certified(ledger, fresh, X, lam0):
    """du2019.lemma3.1.seeds: holds and is certified at m_3.1; fails at a tiny width; a tie in
    W(0) (a neuron w_r = 0) leaves the certificate undecided, never proved."""
    n, delta = X.shape[0], 0.1
    m = du.m_lemma31(n, lam0, delta)
    rec = du.check_lemma31_seeds(ledger, X, m, range(2), delta)
    assert rec.status == "holds" and rec.certified == "proved" and rec.hypothesis_met is True
    with pytest.raises(ClaimViolation):                       # width 4: lambda_min(H(0)) tiny
        du.check_lemma31_seeds(fresh(), X, 4, range(3), delta)
    W = models.TwoLayerReLU.init(m, X.shape[1], 0, dev="cpu")["W"].clone()
    W[0] = 0.0
    tie = du.check_lemma31_seeds(fresh(), X, m, [0], delta, W_override={0: W})
    assert tie.status == "holds" and tie.certified == "undecided"


def test_lemma32_certificate_seeds(ledger, fresh, X, lam0):
    """du2019.lemma3.2.certificate(.lambda_min).seeds: proved at the lemma's radius; a radius
    far above it fails; an exact tie |w_r(0)ᵀx_i| = R leaves the certificates undecided."""
    n, delta = X.shape[0], 0.1
    R = du.R_lemma32(n, lam0, delta)
    m = du.m_lemma31(n, lam0, delta)
    runs = du.certificate_runs(X, m, range(2), R)
    recs = du.check_certificate_seeds(ledger, X, runs, range(2), delta, n)
    assert [r.certified for r in recs] == ["proved", "proved"]
    assert [r.status for r in recs] == ["holds", "holds"]
    big = du.certificate_runs(X, 400, range(3), 0.2)
    with pytest.raises(ClaimViolation):                       # R far above c delta lambda0 / n^2
        du.check_certificate_seeds(fresh(), X, big, range(3), delta, n)
    E = torch.eye(n, X.shape[1], dtype=torch.float64)         # exact inputs: x_i = e_i
    lam0_e = kernels.lambda0(E)
    Re = du.R_lemma32(n, lam0_e, delta)
    We = models.TwoLayerReLU.init(m, X.shape[1], 1, dev="cpu")["W"].clone()
    We[0, 0] = Re                                             # w_1ᵀx_1 = R exactly: a tie
    c1, c2 = du.lemma32_certificate(E, We, Re, lam0_e / 2, lam0_e * 2)
    assert c1.verdict == "undecided" and c2.verdict == "undecided"
    M = du.certificate_matrix(E, We, Re)
    tie_runs = du.CertificateRuns(R=Re, m=m, lam0=lam0_e,
                                  norm_M=np.array([kernels.spectral_norm(M)]),
                                  lam_min0=np.array([kernels.lambda_min(kernels.gram(E, We))]),
                                  R_cert=np.array([np.nan]))
    recs = du.check_certificate_seeds(fresh(), E, tie_runs, [1], delta, n, W_override={1: We})
    assert [r.certified for r in recs] == ["undecided", "undecided"]
    assert all(r.status == "holds" for r in recs)             # the float verdict stands


# ------------------------------------------------------------------ page 04
def test_lemma33(ledger, fresh, flow):
    recs = du.check_lemma33(ledger, flow)
    assert all(r.hypothesis_met is True and r.status == "holds" for r in recs)
    with pytest.raises(ClaimViolation):                      # rate made 10x faster than claimed
        du.check_lemma33(fresh(), flow, rate_factor=10.0)
    with pytest.raises(ClaimViolation):                      # R' made 100x smaller
        du.check_lemma33(fresh(), flow, radius_factor=0.01)


def test_lemma34(ledger, fresh, X, y, flow):
    lam, hyp = du.check_lemma34(ledger, flow, 0.1)
    assert lam.status == "holds beyond hypothesis" and hyp.status == "expected violation"
    with pytest.raises(ClaimViolation):                      # R' < R as an assumption of the run: it fails
        du.check_lemma34(fresh(), flow, 0.1, expect_hypothesis="hold")
    with pytest.raises(ExpectedViolationHeld):               # with a huge c, R' < R does hold
        du.check_lemma34(fresh(), flow, 0.1, c=1e9)
    tiny = du.flow_run(X, y, 4, seed=0, t_max=1.0, dt=0.2, every=1)
    with pytest.raises(ClaimViolation):                      # width 4: lambda_min(H) < lambda0/2
        du.check_lemma34(fresh(), tiny, 0.1)
    _, hyp = du.check_lemma34(fresh(), flow, 0.1, certify_with=(X, y, 0))
    assert hyp.certified == "proved" and hyp.certificate["lower"] > 0   # R' - R >= lower > 0
    p0 = models.TwoLayerReLU.init(flow.m, X.shape[1], 0, dev="cpu")
    c0 = du.lambda0_bounds(X)
    huge = du.radius_gap_certificate(X, y, p0["W"], p0["a"], c0.lower, c0.upper, 0.1, 1e9)
    assert huge.verdict == "undecided"                       # R' >= R not provable when false


def test_thm32(ledger, fresh, X, y):
    runs = [du.flow_run(X, y, 500, seed=s, t_max=6.0, dt=0.3, every=2) for s in range(5)]
    rec = du.check_thm32(ledger, runs, 0.1)
    assert rec.status == "not refuted (low power)" and rec.hypothesis_met is False
    with pytest.raises(ClaimViolation):
        du.check_thm32(fresh(), runs, 0.1, rate_factor=10.0)


def test_rate(ledger, fresh, flow):
    assert du.check_flow_rate(ledger, flow).status == "holds beyond hypothesis"
    with pytest.raises(ClaimViolation):                      # a rate 5x faster than lambda0 is not reached
        du.check_flow_rate(fresh(), flow, factor=5.0)


def test_joint_training(ledger, fresh, flow, joint, X, y):
    rec = du.check_thm33(ledger, [joint], 0.1)               # one flow: low power
    assert rec.kind == "conclusion" and rec.status == "not refuted (low power)"
    with pytest.raises(ClaimViolation):                      # a rate 10x faster, on 5 flows
        du.check_thm33(fresh(), [joint] * 5, 0.1, rate_factor=10.0)
    with pytest.raises(AssumptionError, match="joint training"):
        du.check_thm33(fresh(), [flow], 0.1)
    assert [r.kind for r in du.check_joint(ledger, joint)] == ["identity"] * 3
    with pytest.raises(AssumptionError, match="joint training"):
        du.check_joint(fresh(), flow)                        # a fixed: there is no G
    with pytest.raises(ClaimViolation):                      # an indefinite "G"
        du.check_joint(fresh(), dataclasses.replace(joint, lam_min_G=joint.lam_min_G - 1.0))
    with pytest.raises(ClaimViolation):                      # a quadratic form that shrinks
        du.check_joint(fresh(), dataclasses.replace(joint, quad_HG=0.5 * joint.quad_H))
    du.check_joint_drift(ledger, joint)
    with pytest.raises(ClaimViolation):
        du.check_joint_drift(fresh(), joint, factor=0.01)
    gd = du.flow_run(X, y, 1000, seed=0, t_max=8.0, dt=0.5, every=2, train_a=True, method="euler")
    with pytest.raises(ClaimViolation):                      # GD with a finite step does not conserve it
        du.check_balance(fresh(), gd)
    assert du.check_balance(ledger, gd, expect="violation").status == "expected violation"

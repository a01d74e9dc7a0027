"""Unit tests and negative controls of the atlas (issue 14). Every falsifiable atlas claim names
one of the controls below, in which the same check function reports a violation: a duplicated
row (the kernels lose positive definiteness), d < N² (outside Nguyen §3.2), a width far too
narrow (held-out failures, and a required width that is not sufficient). The measured-width
search refuses to call a width sufficient from the seeds it was selected on (SeedReuseError)."""
import dataclasses

import numpy as np
import pytest
import torch

from ntkbook.atlas import claims, datasets, measured, theories
from ntkbook.errors import AssumptionError, ClaimViolation, SeedReuseError
from ntkbook.ledger import Ledger


@pytest.fixture
def ledger(tmp_path):
    return Ledger("atlas", "test", directory=tmp_path)


@pytest.fixture
def fresh(tmp_path):
    counter = iter(range(1000))
    return lambda: Ledger("atlas", f"test{next(counter)}", directory=tmp_path)


# ----------------------------------------------------------------------------- data
@pytest.mark.parametrize("name", datasets.NAMES)
def test_subsample_is_unit_norm_signed_and_seeded(name):
    a, b = datasets.subsample(name, 12, seed=3), datasets.subsample(name, 12, seed=3)
    assert a.X.dtype == torch.float64 and a.X.shape == (12, datasets.DIM[name])
    np.testing.assert_allclose(a.X.norm(dim=1).numpy(), 1.0, rtol=1e-12)
    assert set(a.y.tolist()) <= {-1.0, 1.0}
    assert np.array_equal(a.rows, b.rows) and torch.equal(a.X, b.X) and a.seed == 3
    assert not np.array_equal(a.rows, datasets.subsample(name, 12, seed=4).rows)


def test_real_data_sizes_and_one_hot():
    X, y = datasets.load("digits")
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert datasets.load("cancer")[0].shape == (569, 30)
    ds = datasets.subsample("digits", 20, seed=0)
    Y = datasets.one_hot(ds.classes, 10)
    assert Y.shape == (20, 10) and torch.equal(Y.sum(1), torch.ones(20, dtype=torch.float64))
    with pytest.raises(ValueError):
        datasets.subsample("digits", 5000, seed=0)
    with pytest.raises(ValueError):
        datasets.subsample("mnist", 5, seed=0)


def _duplicated(ds):
    X = torch.cat([ds.X, ds.X[:1]])
    y = torch.cat([ds.y, ds.y[:1]])
    return datasets.Dataset(ds.name, X, y, np.r_[ds.classes, ds.classes[:1]],
                            np.r_[ds.rows, ds.rows[:1]], ds.seed)


def test_data_assumptions_fail_on_a_duplicated_row(ledger, fresh):
    ds = datasets.subsample("cancer", 9, seed=0)
    lam = claims.check_data(ledger, ds, "cancer,n=9")
    assert min(lam["lambda0"], lam["lambda_star"], lam["lambda"]) > 0 and lam["certificate"] is None
    assert all(r.status == "holds" and r.kind == "assumption" for r in ledger.records)
    bad = _duplicated(ds)
    with pytest.raises(AssumptionError, match="parallel"):     # the named error comes first
        claims.check_data(fresh(), bad, "dup")
    # the ledger checks themselves fail on the duplicated row (validate bypassed)
    import ntkbook.atlas.claims as C
    original = C.data.validate
    try:
        C.data.validate = lambda *a, **k: None
        with pytest.raises(ClaimViolation):
            claims.check_data(fresh(), bad, "dup")
    finally:
        C.data.validate = original


def test_lambda0_certificate_proves_real_data_and_not_a_duplicated_row(ledger, fresh):
    """The λ0 record carries a rigorous certificate (ball arithmetic, Rump's verified Cholesky):
    proved on a subsample; on a duplicated row λ0 = 0 exactly and the certificate cannot prove
    λ0 ≥ τ > 0 — it is disproved or undecided — and check_data(certify=True) raises."""
    from ntkbook import kernels
    from ntkbook.certify import lambda0_certificate

    ds = datasets.subsample("digits", 19, seed=0)
    out = claims.check_data(ledger, ds, "digits,n=19", certify=True)
    cert = out["certificate"]
    rec = next(r for r in ledger.records if r.base_id == "atlas.data.lambda0")
    assert cert.proved and rec.certified == "proved" and rec.status == "holds"
    assert cert.lower <= out["lambda0"] + 1e-12 and out["lambda0"] - 1e-12 <= cert.upper
    assert 0 < cert.upper - cert.lower < 1e-9
    bad = _duplicated(ds)
    tol = kernels.eig_tolerance(kernels.h_infinity(bad.X))
    assert not lambda0_certificate(bad.X, tol).proved
    assert not lambda0_certificate(bad.X).proved            # λ0 > 0 is not provable either
    import ntkbook.atlas.claims as C
    original = C.data.validate
    try:
        C.data.validate = lambda *a, **k: None
        with pytest.raises(ClaimViolation):
            claims.check_data(fresh(), bad, "dup", certify=True)
    finally:
        C.data.validate = original


def test_nguyen_dimension_refuses_d_below_N_squared(ledger):
    rec = claims.check_nguyen_dimension(ledger, datasets.subsample("digits", 7, seed=0), "n=7")
    assert rec.status == "holds"
    # d = N² exactly (16 = 4²): integers are compared exactly, and the equality holds
    rec = claims.check_nguyen_dimension(ledger, datasets.subsample("sphere", 4, seed=0), "n=4")
    assert rec.status == "holds" and rec.exact and rec.unresolved == 0
    with pytest.raises(AssumptionError, match="N\\^2"):
        claims.check_nguyen_dimension(ledger, datasets.subsample("digits", 9, seed=0), "n=9")


# ----------------------------------------------------------------------------- theories
def test_required_widths_follow_the_chapters():
    ds = datasets.subsample("sphere", 6, seed=0)
    req = theories.required_widths(ds.X, ds.y)
    assert req["nguyen_corrected"] == 32 * 6 * 16
    assert req["du"] > 1e8 > req["nguyen_printed"] > 0 and req["unbalanced"] >= 6
    assert theories.unbalanced_hypothesis(ds.X, int(req["unbalanced"]))
    assert not theories.unbalanced_hypothesis(ds.X, int(req["unbalanced"]) - 2)
    assert not theories.du_hypothesis(ds.X, 64, 0.1, ds.y)


def test_losses_start_at_the_initial_loss_and_decrease():
    ds = datasets.subsample("sphere", 5, seed=1)
    for th in theories.MEASURED:
        eta, T, lo, hi = theories.step_and_budget(th, ds.X, 1e-3)
        assert 0 < lo <= hi and eta == pytest.approx(1 / hi) and T >= 1
        L = theories.losses(th, ds.X, ds.y, 256, [0, 1], eta, T, 1e-3)
        assert L.shape == (2, T + 1) and np.all(L[:, -1] < L[:, 0])
        assert theories.reached(L, 1e-3).all()


# ----------------------------------------------------------------------------- measured widths
SMALL = dict(widths=(2, 8, 64), eps=1e-2)


def test_measured_width_refuses_the_selection_seeds():
    """The measured m* search refuses to call a width sufficient from the seeds it was selected
    on: an overlap of selection and test seeds raises SeedReuseError."""
    with pytest.raises(SeedReuseError):
        measured.measure(("du", "sphere", 5), 0, select_seeds=(0, 1, 2), test_seeds=(2, 3, 4),
                         **SMALL)
    m = measured.measure(("du", "sphere", 5), 0, select_seeds=(0, 1, 2), test_seeds=(3, 4),
                         **SMALL)
    assert m.m_star in SMALL["widths"] and m.test_seeds == (3, 4)


def test_heldout_reports_failures_at_a_too_narrow_width(ledger, fresh):
    kw = dict(select_seeds=tuple(range(5)), test_seeds=tuple(range(5, 35)), eps=1e-3)
    m = measured.measure(("unbalanced", "sphere", 6), 0, widths=(64,), **kw)
    assert m.m_star == 64 and claims.check_heldout(ledger, m).status == "reproduced"
    # the same check at a width far too narrow: GD misses the target on the held-out seeds
    ds = datasets.subsample("sphere", 6, 0)
    ok = measured.outcomes("unbalanced", ds.X, ds.y, m.eta, m.steps, 1e-3, 2, m.test_seeds)
    narrow = dataclasses.replace(m, m_star=2, failures=30 - sum(ok))
    assert narrow.failures >= 20
    assert claims.check_heldout(fresh(), narrow).status == "not reproduced"


def test_required_width_check_fails_when_too_narrow(ledger, fresh):
    kw = dict(select_seeds=(0, 1), test_seeds=tuple(range(2, 32)), widths=(2, 64), eps=1e-3,
              run_required=4096)
    m = measured.measure(("unbalanced", "sphere", 19), 0, **kw)
    ds = datasets.subsample("sphere", 19, 0)
    m_req, _ = m.at_required["unbalanced"]
    rec = claims.check_required(ledger, m, "unbalanced", theories.unbalanced_hypothesis(ds.X, m_req))
    assert rec.kind == "reproduction" and rec.hypothesis_met is True
    assert rec.status in ("reproduced", "not refuted (low power)")
    # the same check at width 2: GD fails on most held-out seeds
    ok = measured.outcomes("unbalanced", ds.X, ds.y, m.eta, m.steps, 1e-3, 2, m.test_seeds)
    narrow = dataclasses.replace(m, at_required={"unbalanced": (2, 30 - sum(ok))})
    rec = claims.check_required(fresh(), narrow, "unbalanced", theories.unbalanced_hypothesis(ds.X, 2))
    assert rec.status == "not reproduced" and rec.hypothesis_met is False
    # an explicit-constant width (Du et al.) is a conclusion: there a failure is a violation
    du = dataclasses.replace(m, theory="du", at_required={"du": (2, 30 - sum(ok))})
    with pytest.raises(ClaimViolation):
        claims.check_required(fresh(), du, "du", theories.du_hypothesis(ds.X, 2, m.eta, ds.y))


def test_exponent_interval_and_reproduction(ledger):
    n = np.array([4, 8, 16, 32])
    s, lo, hi = claims.fitted_exponent(n, 3 * n ** 1.0 * np.array([1.1, 0.9, 1.05, 0.95]))
    assert lo < 1.0 < hi and s == pytest.approx(1.0, abs=0.1)
    rec, _ = claims.check_exponent(ledger, "unbalanced", "sphere", n,
                                   3 * n * np.array([1.1, 0.9, 1.05, 0.95]), 5.0 * n)
    assert rec.status == "reproduced"
    rec, _ = claims.check_exponent(ledger, "du", "sphere", n, 16 + 0 * n, n ** 6.0)
    assert rec.status == "not reproduced"
    with pytest.raises(AssumptionError):
        claims.fitted_exponent([4, 8], [1, 2])


def test_grid_runs_through_the_sweep_runner():
    res = measured.measure_grid([("du", "sphere", 4), ("nguyen", "sphere", 4)], 0, n_jobs=1,
                                select_seeds=(0, 1), test_seeds=(2, 3), **SMALL)
    assert list(res) == [(("du", "sphere", 4), 0), (("nguyen", "sphere", 4), 0)]
    assert all(r.m_star is not None for r in res.values())

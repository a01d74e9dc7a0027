"""Negative controls of the foundations page: the same check functions report a violation when a
hypothesis is broken or a constant tightened."""
import numpy as np
import pytest
import torch

from ntkbook import data, foundations, kernels, models
from ntkbook.errors import ClaimViolation, ExpectedViolationHeld


@pytest.fixture
def X():
    return data.sphere(8, 5, seed=0)


def test_thm31_fails_for_parallel_inputs(ledger, X):
    foundations.check_lambda0_positive(ledger, X)                       # holds
    X_par = torch.cat([X, -X[:1] * 1.0, X[1:2]])                        # a duplicate row
    with pytest.raises(ClaimViolation):
        foundations.check_lambda0_positive(ledger.__class__("foundations", "t2",
                                           directory=ledger.path.parent.parent), X_par)
    rec = foundations.check_lambda0_positive(ledger, X_par, duplicate=True)
    assert rec.status == "expected violation" and rec.hypothesis_met is False
    with pytest.raises(ExpectedViolationHeld):
        foundations.check_lambda0_positive(ledger.__class__("foundations", "t3",
                                           directory=ledger.path.parent.parent), X, duplicate=True,
                                           certify=False)
    with pytest.raises(ClaimViolation, match="certificate disproves"):
        foundations.check_lambda0_positive(ledger.__class__("foundations", "t6",
                                           directory=ledger.path.parent.parent), X, duplicate=True)


def test_lambda0_certified(ledger, X):
    """foundations.thm3.1 carries a proved certificate whose enclosure contains the float λ0;
    the duplicate's certificate proves λ0 <= the eigensolver's resolution."""
    rec = foundations.check_lambda0_positive(ledger, X)
    assert rec.certified == "proved"
    lam0 = kernels.lambda0(X)
    assert rec.certificate["lower"] <= lam0 * (1 + 1e-13)
    assert rec.certificate["upper"] >= lam0 * (1 - 1e-13)
    dup = foundations.check_lambda0_positive(ledger, torch.cat([X, X[:1]]), duplicate=True)
    assert dup.status == "expected violation" and dup.certified == "proved"
    c = foundations.lambda0_certificate(X, ">", 1.0)          # λ0 > 1 is false
    assert c.verdict == "disproved"


def _deviations(X, m, seeds):
    net = models.TwoLayerReLU(train_a=False)
    return foundations.gram_deviations(X, kernels.h_infinity(X), m, seeds,
                                       lambda m, s: net.init(m, 5, seed=s)["W"].cpu())


def test_concentration_fails_with_a_tightened_constant(ledger, X):
    dev = _deviations(X, 400, range(30))
    assert foundations.check_concentration(ledger, dev, 8, 400, 0.1, seeds=range(30)).status == "holds"
    led2 = ledger.__class__("foundations", "t4", directory=ledger.path.parent.parent)
    with pytest.raises(ClaimViolation):
        foundations.check_concentration(led2, dev, 8, 400, 0.1, seeds=range(30), factor=0.02)


def test_slope_fails_for_a_wrong_exponent(ledger, X):
    widths = [100, 400, 1600]
    dev = {m: _deviations(X, m, range(10)) for m in widths}
    assert foundations.check_concentration_slope(ledger, widths, dev).status == "holds"
    led2 = ledger.__class__("foundations", "t5", directory=ledger.path.parent.parent)
    with pytest.raises(ClaimViolation):
        foundations.check_concentration_slope(led2, widths, dev, target=-1.0)
    assert np.isfinite(led2.records[-1].lhs)

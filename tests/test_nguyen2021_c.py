"""Nguyen 2021 chapter, page 03: runs that train inside the hypotheses of Theorem 2.2 and the
ceiling on the certified rate (``ntkbook.nguyen2021.trained``) — unit tests and the negative
controls of ``nguyen2021.thm2.2.trained.*`` and ``nguyen2021.thm2.2.ceiling``."""
import numpy as np
import pytest
import sympy as sp
import torch

from ntkbook import data, models
from ntkbook import nguyen2021 as ng
from ntkbook.errors import AssumptionError, ClaimViolation

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def point():
    X, Y = ng.orthonormal_data(3, seed=5), data.labels(3, seed=2, outputs=1)
    net = models.DeepReLU([3, 3, 1])
    base = ng.aligned_init(net, X, seed=0)
    p, beta, C, t = ng.smallest_beta_init(net, base, X, Y, 2.0 ** np.arange(0, 14, 0.25),
                                          10.0 ** np.arange(-2, 5, 0.125))
    return X, Y, net, p, C, t


@pytest.fixture(scope="module")
def trained(point):
    X, Y, net, p, C, t = point
    return ng.proof_trace(net, p, X, Y, C, 0.99 * t.eta_bound, 2000)


def test_aligned_init_and_its_input_errors():
    X = ng.orthonormal_data(3, seed=1)
    assert torch.allclose(X @ X.T, torch.eye(3, dtype=X.dtype), atol=1e-14)
    net = models.DeepReLU([3, 3, 3, 1])
    p = ng.aligned_init(net, X, seed=0)
    F = net.features(p, X)
    assert torch.allclose(F[2], torch.eye(3, dtype=X.dtype), atol=1e-12)
    with pytest.raises(AssumptionError):
        ng.aligned_init(net, data.sphere(3, 3, seed=0), seed=0)          # not orthonormal
    with pytest.raises(AssumptionError):
        ng.aligned_init(models.DeepReLU([3, 5, 1]), X, seed=0)          # widths != N


def test_trained_run_and_its_controls(ledger, point, trained):
    X, Y, net, p, C, t = point
    assert trained.hypothesis_met
    rec = ng.check_trained(ledger, "nguyen2021.thm2.2.trained.L2", trained, case="ok")
    assert rec.status == "holds" and rec.hypothesis_met
    assert ng.check_motion(ledger, trained, case="ok").status == "holds"
    # the same check on the same run stopped after 100 steps: not trained
    short = ng.proof_trace(net, p, X, Y, C, 0.99 * t.eta_bound, 100)
    with pytest.raises(ClaimViolation):
        ng.check_trained(ledger, "nguyen2021.thm2.2.trained.L2", short, case="short")
    # a large beta freezes the hidden layer: motion below 100x its resolution
    big = ng.scaled_point(ng.aligned_init(net, X, seed=0), 2.0 ** 16, net.L)
    tb = ng.theorem22(net, big, X, Y, C)
    frozen = ng.proof_trace(net, big, X, Y, C, 0.99 * tb.eta_bound, 100)
    assert ng.hidden_motion(frozen)[0] < ng.MOTION
    with pytest.raises(ClaimViolation):
        ng.check_motion(ledger, frozen, case="frozen")


def test_ceiling_holds_and_lowered_ceiling_fails(ledger, point, trained):
    X, Y, net, p, C, t = point
    eta = 0.99 * t.eta_bound
    rec = ng.check_ceiling(ledger, t, eta, case="ok")
    assert rec.status == "holds" and rec.hypothesis_met
    assert ng.check_ceiling_parts(ledger, t, case="ok").status == "holds"
    r = eta * t.alpha0 ** 2 / 8 * 128 * t.N ** 2          # certified / ceiling, < 1
    with pytest.raises(ClaimViolation):                  # a ceiling lowered below the rate
        ng.check_ceiling(ledger, t, eta, case="lowered", factor=0.5 * r)
    # (9*) broken on purpose: C_L = lambda_bar_1 maximizes q2 alpha0^2/(8 q1^2); the ceiling fails
    tb = ng.with_C(t, [t.C[0], t.lam_bar[0]])
    assert ng.condition_ratios(tb)["9*"] < 1
    with pytest.raises(ClaimViolation):
        ng.check_ceiling(ledger, tb, 0.99 * tb.eta_bound, case="broken 9*")


def test_ceiling_sympy():
    c = ng.ceiling_sympy()
    eta, a2, q1, q2, N = c["symbols"]
    assert sp.simplify(c["ceiling"] - 1 / (128 * N ** 2)) == 0
    assert sp.simplify(c["eq9*"] - a2 ** 2 / (128 * q1 ** 2)) == 0
    assert all(sp.ask(sp.Q.positive(c[k])) for k in ("d_eta", "d_q2", "d_a2"))


def test_erratum1_sharper_confirmed_at_counterexample_not_where_9star_holds(ledger, point, trained):
    from ntkbook.errors import ExpectedViolationHeld
    X = data.sphere(4, 4, seed=1)
    net = models.DeepReLU([4, 16, 1])
    p, Ycx, beta, t = ng.printed9_counterexample(net, seed=0, X=X)
    tr = ng.proof_trace(net, p, X, Ycx, t.C, 0.99 * t.eta_bound, 3)
    assert ng.check_erratum_literal_chain(ledger, tr, case="cx").status == "erratum confirmed"
    assert ng.check_erratum_factor(ledger, tr, case="cx").status == "erratum confirmed"
    assert ng.eq8_implies_eq9_scope(t) > 1          # a counterexample needs a small initial loss
    a, lamL, S, e0 = sp.symbols("alpha0 lambdabar_L S e0", positive=True)
    assert sp.simplify(ng.eq8_implies_eq9_sympy() - a * lamL / (2 * e0)) == 0
    with pytest.raises(ExpectedViolationHeld):      # where (9*) holds there is no erratum
        ng.check_erratum_literal_chain(ledger, trained, case="trained")

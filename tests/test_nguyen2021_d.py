"""Negative controls for the Corollary 3.2 width fit of book/nguyen2021/07_deep_nets.md
(Nguyen 2021, §3.3, catalog N-18): the same check functions, once where they hold and once with a
wrong target exponent or a broken initialization, which must raise ClaimViolation."""
import math

import numpy as np
import pytest
import torch

from ntkbook import data
from ntkbook import nguyen2021 as ng
from ntkbook.config import DTYPE
from ntkbook.errors import AssumptionError, ClaimViolation, NonFiniteError
from ntkbook.models import DeepReLU
from ntkbook.nguyen2021 import deep


def _synthetic(k=6.0, seeds=5):
    rng = np.random.default_rng(0)
    Ns = np.repeat([2.0, 3.0, 4.0, 6.0, 8.0], seeds)
    return Ns, 7.0 * Ns ** k * np.exp(0.3 * rng.standard_normal(Ns.size))


def test_width_exponent_fit_recovers_slope():
    Ns, w = _synthetic()
    f = deep.width_exponent_fit(Ns, w)
    assert f["lo"] < 6.0 < f["hi"] and f["half"] > 0 and f["n"] == Ns.size


def test_width_exponent_can_fail(ledger):
    Ns, w = _synthetic()
    rec = deep.check_width_exponent(ledger, Ns, w, 6.0, hypothesis_met=True, statement="s")
    assert rec.kind == "scaling" and rec.status == "holds"
    with pytest.raises(ClaimViolation):            # a target exponent far from the fit
        deep.check_width_exponent(ledger, Ns, w, 3.0, hypothesis_met=True, statement="s",
                                  case="wrong target")


def test_width_exponent_bad_input():
    with pytest.raises(AssumptionError):           # fewer than three distinct N
        deep.width_exponent_fit([2, 2, 3, 3], [1.0, 2.0, 3.0, 4.0])
    with pytest.raises(NonFiniteError):            # an infinite extrapolated width
        deep.width_exponent_fit([2, 3, 4], [1.0, math.inf, 3.0])


def test_output_norm_can_fail(ledger):
    N, n0, n = 3, 12, 3000
    X, Y = ng.sphere_data(N, n0, seed=0), data.labels(N, seed=1, outputs=1)
    pt = deep.minimal_width_point(X, Y, n0, [1000, n], seed=0)
    assert deep.check_output_norm(ledger, pt["out_ratio"], hypothesis_met=False,
                                  case="(25)-(26)").status == "holds beyond hypothesis"
    # broken (26): W_L ~ N(0, 1) instead of N(0, n^(-4/3)) makes F_L ~ sqrt(N n) >> |X|_F
    model = DeepReLU([n0, n0, n, 1])
    p = model.init(0, stds=[1 / math.sqrt(n0), 1 / math.sqrt(n0), 1.0])
    with torch.no_grad():
        r = float(model.forward(p, X.to(DTYPE)).norm() / X.norm())
    with pytest.raises(ClaimViolation):
        deep.check_output_norm(ledger, [r], hypothesis_met=False, case="unit W_L")


def test_minimal_width_point_rejects_dead_features():
    # m = 1: a sample whose single first-layer feature is 0 makes alpha0 = 0 (outside Thm 2.2)
    X = torch.tensor([[1.0, 0.0], [-1.0, 0.0]], dtype=DTYPE)
    Y = data.labels(2, seed=0, outputs=1)
    with pytest.raises(AssumptionError):
        deep.minimal_width_point(X, Y, 1, [100, 300], seed=0)


def test_eq28_ratio_and_fixed_n0(ledger):
    """(28) read along widths growing together holds; with n0 held fixed while m grows past it
    (the minimum stops growing, log m does not) the same check fails: its negative control."""
    assert ng.eq28_ratio([256, 32]) == 1 / 32                      # L = 3: empty product
    assert np.isclose(ng.eq28_ratio([8, 64, 64]), np.log(64) / 8)
    rec = ng.check_eq28(ledger, [[m] * 3 for m in (32, 256, 1024)], case="together")
    assert rec.status == "holds" and rec.kind == "assumption"
    with pytest.raises(ClaimViolation):
        ng.check_eq28(ledger, [[16, m, m] for m in (32, 256, 1024)], case="fixed n0")

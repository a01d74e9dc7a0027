"""Negative controls for Corollary 3.2 end to end in book/nguyen2021/07_deep_nets.md (Nguyen 2021,
§3.3, catalog N-16): GD from the initialization (25)–(26) and its success frequency over seeds,
checked by the same function once where it holds and once with a budget far too small, which must
raise ClaimViolation."""
import numpy as np
import pytest

from ntkbook import data
from ntkbook import nguyen2021 as ng
from ntkbook.errors import ClaimViolation
from ntkbook.nguyen2021 import deep

SEEDS = range(29)


def _instance():
    return ng.sphere_data(3, 3, seed=1), data.labels(3, seed=2, outputs=1)


def test_corollary32_gd_matches_theorem22_point():
    X, Y = _instance()
    r = deep.corollary32_gd(X, Y, 16, 200, range(2), steps=3, every=1)
    _, _, t = ng.corollary32_point(X, Y, [3, 16, 200, 1], seed=1)
    assert r["phi"].shape == (2, 4) and list(r["k"]) == [0, 1, 2, 3]
    assert np.isclose(np.sqrt(2 * r["phi"][1, 0]), t.sqrt_2phi0, rtol=1e-12)
    assert r["eta10"][1] == t.eta_bound and np.all(r["eta"] > 0)


def test_gd_success_can_fail(ledger):
    X, Y = _instance()
    ok = deep.corollary32_gd(X, Y, 16, 200, SEEDS, steps=200, every=50)
    rec = deep.check_gd_success(ledger, ok["ratio"], 1e-6, 0.1, hypothesis_met=False,
                                case="K=200")
    assert rec.failures == 0 and rec.status == "holds beyond hypothesis"
    short = deep.corollary32_gd(X, Y, 16, 200, SEEDS, steps=2, every=1)
    with pytest.raises(ClaimViolation):            # a budget of 2 steps: every seed fails
        deep.check_gd_success(ledger, short["ratio"], 1e-6, 0.1, hypothesis_met=False,
                              case="K=2")


def test_gd_success_counts_non_finite_as_failure(ledger):
    with pytest.raises(ClaimViolation):
        deep.check_gd_success(ledger, np.full(29, np.nan), 1e-6, 0.1, hypothesis_met=False)


def test_corollary32_gd_bad_input():
    X, Y = _instance()
    with pytest.raises(ValueError):
        deep.corollary32_gd(X, Y, 16, 200, SEEDS, steps=0)

"""The claims ledger itself: a check that should fail does fail; an expected violation that holds
is an error; probabilities are binomial tests; records carry what the book page needs."""
import json

import numpy as np
import pytest

from ntkbook import ledger as L
from ntkbook.errors import ClaimViolation, ExpectedViolationHeld

META = dict(statement="s", source="test", provenance="derived", hypothesis_met=True)


@pytest.fixture
def led(tmp_path):
    return L.Ledger("demo", "nb", directory=tmp_path)


def test_holding_claim_is_recorded(led):
    r = led.check("demo.ok", lhs=1.0, rel="<=", rhs=2.0, **META)
    assert r.status == "holds" and r.margin == pytest.approx(0.5) and r.ratio == pytest.approx(0.5)
    saved = json.loads(led.path.read_text())
    assert saved["records"][0]["id"] == "demo.ok"
    assert saved["package_hash"] == L.package_hash()


@pytest.mark.parametrize("lhs, rel, rhs", [(3, "<=", 2), (1, ">=", 2), (2, "<", 2), (2, ">", 2),
                                           (1.0, "==", 1.1)])
def test_violation_raises_and_is_recorded(led, lhs, rel, rhs):
    with pytest.raises(ClaimViolation, match="violated"):
        led.check("demo.bad", lhs=lhs, rel=rel, rhs=rhs, **META)
    saved = json.loads(led.path.read_text())
    assert saved["records"][-1]["status"] == "violated"


def test_arrays_keep_the_worst_case(led):
    r = led.check("demo.arr", lhs=np.array([1.0, 1.9, 0.5]), rel="<=", rhs=2.0, **META)
    assert r.count == 3 and r.worst_index == 1 and r.lhs == 1.9
    with pytest.raises(ClaimViolation):
        led.check("demo.arr2", lhs=np.array([1.0, 2.1, 0.5]), rel="<=", rhs=np.array([2, 2, 2]), **META)
    assert led.records[-1].worst_index == 1


def test_nan_never_holds(led):
    with pytest.raises(ClaimViolation, match="non-finite"):
        led.check("demo.nan", lhs=np.nan, rel="<=", rhs=1.0, **META)


def test_tolerance_is_relative_and_explicit(led):
    led.check("demo.eq", lhs=1.0 + 1e-14, rel="==", rhs=1.0, **META)
    with pytest.raises(ClaimViolation):
        led.check("demo.eq2", lhs=1.0 + 1e-6, rel="==", rhs=1.0, **META)
    led.check("demo.eq3", lhs=1.0 + 1e-6, rel="==", rhs=1.0, rtol=1e-5, **META)


def test_expected_violation(led):
    r = led.check("demo.counter", lhs=3, rel="<=", rhs=2, expect="violation",
                  **{**META, "hypothesis_met": False})
    assert r.status == "expected violation" and r.ok
    with pytest.raises(ExpectedViolationHeld):
        led.check("demo.counter2", lhs=1, rel="<=", rhs=2, expect="violation",
                  **{**META, "hypothesis_met": False})


def test_hypothesis_not_met_is_never_plain_holds(led):
    r = led.check("demo.beyond", lhs=1, rel="<=", rhs=2, **{**META, "hypothesis_met": False})
    assert r.status == "holds beyond hypothesis"
    assert "NOT met" in r.line()


def test_probability_claim_is_a_binomial_test(led):
    ok = led.check_probability("demo.p", failures=3, trials=100, delta=0.05, **META)
    assert ok.status == "holds" and ok.p_value > 0.05
    # 12 failures out of 100 at delta = 0.05: p ≈ 0.005, the claim is rejected
    with pytest.raises(ClaimViolation):
        led.check_probability("demo.p2", failures=12, trials=100, delta=0.05, **META)
    assert led.records[-1].p_value < 0.01
    with pytest.raises(ValueError):
        led.check_probability("demo.p3", failures=5, trials=3, delta=0.1, **META)


def test_ids_and_labels_are_validated(led):
    with pytest.raises(ValueError, match="must start with"):
        led.check("other.x", lhs=1, rel="<=", rhs=2, **META)
    with pytest.raises(ValueError, match="provenance"):
        led.check("demo.x", lhs=1, rel="<=", rhs=2, **{**META, "provenance": "vibes"})
    with pytest.raises(ValueError, match="rel"):
        led.check("demo.x", lhs=1, rel="~", rhs=2, **META)
    with pytest.raises(ValueError):
        L.Ledger("a.b", "nb")


def test_staleness_detects_other_package_or_code(led):
    led.check("demo.ok", lhs=1, rel="<=", rhs=2, **META)
    entry = json.loads(led.path.read_text())
    assert L.staleness(entry) is None
    assert "ntkbook package" in L.staleness({**entry, "package_hash": "0" * 16})
    assert "notebook code" in L.staleness({**entry, "code_hash": "f" * 16})


def test_code_hash_ignores_markdown(tmp_path):
    head = "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n  name: python3\n  display_name: Python 3\n  language: python\n---\n"
    a = tmp_path / "a.md"
    a.write_text(head + "# Title\n\n```{code-cell} ipython3\nx = 1\n```\n")
    b = tmp_path / "b.md"
    b.write_text(head + "# Other title, more prose\n\n```{code-cell} ipython3\nx = 1\n```\n")
    c = tmp_path / "c.md"
    c.write_text(head + "# Title\n\n```{code-cell} ipython3\nx = 2\n```\n")
    assert L.code_hash(a) == L.code_hash(b) != L.code_hash(c)


def test_summary_renders(led):
    led.check("demo.ok", lhs=1, rel="<=", rhs=2, **META)
    assert "demo.ok" in led.summary()._repr_html_()
    assert "demo.ok" in repr(led.summary())


def test_margin_ignores_trivial_zero_pairs_and_is_absolute_at_rhs_zero(tmp_path):
    led = L.Ledger("demo", "margins", directory=tmp_path)
    # a drift bound: 0 <= 0 at k = 0, then real slack; the margin must come from k >= 1
    rec = led.check("demo.drift", lhs=[0.0, 0.5, 0.9], rel="<=", rhs=[0.0, 1.0, 1.0], statement="s",
                    source="x", provenance="derived", hypothesis_met=True)
    assert rec.worst_index == 2 and rec.margin == pytest.approx(0.1) and rec.count == 3
    # rhs = 0: the margin is the absolute slack, not a division by 1e-300
    rec = led.check("demo.zero", lhs=-1e-3, rel="<=", rhs=0.0, statement="s", source="x",
                    provenance="derived", hypothesis_met=True)
    assert rec.margin == pytest.approx(1e-3)
    with pytest.raises(ClaimViolation):
        led.check("demo.zero_fail", lhs=1e-3, rel="<=", rhs=0.0, statement="s", source="x",
                  provenance="derived", hypothesis_met=True)
    # tolerances are recorded and shown for equalities
    rec = led.check("demo.eq", lhs=1.0, rel="==", rhs=1.0 + 1e-10, rtol=1e-9, statement="s", source="x",
                    provenance="derived", hypothesis_met=None)
    assert rec.rtol == 1e-9 and "rtol 1e-09" in rec.line()


def test_margin_within_tolerance_is_marked(tmp_path):
    led = L.Ledger("demo", "tol", directory=tmp_path)
    rec = led.check("demo.roundoff", lhs=8e-14, rel="<=", rhs=4e-14, atol=1e-9, statement="s", source="x",
                    provenance="derived", hypothesis_met=True)
    assert rec.status == "holds" and rec.margin < 0 and "(within tol.)" in rec.line()
    assert L.format_margin(0.5, "holds", "<=") == "+0.5"
    assert L.format_margin(-0.5, "expected violation", "<=") == "-0.5"

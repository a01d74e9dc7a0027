"""The claims ledger itself: kinds, statuses, the resolution band, probabilities with power, the
holes of issue 9 (numpy bools, duplicate ids, broadcasting, trivial counterexamples, worst failure),
negative controls that must exist, records that travel in notebook outputs."""
import json

import numpy as np
import pytest

from ntkbook import ledger as L
from ntkbook.errors import ClaimViolation, ExpectedViolationHeld

CONTROL = "tests/test_ledger.py::test_violation_raises_and_is_recorded"
META = dict(statement="s", source="test", provenance="derived", hypothesis_met=True,
            kind="conclusion", control=CONTROL)
IDENT = dict(statement="s", source="test", provenance="derived", hypothesis_met=None, kind="identity")


@pytest.fixture
def led(tmp_path):
    return L.Ledger("demo", "nb", directory=tmp_path)


def test_holding_claim_is_recorded(led):
    r = led.check("demo.ok", lhs=1.0, rel="<=", rhs=2.0, **META)
    assert r.status == "holds" and r.margin == pytest.approx(0.5) and r.ratio == pytest.approx(0.5)
    saved = json.loads(led.path.read_text())
    assert saved["records"][0]["id"] == "demo.ok" and saved["records"][0]["kind"] == "conclusion"
    assert saved["package_hash"] == L.package_hash()
    assert saved["environment"]["scale"] in ("small", "full") and "torch" in saved["environment"]
    assert r.function.endswith("test_holding_claim_is_recorded")


@pytest.mark.parametrize("lhs, rel, rhs", [(3, "<=", 2), (1, ">=", 2), (2, "<", 1), (1, ">", 2),
                                           (1.0, "==", 1.1)])
def test_violation_raises_and_is_recorded(led, lhs, rel, rhs):
    with pytest.raises(ClaimViolation, match="violated"):
        led.check("demo.bad", lhs=lhs, rel=rel, rhs=rhs, **META)
    saved = json.loads(led.path.read_text())
    assert saved["records"][-1]["status"] == "violated"


def test_kind_is_required_and_validated(led):
    with pytest.raises(TypeError):
        led.check("demo.x", lhs=1, rel="<=", rhs=2, statement="s", source="t", provenance="derived",
                  hypothesis_met=True)
    with pytest.raises(ValueError, match="kind must be one of"):
        led.check("demo.x", lhs=1, rel="<=", rhs=2, **{**META, "kind": "lemma"})
    r = led.check("demo.enum", lhs=1, rel="<=", rhs=2, **{**META, "kind": L.Kind.STEP})
    assert r.kind == "step"
    # identities and assumptions have no hypothesis of their own
    with pytest.raises(ValueError, match="no hypothesis"):
        led.check("demo.y", lhs=1, rel="==", rhs=1, **{**IDENT, "hypothesis_met": True})


def test_hypothesis_flag_is_a_python_bool_or_none(led):
    r = led.check("demo.npfalse", lhs=1, rel="<=", rhs=2, **{**META, "hypothesis_met": np.bool_(False)})
    assert r.status == "holds beyond hypothesis" and r.hypothesis_met is False
    r = led.check("demo.nptrue", lhs=1, rel="<=", rhs=2, **{**META, "hypothesis_met": np.bool_(True)})
    assert r.status == "holds" and r.hypothesis_met is True
    for bad in (1, 0, "yes", np.array([True])):
        with pytest.raises(TypeError, match="hypothesis_met"):
            led.check("demo.badflag", lhs=1, rel="<=", rhs=2, **{**META, "hypothesis_met": bad})


def test_duplicate_id_is_an_error_and_cases_distinguish(led):
    led.check("demo.dup", lhs=1, rel="<=", rhs=2, **META)
    with pytest.raises(ValueError, match="already recorded"):
        led.check("demo.dup", lhs=1, rel="<=", rhs=3, **META)
    a = led.check("demo.cfg", lhs=1, rel="<=", rhs=2, case="n=4", **META)
    b = led.check("demo.cfg", lhs=1, rel="<=", rhs=2, case="n=8", **META)
    assert (a.id, b.id, a.base_id) == ("demo.cfg[n=4]", "demo.cfg[n=8]", "demo.cfg")
    assert [r.id for r in led.records].count("demo.dup") == 1
    with pytest.raises(ValueError, match="case="):
        led.check("demo.cfg[n=16]", lhs=1, rel="<=", rhs=2, **META)


def test_shapes_must_agree_or_one_side_be_scalar(led):
    with pytest.raises(ValueError, match="shape"):
        led.check("demo.shape", lhs=np.ones((3, 1)), rel="<=", rhs=2 * np.ones(3), **META)
    r = led.check("demo.shape_ok", lhs=np.ones((3, 1)), rel="<=", rhs=np.full((3, 1), 2.0), **META)
    assert r.count == 3
    r = led.check("demo.scalar", lhs=np.ones(5), rel="<=", rhs=2.0, **META)
    assert r.count == 5


def test_the_worst_failure_is_reported(led):
    with pytest.raises(ClaimViolation):
        led.check("demo.worst", lhs=np.array([2.1, 1.0, 5.0, 2.5]), rel="<=", rhs=np.full(4, 2.0), **META)
    rec = led.records[-1]
    assert rec.worst_index == 2 and rec.lhs == 5.0 and rec.margin == pytest.approx(-1.5)


def test_arrays_keep_the_worst_holding_case(led):
    r = led.check("demo.arr", lhs=np.array([1.0, 1.9, 0.5]), rel="<=", rhs=2.0, **META)
    assert r.count == 3 and r.worst_index == 1 and r.lhs == 1.9


def test_nan_never_holds(led):
    with pytest.raises(ClaimViolation, match="non-finite"):
        led.check("demo.nan", lhs=np.nan, rel="<=", rhs=1.0, **META)


def test_below_the_resolution_is_unresolved_never_holds(led):
    # both sides at round-off: what 'within tol.' used to call holds
    r = led.check("demo.roundoff", lhs=8e-14, rel="<=", rhs=4e-14, atol=1e-9, **META)
    assert r.status == "unresolved" and r.holds is None and r.ok
    # a guaranteed decrease below the resolution of the run
    phi0 = 1.0
    r = led.check("demo.rate", lhs=np.full(5, phi0), rel="<=", rhs=phi0 * (1 - 1e-16) ** np.arange(1, 6),
                  rtol=1e-14, **META)
    assert r.status == "unresolved" and r.unresolved == 5
    # resolution= widens the band
    r = led.check("demo.res", lhs=1.0, rel="<=", rhs=1.0 + 1e-6, resolution=1e-5, **META)
    assert r.status == "unresolved" and r.resolution == 1e-5
    # resolved elements decide; unresolved ones are counted
    r = led.check("demo.mixed", lhs=np.array([1.0, 0.5]), rel="<=", rhs=np.array([1.0, 1.0]), **META)
    assert r.status == "holds" and r.unresolved == 1 and r.worst_index == 1
    # strict relations: the same band (documented), equality is unresolved, not a failure
    r = led.check("demo.strict", lhs=1.0, rel="<", rhs=1.0 + 1e-15, **META)
    assert r.status == "unresolved"
    with pytest.raises(ClaimViolation):
        led.check("demo.strict_fail", lhs=1.0 + 1e-6, rel="<", rhs=1.0, **META)
    # all-trivial 0 <= 0 says nothing
    r = led.check("demo.zeros", lhs=np.zeros(3), rel="<=", rhs=np.zeros(3), **META)
    assert r.status == "unresolved"


def test_identity_holds_within_its_tolerance(led):
    led.check("demo.eq", lhs=1.0 + 1e-14, rel="==", rhs=1.0, **IDENT)
    with pytest.raises(ClaimViolation):
        led.check("demo.eq2", lhs=1.0 + 1e-6, rel="==", rhs=1.0, **IDENT)
    r = led.check("demo.eq3", lhs=1.0 + 1e-6, rel="==", rhs=1.0, rtol=1e-5, **IDENT)
    assert r.rtol == 1e-5 and "rtol 1e-05" in r.line()


def test_counterexample_must_fail_beyond_the_band(led):
    C = {**META, "kind": "counterexample", "hypothesis_met": False, "control": None}
    r = led.check("demo.counter", lhs=3, rel="<=", rhs=2, **C)
    assert r.status == "expected violation" and r.ok and r.expect == "violation"
    with pytest.raises(ExpectedViolationHeld):
        led.check("demo.counter2", lhs=1, rel="<=", rhs=2, **C)
    # a trivial 0 < 0 pair is no counterexample
    with pytest.raises(ExpectedViolationHeld):
        led.check("demo.trivial", lhs=np.zeros(3), rel="<", rhs=np.zeros(3), **C)
    # nor a difference at round-off
    with pytest.raises(ExpectedViolationHeld):
        led.check("demo.roundoff_cx", lhs=1.0 + 1e-15, rel="<=", rhs=1.0, **C)
    # expect= must agree with kind
    with pytest.raises(ValueError, match="must fail"):
        led.check("demo.mixed_up", lhs=3, rel="<=", rhs=2, expect="violation", **META)


def test_erratum_and_reproduction_statuses(led):
    r = led.check("demo.erratum", lhs=3, rel="<=", rhs=2, statement="s", source="t",
                  provenance="paper", hypothesis_met=True, kind="erratum")
    assert r.status == "erratum confirmed" and r.ok
    R = dict(statement="s", source="t", provenance="reconstruction", hypothesis_met=None,
             kind="reproduction")
    assert led.check("demo.rep", lhs=1, rel="<=", rhs=2, **R).status == "reproduced"
    r = led.check("demo.notrep", lhs=3, rel="<=", rhs=2, **R)
    assert r.status == "not reproduced" and r.ok


def test_falsifiable_claims_name_an_existing_control(led):
    no_control = {**META, "control": None}
    with pytest.raises(ValueError, match="negative control"):
        led.check("demo.nc", lhs=1, rel="<=", rhs=2, **no_control)
    with pytest.raises(ValueError, match="no test"):
        led.check("demo.nc", lhs=1, rel="<=", rhs=2,
                  **{**META, "control": "tests/test_ledger.py::test_that_does_not_exist"})
    with pytest.raises(ValueError, match="no file"):
        led.check("demo.nc", lhs=1, rel="<=", rhs=2, **{**META, "control": "tests/nope.py::test_x"})
    with pytest.raises(ValueError, match="form"):
        led.check("demo.nc", lhs=1, rel="<=", rhs=2, **{**META, "control": "test_x"})
    led.check("demo.ident", lhs=1, rel="==", rhs=1, **IDENT)          # identities need none
    assert L.audit([{"id": "a", "kind": "step", "control": None, "trials": None,
                     "chapter": "c", "notebook": "n"}])


def test_probability_holds_only_when_the_upper_bound_reaches_delta(led):
    P = {**META}
    # 0 failures in 3 trials: the test cannot reject, but that is not evidence (issue 9)
    r = led.check_probability("demo.p", failures=0, trials=3, delta=0.1, case="3", **P)
    assert r.status == "not refuted (low power)" and r.upper > 0.1
    # with 8 seeds the old test passed failure rates up to 25%
    r = led.check_probability("demo.p", failures=2, trials=8, delta=0.1, case="8", **P)
    assert r.status == "not refuted (low power)"
    assert L.trials_for_bound(0.1) == 29
    r = led.check_probability("demo.p", failures=0, trials=29, delta=0.1, case="29", **P)
    assert r.status == "holds" and r.upper == pytest.approx(1 - 0.05 ** (1 / 29))
    assert "UB" in L.format_margin(r) and "within tol" not in r.line()
    with pytest.raises(ClaimViolation):
        led.check_probability("demo.p2", failures=12, trials=100, delta=0.05, **P)
    assert led.records[-1].p_value < 0.01
    with pytest.raises(ValueError):
        led.check_probability("demo.p3", failures=5, trials=3, delta=0.1, **P)
    with pytest.raises(TypeError):
        led.check_probability("demo.p4", failures=0.0, trials=3, delta=0.1, **P)
    with pytest.raises(ValueError, match="negative control"):
        led.check_probability("demo.p5", failures=0, trials=30, delta=0.1,
                              **{**P, "kind": "identity", "hypothesis_met": None, "control": None})


def test_clopper_pearson_matches_the_beta_quantile():
    import scipy.stats
    for f, n in [(0, 10), (3, 40), (10, 10)]:
        expected = 1.0 if f == n else scipy.stats.beta.ppf(0.95, f + 1, n - f)
        assert L.clopper_pearson_upper(f, n) == pytest.approx(expected)


def test_ids_and_labels_are_validated(led):
    with pytest.raises(ValueError, match="must be a string starting with"):
        led.check("other.x", lhs=1, rel="<=", rhs=2, **META)
    with pytest.raises(ValueError, match="provenance"):
        led.check("demo.x", lhs=1, rel="<=", rhs=2, **{**META, "provenance": "vibes"})
    with pytest.raises(ValueError, match="rel"):
        led.check("demo.x", lhs=1, rel="~", rhs=2, **META)
    with pytest.raises(ValueError):
        L.Ledger("a.b", "nb")


def test_staleness_detects_other_package_code_or_environment(led):
    led.check("demo.ok", lhs=1, rel="<=", rhs=2, **META)
    entry = json.loads(led.path.read_text())
    key = L.build_key()
    assert L.staleness(entry, key) is None
    assert "ntkbook package" in L.staleness({**entry, "package_hash": "0" * 16})
    assert "notebook code" in L.staleness({**entry, "code_hash": "f" * 16})
    assert "environment" in L.staleness({**entry, "build_key": "0" * 16}, key)
    assert L.build_key({**L.run_environment(), "scale": "full"}) != key


def test_code_hash_ignores_markdown(tmp_path):
    head = ("---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n"
            "  name: python3\n  display_name: Python 3\n  language: python\n---\n")
    a = tmp_path / "a.md"
    a.write_text(head + "# Title\n\n```{code-cell} ipython3\nx = 1\n```\n")
    b = tmp_path / "b.md"
    b.write_text(head + "# Other title, more prose\n\n```{code-cell} ipython3\nx = 1\n```\n")
    c = tmp_path / "c.md"
    c.write_text(head + "# Title\n\n```{code-cell} ipython3\nx = 2\n```\n")
    assert L.code_hash(a) == L.code_hash(b) != L.code_hash(c)


def test_summary_and_counts(led):
    led.check("demo.ok", lhs=1, rel="<=", rhs=2, **META)
    led.check("demo.id", lhs=1, rel="==", rhs=1, **IDENT)
    led.check("demo.beyond", lhs=1, rel="<=", rhs=2, **{**META, "hypothesis_met": False})
    assert "demo.ok" in led.summary()._repr_html_()
    assert "demo.ok" in repr(led.summary())
    counts = L.kind_status_counts(led.records)
    assert counts == {("conclusion", "holds"): 1, ("identity", "holds"): 1,
                      ("conclusion", "holds beyond hypothesis"): 1}
    head = L.headline(led.records)
    assert head.startswith("1 tested with the hypothesis met (1 holds); 1 observed beyond")
    assert "1 identity" in head
    assert "identity" in L.kind_status_text(led.records)


def test_margin_is_absolute_at_rhs_zero_and_trivial_pairs_are_skipped(led):
    rec = led.check("demo.drift", lhs=[0.0, 0.5, 0.9], rel="<=", rhs=[0.0, 1.0, 1.0], **META)
    assert rec.worst_index == 2 and rec.margin == pytest.approx(0.1) and rec.count == 3
    rec = led.check("demo.zero", lhs=-1e-3, rel="<=", rhs=0.0, **META)
    assert rec.margin == pytest.approx(1e-3)
    with pytest.raises(ClaimViolation):
        led.check("demo.zero_fail", lhs=1e-3, rel="<=", rhs=0.0, **META)


def test_records_travel_in_notebook_output_metadata():
    nb = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "display_data", "metadata": {"ntkbook": {"ledger": {"chapter": "c"}}}},
        {"output_type": "display_data", "metadata": {"ntkbook": {"record": {"id": "c.x"}}}},
        {"output_type": "stream", "text": "hi"}]},
        {"cell_type": "markdown", "source": "x"}]}
    headers, records = L.records_from_notebook(nb)
    assert headers == [{"chapter": "c"}] and records == [{"id": "c.x"}]


# -- issue 19: honest headline counts, vacuous checks, exact integers, marks ---------------------
def test_headline_counts_only_a_computed_true_as_met(led):
    led.check("demo.met", lhs=1.0, rel="<=", rhs=2.0, **META)
    led.check("demo.nohyp", lhs=1.0, rel="<=", rhs=2.0, **{**META, "hypothesis_met": None})
    led.check("demo.slope", lhs=1.0, rel="<=", rhs=2.0,
              **{**META, "hypothesis_met": None, "kind": "scaling"})
    g = L.headline_groups(led.records)
    assert [r.id for r in g["met"]] == ["demo.met"]
    assert {r.id for r in g["no_hypothesis"]} == {"demo.nohyp", "demo.slope"}
    head = L.headline(led.records)
    assert head.startswith("1 tested with the hypothesis met (1 holds)")
    assert "2 with no hypothesis to meet (2 holds)" in head


def test_vacuous_bound_is_unresolved(led):
    """The rate bound (1 - 1e-13)·Φ0 cannot be told from the trivial Φ_k ≤ Φ0 at a resolution of
    1e-11·Φ0: the check is vacuous and must not count as holds, whichever way the loss moved."""
    phi0, res = 1.0, 1e-11
    rec = led.check("demo.rate", lhs=0.5, rel="<=", rhs=phi0 * (1 - 1e-13), trivial=phi0,
                    resolution=res, **META)
    assert rec.status == "unresolved" and rec.vacuous == 1 and "vacuous" in rec.line()
    rec = led.check("demo.rate_real", lhs=0.5, rel="<=", rhs=phi0 * (1 - 1e-3), trivial=phi0,
                    resolution=res, **META)
    assert rec.status == "holds" and rec.vacuous == 0
    with pytest.raises(ClaimViolation):      # a vacuous bound that is exceeded is still violated
        led.check("demo.rate_bad", lhs=2.0, rel="<=", rhs=phi0 * (1 - 1e-13), trivial=phi0,
                  resolution=res, **META)


def test_integer_comparisons_are_exact(led):
    rec = led.check("demo.width", lhs=3, rel=">=", rhs=3, **{**META, "kind": "assumption",
                                                               "hypothesis_met": None})
    assert rec.status == "holds" and rec.exact and rec.unresolved == 0
    rec = led.check("demo.d", lhs=np.array([9, 16]), rel="==", rhs=np.array([9, 16]), **IDENT)
    assert rec.status == "holds" and rec.exact
    with pytest.raises(ClaimViolation):
        led.check("demo.strict", lhs=3, rel=">", rhs=3, **META)
    # a float on either side keeps the resolution band
    rec = led.check("demo.float", lhs=3.0, rel=">=", rhs=3, **META)
    assert rec.status == "unresolved" and not rec.exact


def test_complex_values_are_refused(led):
    with pytest.raises(TypeError, match="complex"):
        led.check("demo.eig", lhs=np.array([0.5 + 1e-3j]), rel="<=", rhs=1.0, **META)
    with pytest.raises(TypeError, match="complex"):
        L.compare(1.0, "<=", 1.0 + 0j)


def test_marks_and_failing_relation_are_unmistakable(led):
    ok = led.check("demo.ok", lhs=1.0, rel="<=", rhs=2.0, **META)
    ce = led.check("demo.ce", lhs=0.125, rel="<=", rhs=1e-12, statement="s", source="t",
                   provenance="derived", hypothesis_met=False, kind="counterexample")
    er = led.check("demo.er", lhs=0.125, rel="<=", rhs=1e-12, statement="s", source="t",
                   provenance="paper", hypothesis_met=True, kind="erratum")
    assert ok.line().startswith("✔") and not ce.line().startswith("✔")
    assert not er.line().startswith("✔") and ce.mark != er.mark
    assert "fails: lhs 0.125 > rhs 1e-12" in ce.line() and "fails: lhs 0.125 > rhs" in er.line()
    assert L.status_colour("erratum confirmed") != L.status_colour("holds")


def test_page_table_shows_each_claim_once_and_folds_records(led):
    for n in (2, 3):
        led.check("demo.case", case=f"n={n}", lhs=1.0, rel="<=", rhs=2.0, **META)
    html = led.summary()._repr_html_()
    assert html.count('id="claim-demo-case-n-2"') == 1 and html.count("<tr>") == 1 + 1
    assert "(2 cases)" in html
    rows = html.split("<details", 1)
    assert "ntkbook-claim\"" not in rows[0] and "ntkbook-claim\"" in rows[1]
    # a record shown on its own is folded and carries no anchor
    assert 'id="claim-' not in led.records[0]._repr_html_()


class _Cert:
    def __init__(self, verdict):
        self.verdict = verdict

    def as_dict(self):
        return {"verdict": self.verdict, "statement": "lhs <= rhs", "lower": 0.1, "upper": 0.2}


def test_certificate_decides_marks_and_contradicts(led):
    rec = led.check("demo.c1", lhs=1.0, rel="<=", rhs=2.0, certificate=_Cert("proved"), **META)
    assert rec.certified == "proved" and "certificate proved" in rec.line()
    assert len(L.headline_groups(led.records)["certified"]) == 1
    # an unresolved float comparison is decided by a proof
    rec = led.check("demo.c2", lhs=1.0, rel="<=", rhs=1.0 + 1e-15, certificate=_Cert("proved"),
                    **META)
    assert rec.status == "holds" and "decided by the certificate" in rec.note
    rec = led.check("demo.c3", lhs=1.0, rel="<=", rhs=1.0 + 1e-15, certificate=_Cert("undecided"),
                    **META)
    assert rec.status == "unresolved" and "certificate undecided" in rec.note
    with pytest.raises(ClaimViolation, match="certificate disproves"):
        led.check("demo.c4", lhs=1.0, rel="<=", rhs=2.0, certificate=_Cert("disproved"), **META)
    with pytest.raises(ValueError, match="verdict"):
        led.check("demo.c5", lhs=1.0, rel="<=", rhs=2.0, certificate={"verdict": "true"}, **META)


def test_trend_with_too_few_resolved_comparisons_is_unresolved(led):
    lhs = np.r_[np.zeros(3), np.full(7, 1.0 - 1e-14)]       # 3 decided, 7 inside the band
    rec = led.check("demo.trend", lhs=lhs, rel="<=", rhs=1.0, rtol=1e-12, min_resolved=0.5, **META)
    assert rec.status == "unresolved" and rec.unresolved == 7
    rec = led.check("demo.trend_ok", lhs=lhs, rel="<=", rhs=1.0, rtol=1e-12, min_resolved=0.3, **META)
    assert rec.status == "holds"

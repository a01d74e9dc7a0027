"""The findings page and "What is proved here", assembled from records (ntkbook.findings): every
erratum is on it with its severity and the relation that held, the headline never counts a claim
without a hypothesis as met, the atlas's gaps come from the glued values of the build."""
import json

from ntkbook import findings


def rec(rid, kind="conclusion", status="holds", hyp=True, chapter="du2019", **kw):
    base = rid.split("[")[0]
    return {"id": rid, "base_id": base, "kind": kind, "status": status, "hypothesis_met": hyp,
            "chapter": chapter, "statement": r"x \le 1", "provenance": "paper", "rel": "<=",
            "lhs": 0.5, "rhs": 1.0, "note": kw.pop("note", ""), "_doc": f"book/{chapter}/01",
            **kw}


def link(claim_id):
    return f"page.html#{claim_id}"


RECORDS = [
    rec("du2019.thm4.1[n=4]"), rec("du2019.thm4.1[n=6]"),
    rec("du2019.slope", kind="scaling", hyp=None),
    rec("du2019.width", status="holds beyond hypothesis", hyp=False,
        note="the hypothesis needs m >= 1e14"),
    rec("nguyen2021.chain", kind="erratum", status="erratum confirmed", chapter="nguyen2021",
        lhs=0.125, rhs=1e-12, severity="breaks", certified="proved",
        certificate={"verdict": "proved", "statement": "lhs > rhs", "lower": 0.12,
                     "upper": 0.13, "method": "arb", "inputs": "abc"}),
    rec("nguyen2021.other", kind="erratum", status="erratum confirmed", chapter="nguyen2021"),
    rec("unbalanced2026.nag", kind="reproduction", status="not reproduced", hyp=None,
        chapter="unbalanced2026"),
]


def test_cards_count_only_a_computed_true_as_met_and_list_every_erratum():
    page = findings.findings_html(RECORDS, link, {"du": (8.0, 12.5)})
    du = page[page.index('id="findings-du2019"'):page.index('id="findings-nguyen2021"')]
    assert "2 tested with the hypothesis met" in du and "1 tests with no hypothesis" in du
    assert "1 observed beyond the hypothesis" in du and "m &gt;= 1e14" in du
    assert "+8.0 to +12.5" in du
    for r in RECORDS:
        if r["kind"] == "erratum":
            assert r["id"].replace(".", ".<wbr>") in page
    assert "fails: lhs 0.125 &gt; rhs 1e-12" in page and "breaks the proof as printed" in page
    assert "severity not stated" in page          # an erratum without a severity says so
    assert "not reproduced" in page.lower() and "unbalanced2026.<wbr>nag" in page


def test_certificates_page_lists_enclosure_and_inputs():
    page = findings.certificates_html(RECORDS, link)
    assert "1 proved, 0 undecided" in page and "[0.12, 0.13]" in page and "abc" in page
    assert page.count("ntkbook-cert'") == 1


def test_gaps_come_from_the_glued_values(tmp_path):
    cache = {"atlas_gap_min_du": {"output_type": "display_data", "metadata": {"scrapbook": {
        "name": "atlas_gap_min_du", "mime_prefix": "application/papermill.record/"}},
        "data": {"text/plain": "7.25"}},
        "atlas_gap_max_du": {"output_type": "display_data", "metadata": {},
                             "data": {"text/plain": ["9.5"]}}}
    out = tmp_path / "html"
    path = tmp_path / "jupyter_execute" / "book" / "atlas" / "02_atlas.glue.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(cache))
    gaps = findings.atlas_gaps(findings.glue_values(out, findings.ATLAS_DOC))
    assert gaps == {"du": (7.25, 9.5)}
    svg = findings.gap_figure(gaps)
    assert svg.startswith("<svg") and "Du et al." in svg

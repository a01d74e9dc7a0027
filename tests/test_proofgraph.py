"""ntkbook.proofgraph on hand-made records: the derived "checked" / "fully checked" states, the
layering and ordering, the SVG and the legend."""
from __future__ import annotations

import re

import pytest

from ntkbook import proofgraph as pg


def rec(base_id, status="holds", kind="step", hyp=True, deps=(), case=None, certified=None):
    rid = base_id + (f"[{case}]" if case else "")
    return {"id": rid, "base_id": base_id, "case": case, "kind": kind, "status": status,
            "hypothesis_met": hyp, "statement": f"S({base_id})", "source": "test",
            "provenance": "paper", "depends_on": list(deps), "function": "f", "control": None,
            "certified": certified, "_doc": "book/ch/01_nb"}


def records():
    """ch.thm rests on ch.good (holds, its ancestors hold) and ch.weak (holds, but rests on a
    claim that only holds beyond its hypothesis); ch.box is a theorem box over ch.id and ch.ass."""
    return [
        rec("ch.thm", kind="conclusion", deps=["ch.good", "ch.weak", "ch-box"]),
        rec("ch.good", deps=["ch.id"]),
        rec("ch.weak", deps=["ch.beyond"]),
        rec("ch.beyond", status="holds beyond hypothesis", hyp=False, kind="conclusion"),
        rec("ch.id", kind="identity", hyp=None, certified="proved"),
        rec("ch.ass", kind="assumption", hyp=None),
        rec("ch.err", status="erratum confirmed", kind="erratum"),
        rec("ch.cases", case="n=1"), rec("ch.cases", case="n=2", status="unresolved"),
        rec("ch.top", kind="conclusion", deps=["ch.err", "ch.cases", "ch.thm"]),
    ]


BOXES = {"ch-box": {"title": "Lemma 2.1 (Someone et al. 2020)", "type": "lemma",
                    "deps": ["ch.id", "ch.ass"]}}


def graph(root="ch.top"):
    return pg.build_graph(records(), root, BOXES)


def test_derived_states():
    g = graph()
    n = g.nodes
    # identity / assumption without hypothesis: checked (and nothing under them)
    assert n["ch.id"].checked and n["ch.id"].fully_checked
    assert n["ch.ass"].checked and n["ch.ass"].fully_checked
    # holds with its hypothesis met, and so does everything under it
    assert n["ch.good"].fully_checked
    # a theorem box whose dependencies are all fully checked
    assert n["ch-box"].is_box and n["ch-box"].checked and n["ch-box"].fully_checked
    # beyond hypothesis is not checked; what rests on it is checked but not fully
    assert not n["ch.beyond"].checked
    assert n["ch.weak"].checked and not n["ch.weak"].fully_checked
    assert n["ch.thm"].checked and not n["ch.thm"].fully_checked
    # an erratum is not checked; a node with an unresolved case is not checked
    assert not n["ch.err"].checked
    assert not n["ch.cases"].checked
    assert not n["ch.top"].fully_checked
    # the theorem alone, without the weak branch
    g2 = pg.build_graph([r for r in records() if r["base_id"] not in ("ch.weak", "ch.beyond")]
                        + [rec("ch.weak", deps=["ch.good"])], "ch.thm", BOXES)
    assert g2.nodes["ch.thm"].fully_checked


def test_leaf_box_and_hypothesis_groups():
    # a box with nothing under it is given: not shown as checked, and it blocks nothing
    g = pg.build_graph([rec("ch.a", deps=["ch-def"])], "ch.a")
    box = g.nodes["ch-def"]
    assert box.is_box and box.given and not box.checked and not box.fully_checked
    assert g.nodes["ch.a"].fully_checked
    g = pg.build_graph([rec("ch.a", deps=["ch-def", "ch.b"]),
                        rec("ch.b", status="holds beyond hypothesis", hyp=False)], "ch.a")
    assert not g.nodes["ch.a"].fully_checked
    assert pg.hypothesis_group([rec("x", hyp=True), rec("x", hyp=True)]) == "met"
    assert pg.hypothesis_group([rec("x", hyp=True), rec("x", hyp=False)]) == "unmet"
    assert pg.hypothesis_group([rec("x", hyp=None)]) == "none"
    # an identity checked with a hypothesis None counts; a step with None does not
    assert pg.record_checked(rec("x", kind="identity", hyp=None))
    assert not pg.record_checked(rec("x", kind="step", hyp=None))
    assert not pg.record_checked(rec("x", status="expected violation", kind="counterexample"))


def test_labels():
    assert pg.short_label("du2019.thm3.1.angle_slope", "du2019") == "Thm 3.1 · angle slope"
    assert pg.short_label("du2019.lemma3.2", "du2019") == "Lemma 3.2"
    assert pg.short_label("ng.eq12.W_norm", "ng") == "(12) · W norm"
    assert pg.short_label("ng.eq16_17.identity", "ng") == "(16)–(17) · identity"
    assert pg.short_label("ng.cor3.2.width", "ng") == "Cor. 3.2 · width"
    assert pg.short_label("ng.sec3_2.width_exponent", "ng") == "§3.2 · width exponent"
    assert pg.short_label("du2019-thm-4-1", "du2019") == "Thm 4.1"
    assert pg.short_label("other.thm1", "du2019") == "other · Thm 1"
    assert graph().nodes["ch-box"].label == "Lemma 2.1"
    lines = pg.wrap("Lemma 3.2 · lambda min", 100)
    assert lines == ["Lemma 3.2", "lambda min"]            # broken between the parts
    lines = pg.wrap("Thm 3.1 · a rather long name of a step that goes on and on", 120)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(pg.text_width(line, 11, True) <= 120 for line in lines)


def test_layering_puts_the_root_on_top_and_dependencies_below():
    g = graph()
    layer = pg.assign_layers(g)
    assert layer["ch.top"] == 0 and all(v > 0 for k, v in layer.items() if k != "ch.top")
    assert all(layer[u] < layer[v] for u, v in g.edges)
    # a wide layer is stacked: at most `capacity` nodes a row
    wide = [rec("w.root", deps=[f"w.l{i}" for i in range(12)])] + [rec(f"w.l{i}") for i in range(12)]
    layer = pg.assign_layers(pg.build_graph(wide, "w.root"), capacity=5)
    rows = [sum(1 for v in layer.values() if v == k) for k in range(max(layer.values()) + 1)]
    assert max(rows) <= 5 and sum(rows) == 13


def test_ordering_has_no_more_crossings_than_the_sorted_order():
    # a, b in row 1; b's dependency "x" sorts before a's "y": the sorted order crosses
    recs = [rec("c.r", deps=["c.a", "c.b"]), rec("c.a", deps=["c.y", "c.z"]),
            rec("c.b", deps=["c.x", "c.w"]), rec("c.x"), rec("c.y"), rec("c.z"), rec("c.w")]
    g = pg.build_graph(recs, "c.r")
    rows, edges, _ = pg.layered_edges(g, pg.assign_layers(g))
    naive = [sorted(row, key=str) for row in rows]
    ordered = pg.order_rows(rows, edges)
    assert pg.count_crossings(naive, edges) > 0
    assert pg.count_crossings(ordered, edges) <= pg.count_crossings(naive, edges)
    assert pg.count_crossings(ordered, edges) == 0
    assert sorted(map(str, sum(ordered, []))) == sorted(map(str, sum(rows, [])))


def test_svg_fits_the_column_and_marks_the_nodes():
    g = graph()
    svg = pg.render_svg(g, link=lambda n: f"page.html#{n}")
    head = svg[:svg.index(">")]
    assert 'width="100%"' in head and re.search(r'viewBox="0 0 \d+ \d+"', head)
    assert "max-width" in head
    assert svg.count('class="node ') == len(g.nodes)
    assert svg.count("fully-checked") == sum(n.fully_checked for n in g.nodes.values())
    assert 'data-id="ch.thm"' in svg and 'data-hypothesis="unmet"' in svg
    assert 'href="page.html#ch.good"' in svg and "✓ cert" in svg
    assert "<clipPath" in svg   # ch.cases: two outcomes, two stripes
    width = float(re.search(r'viewBox="0 0 (\d+)', head).group(1))
    assert width <= 5 * (pg.NODE_W + pg.GAP_X) + 200
    bad = pg.render_svg(pg.build_graph([rec("z.a", status="violated", certified="disproved")],
                                       "z.a"))
    assert "✗ cert" in bad and 'data-status="violated"' in bad
    with pytest.raises(pg.ProofGraphError):
        pg.build_graph(records(), "ch.nothing")
    with pytest.raises(pg.ProofGraphError, match="cycle"):
        pg.build_graph([rec("y.a", deps=["y.b"]), rec("y.b", deps=["y.a"])], "y.a")


def test_legend_counts_add_up():
    g = graph()
    c = pg.legend_counts(g)
    assert sum(c["fill"].values()) == c["total"] == len(g.nodes) == 10
    assert sum(c["border"].values()) == c["total"]
    assert c["fill"]["fully checked"] == 4      # ch.id, ch.ass, ch.good, ch-box
    assert c["certified"] == 1
    legend = pg.legend_html(g)
    assert 'class="ntkbook-graph-legend"' in legend and f"4&#8201;/&#8201;{c['total']}" in legend

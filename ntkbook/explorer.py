"""The claim explorer and the claim index: HTML drawn from the records of a build.

* :func:`explorer` — the ledger page's table of every record, filterable (chapter, page, kind,
  status, hypothesis met, provenance, certified), searchable (ids and statements) and sortable by
  ``_static/explorer.js`` — a small script of the book itself, no library and no network. Each row
  carries its values as ``data-*`` attributes (what the script filters on), links to the cell
  where it was checked, and names its negative control (``tests/file.py::test``).
* :func:`claim_index` — one entry per claim id, grouped by chapter in collapsible sections.

Ids break only after their dots (``<wbr>``), never letter by letter; statements are typeset by
the book's MathJax. ``sphinxext`` calls both from its directives (``{ntkbook-ledger}``,
``{ntkbook-claim-index}``); ``link(docname, anchor)`` gives the relative URL of a place in the book.
"""
from __future__ import annotations

import html
import json
import re
from typing import Callable

from docutils import nodes

from . import ledger as _ledger

Link = Callable[[str, "str | None"], str]

#: filters of the explorer: (key of the row's data attribute, label)
FILTERS = (("chapter", "chapter"), ("page", "page"), ("kind", "kind"), ("status", "status"),
           ("hypothesis", "hypothesis met"), ("provenance", "provenance"),
           ("certified", "certified"))
HYPOTHESIS = {True: "yes", False: "no", None: "none"}
CERTIFIED = ("proved", "disproved", "undecided", "none")


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def breakable(text: str) -> str:
    """HTML of an id or a dotted name that may break only after a dot, a ``::`` or a ``/``, and
    before the ``[`` of a case (``<wbr>``), never inside a word."""
    out = _esc(text)
    out = re.sub(r"(\.|::|/)", r"\1<wbr>", out)
    return out.replace("[", "<wbr>[")


def test_name(control: str) -> str:
    """HTML of a control ``tests/file.py::test_name``: breakable after ``/``, ``.``, ``::`` and the
    underscores of the test's name (long names wrap at word boundaries, never inside a word)."""
    path, sep, name = control.partition("::")
    return breakable(path + sep) + _esc(name).replace("_", "_<wbr>")


def control_html(control) -> str:
    if not control:
        return '<span class="ntkbook-none">no control</span>'
    return f'<code class="ntkbook-control" title="{_esc(control)}">{test_name(control)}</code>'


def math(latex: str) -> str:
    """An inline formula, typeset by the book's MathJax when its row scrolls into view
    (``explorer.js``: hundreds of formulas typeset at once would hold the page for seconds). Until
    then — and without JavaScript — it reads as LaTeX; ``mathjax_ignore`` keeps MathJax's first
    pass off it."""
    return (f'<span class="ntkbook-tex mathjax_ignore notranslate nohighlight">'
            f'\\({_esc(latex)}\\)</span>')


def status_class(status: str) -> str:
    """Green held, purple failed as it must, red broke, amber open (as ``ledger.status_colour``)."""
    if status in _ledger.STATUS_GOOD:
        return "ntkbook-ok"
    if status in getattr(_ledger, "STATUS_FAILED_AS_EXPECTED", ()):
        return "ntkbook-expected"
    return "ntkbook-bad" if status not in _ledger.STATUS_OK else "ntkbook-open"


def status_text(status: str) -> str:
    """The status with its mark (``ledger.MARKS``: one mark per status)."""
    mark = getattr(_ledger, "MARKS", {}).get(status)
    return f"{mark} {status}" if mark else status


def toc_order(env) -> list[str]:
    """Every page reachable from the root document, in the order of the table of contents."""
    out, seen = [], set()

    def walk(doc):
        if doc in seen:
            return
        seen.add(doc)
        out.append(doc)
        for child in env.toctree_includes.get(doc, []):
            walk(child)

    walk(env.config.root_doc)
    return out


def in_book_order(env, records) -> list:
    """Records ordered by the place of their page in the book (stable within a page)."""
    order = {d: i for i, d in enumerate(toc_order(env))}
    return sorted(records, key=lambda r: order.get(r["_doc"], len(order)))


def _page(rec) -> str:
    return rec["_doc"].split("/", 1)[-1]


def row_values(rec) -> dict:
    """The values a row is filtered and sorted on (its ``data-*`` attributes)."""
    certified = rec.get("certified") or "none"
    return {"id": rec["id"], "chapter": rec.get("chapter", ""), "page": _page(rec),
            "kind": rec["kind"], "status": rec["status"],
            "hypothesis": HYPOTHESIS[rec.get("hypothesis_met")],
            "provenance": rec.get("provenance", ""), "certified": certified,
            "margin": "" if rec.get("margin") is None else f"{rec['margin']:.6g}",
            "count": str(rec.get("count", "")),
            "search": " ".join(filter(None, (rec["id"], rec.get("statement", "")))).lower()}


def _order(key: str, values) -> list:
    canonical = {"kind": _ledger.KINDS, "status": _ledger.STATUSES,
                 "hypothesis": ("yes", "no", "none"), "provenance": tuple(_ledger.PROVENANCE),
                 "certified": CERTIFIED}.get(key)
    present = set(values)
    if canonical:
        return [v for v in canonical if v in present] + sorted(present - set(canonical))
    return sorted(present)


def _option_label(key: str, value: str) -> str:
    if key == "provenance":
        return f"{value}: {_ledger.PROVENANCE.get(value, value)}"
    if key == "certified" and value == "none":
        return "no certificate"
    if key == "hypothesis" and value == "none":
        return "no hypothesis"
    return value


def _filters(rows) -> str:
    parts = []
    for key, label in FILTERS:
        values = [r[key] for r in rows]
        counts = {v: values.count(v) for v in set(values)}
        options = ['<option value="">all</option>'] + [
            f'<option value="{_esc(v)}">{_esc(_option_label(key, v))} ({counts[v]})</option>'
            for v in _order(key, values)]
        parts.append(f'<label class="ntkbook-filter">{_esc(label)}'
                     f'<select id="ntkbook-filter-{key}" data-filter="{key}">'
                     f'{"".join(options)}</select></label>')
    parts.append('<label class="ntkbook-filter ntkbook-filter-search">search ids and statements'
                 '<input id="ntkbook-search" type="search" autocomplete="off" '
                 'placeholder="e.g. du2019.thm or \\lambda_0"></label>')
    parts.append('<button type="button" class="ntkbook-reset">reset</button>')
    return f'<form class="ntkbook-filters" role="search" onsubmit="return false">{"".join(parts)}</form>'


def count_text(records) -> str:
    """``showing N of N claims: 40 holds, …`` (the script rewrites it as the filters change)."""
    tally: dict = {}
    for r in records:
        tally[r["status"]] = tally.get(r["status"], 0) + 1
    parts = [f"{tally[s]} {s}" for s in _ledger.STATUSES if s in tally]
    n = len(records)
    return f"showing {n} of {n} claims" + (": " + ", ".join(parts) if parts else "")


#: the columns: header, then the (sort key, sort type, label) of its sort buttons. The first column
#: reads like a card — the id, the statement, the page and the negative control — so that the
#: narrow columns beside it fit a 1400 px window
_COLUMNS = (
    ("claim · statement · where checked · negative control",
     (("id", "text", "claim"), ("page", "text", "page"))),
    ("kind", (("kind", "text", "kind"),)), ("status", (("status", "text", "status"),)),
    ("margin", (("margin", "num", "margin"),)), ("hyp. met", (("hypothesis", "text", "hyp. met"),)),
    ("provenance", (("provenance", "text", "provenance"),)),
    ("certified", (("certified", "text", "certified"),)))


def _head() -> str:
    cells = []
    for label, buttons in _COLUMNS:
        inner = " · ".join(
            f'<button type="button" data-sort="{key}" data-type="{kind}" '
            f'title="sort by {_esc(text)}">{_esc(text)}</button>' for key, kind, text in buttons)
        if len(buttons) > 1:
            inner = f'<span class="ntkbook-sortby">sort by {inner}</span>'
            inner = f'{_esc(label)}<br>{inner}'
        cells.append(f'<th aria-sort="none">{inner}</th>')
    return f"<thead><tr>{''.join(cells)}</tr></thead>"


def explorer_row(rec, link: Link) -> str:
    values = row_values(rec)
    attrs = " ".join(f'data-{k}="{_esc(v)}"' for k, v in values.items())
    where = link(rec["_doc"], _ledger.anchor(rec["id"]))
    hyp = {"yes": "yes", "no": "no", "none": "n/a"}[values["hypothesis"]]
    control = rec.get("control")
    cert = values["certified"]
    count = rec.get("count") or 1
    cells = [
        f'<td class="ntkbook-card"><div class="ntkbook-id"><a href="{_esc(where)}"><code>'
        f'{breakable(rec["id"])}</code></a></div>'
        f'<div class="ntkbook-stmt">{math(rec.get("statement", ""))}</div>'
        f'<div class="ntkbook-sub">on <a href="{_esc(where)}">{breakable(values["page"])}</a>'
        f' · control {control_html(control)}</div></td>',
        f'<td>{_esc(rec["kind"])}</td>',
        f'<td class="{status_class(rec["status"])}">{_esc(status_text(rec["status"]))}</td>',
        f'<td class="ntkbook-margin">{_esc(_ledger.format_margin(rec))}'
        f'<br><span class="ntkbook-sub">{count} checked</span></td>',
        f'<td>{hyp}</td>',
        f'<td title="{_esc(_ledger.PROVENANCE.get(rec.get("provenance"), ""))}">'
        f'{_esc(rec.get("provenance", ""))}</td>',
        f'<td class="ntkbook-cert-{_esc(cert)}">{"—" if cert == "none" else _esc(cert)}</td>',
    ]
    return f'<tr {attrs} data-control="{_esc(control or "")}">{"".join(cells)}</tr>'


def explorer(records, link: Link) -> nodes.raw:
    """The claim explorer of the ledger page (one raw-HTML node)."""
    rows = [row_values(r) for r in records]
    statuses = json.dumps([s for s in _ledger.STATUSES])
    body = "".join(explorer_row(r, link) for r in records)
    text = (
        f'<div class="ntkbook-explorer-wrap">{_filters(rows)}'
        f'<p id="ntkbook-count" class="ntkbook-count" aria-live="polite" data-shown="{len(rows)}" '
        f'data-total="{len(rows)}" data-statuses="{_esc(statuses)}">{_esc(count_text(records))}</p>'
        '<div class="ntkbook-scroll" tabindex="0">'
        f'<table class="ntkbook-ledger ntkbook-explorer">{_head()}<tbody>{body}</tbody></table>'
        '</div><p class="ntkbook-scroll-cue">Scroll the table sideways for more columns →</p>'
        '</div>')
    return nodes.raw("", text, format="html")


# -- the claim index -------------------------------------------------------------------------------
def claim_groups(records) -> dict:
    """``{chapter: {base id: [records]}}`` in build order."""
    out: dict = {}
    for r in records:
        out.setdefault(r.get("chapter", ""), {}).setdefault(r.get("base_id") or r["id"], []).append(r)
    return out


def _index_row(base, recs, link: Link) -> str:
    first = recs[0]
    where = link(first["_doc"], _ledger.anchor(first["id"]))
    cases = [r["case"] for r in recs if r.get("case")]
    statuses: dict = {}
    for r in recs:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    status = ", ".join((f"{n}× " if len(recs) > 1 else "") + status_text(s)
                       for s, n in statuses.items())
    worst = next((s for s in statuses if s not in _ledger.STATUS_OK), None) or next(
        (s for s in statuses if s not in _ledger.STATUS_GOOD), next(iter(statuses)))
    n_cases = (f'<span class="ntkbook-cases">{len(cases)} case{"s" if len(cases) > 1 else ""}'
               '</span>' if cases else "")
    function = first.get("function") or ""
    control = first.get("control")
    return (
        f'<tr data-id="{_esc(base)}" data-control="{_esc(control or "")}">'
        f'<td class="ntkbook-id"><a href="{_esc(where)}"><code>{breakable(base)}</code></a>'
        f'<br><span class="ntkbook-sub">{_esc(first["kind"])} · '
        f'<span class="{status_class(worst)}">{_esc(status)}</span></span></td>'
        f'<td class="ntkbook-stmt"><div>{math(first.get("statement", ""))}</div>{n_cases}</td>'
        f'<td class="ntkbook-where"><a href="{_esc(where)}">{breakable(_page(first))}</a></td>'
        f'<td class="ntkbook-checks"><code class="ntkbook-function" title="{_esc(function)}">'
        f'{breakable(function)}</code><br>{control_html(control)}</td></tr>')


def claim_index(records, link: Link, titles: dict | None = None,
                ledger_uri: str | None = None) -> list:
    """The claim index: per chapter a collapsible section (``<details>``) listing each claim id
    once — id, kind and status(es); statement; page; checking function and negative control.
    ``titles`` maps a chapter to its title; ``ledger_uri`` is the ledger page (the explorer)."""
    groups = claim_groups(records)
    n_ids = sum(len(g) for g in groups.values())
    head = ("<thead><tr><th>claim · kind · status</th><th>statement</th><th>page</th>"
            "<th>checked by · negative control</th></tr></thead>")
    parts = ['<div class="ntkbook-index-wrap">'
             '<p class="ntkbook-index-tools">'
             '<button type="button" data-ntkbook-details="open">open every chapter</button> '
             '<button type="button" data-ntkbook-details="close">close every chapter</button> '
             + (f'— or filter, search and sort every record in the <a href="{_esc(ledger_uri)}">'
                'claims ledger</a>.' if ledger_uri else "") + '</p>']
    for chapter, claims in groups.items():
        n_rec = sum(len(v) for v in claims.values())
        title = (titles or {}).get(chapter)
        label = f"{chapter}" + (f" — {title}" if title else "")
        rows = "".join(_index_row(base, recs, link) for base, recs in claims.items())
        parts.append(
            f'<details class="ntkbook-index-chapter" id="index-{_esc(chapter)}">'
            f'<summary><strong>{_esc(label)}</strong> <span class="ntkbook-sub">{len(claims)} '
            f'claim ids, {n_rec} records</span></summary>'
            f'<div class="ntkbook-scroll"><table class="ntkbook-ledger ntkbook-index">{head}'
            f'<tbody>{rows}</tbody></table></div></details>')
    parts.append("</div>")
    return [nodes.paragraph(text=f"{n_ids} claim ids ({len(records)} records) in this build, "
                                 f"in {len(groups)} chapters."),
            nodes.raw("", "".join(parts), format="html")]


def setup(app):
    app.add_css_file("explorer.css")
    app.add_js_file("explorer.js", loading_method="defer")
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}

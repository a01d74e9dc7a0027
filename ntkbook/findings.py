"""What the book found, assembled from the current build's records (the ``{ntkbook-findings}``
and ``{ntkbook-certificates}`` directives of :mod:`ntkbook.sphinxext`).

Nothing here holds a number: every count, id, margin and enclosure comes from the records of the
build (``ledger.json``'s claims), and the atlas's width gaps from the values its page glued in the
same build (the executed notebook myst-nb writes). What is written here is only the one-line
statement of each theorem and where it comes from — text, not results.

A **verdict card** per paper says: the theorem in one line and its provenance; what held with the
hypothesis met (a computed ``True``); what held only beyond the hypothesis, with the notes that
say what the hypothesis would need; every erratum, one line each with its severity; what was not
reproduced; what is certified by a rigorous enclosure; and the atlas's width gap in orders of
magnitude.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

from . import ledger as _ledger


@dataclass(frozen=True)
class Card:
    chapter: str
    title: str
    cite: str
    theorem: str          # the theorem in one line (HTML; math in \( \))
    provenance: str       # what the statement rests on
    gap_keys: tuple = ()  # the atlas's required-width lines that belong to this paper


CARDS = (
    Card("du2019", "Du, Zhai, Póczos, Singh (ICLR 2019)", "du2019gradient",
         r"Two-layer ReLU network, \(\lambda_0=\lambda_{\min}(H^\infty)>0\), width "
         r"\(m=\Omega(n^6/(\lambda_0^4\delta^3))\): gradient descent converges at rate "
         r"\((1-\eta\lambda_0/2)^k\) with probability \(\ge1-\delta\) (Theorem 4.1).",
         "the paper's statement; several displayed constants are restated by later work or "
         "recalled and unverified (the paper's text available to us has its displays stripped)",
         ("du",)),
    Card("nguyen2021", "Nguyen (ICML 2021)", "nguyen2021proof",
         r"Deep ReLU network with one wide layer: conditions (7)–(9) at initialization and a step "
         r"size (10) imply the rate (11) — a deterministic statement (Theorem 2.2).",
         "the paper's statement, checked against its full text", ("nguyen_printed",
                                                                   "nguyen_corrected")),
    Card("unbalanced2026", "Unbalanced initialization (ICLR 2026 submission)", "unbalanced2026",
         r"Near-linear width \(\tilde O(Nn/\lambda)\) suffices under an unbalanced initialization; "
         r"Nesterov acceleration and sketching speed it up.",
         "our reconstruction from the public abstract (the full text is not public)",
         ("unbalanced",)),
    Card("xu2025", "Xu, Min, Tarmoun, Mallada, Vidal (2025)", "xu2025local",
         r"Two-layer linear networks: a local PL inequality and a local descent lemma give linear "
         r"convergence with an a-priori rate from the initialization.",
         "our reconstruction from the public abstract (the full text is not public)"),
)

SEVERITIES = _ledger.SEVERITIES

ATLAS_DOC = "book/atlas/02_atlas"


def _is_held(r) -> bool:
    return r["status"] in ("holds", "reproduced")


def _group(records) -> dict:
    out: dict = {}
    for r in records:
        out.setdefault(r.get("base_id") or r["id"], []).append(r)
    return out


def glue_values(outdir, docname: str) -> dict:
    """The values a page glued in this build: ``{name: text/plain}``, from the glue cache myst-nb
    writes beside the executed notebook (``jupyter_execute/<docname>.glue.json``; the glue
    outputs themselves are stripped from the notebook). Empty when the page did not run."""
    path = Path(outdir).parent / "jupyter_execute" / f"{docname}.glue.json"
    if not path.exists():
        return {}
    out = {}
    for name, output in json.loads(path.read_text(encoding="utf-8")).items():
        text = (output.get("data") or {}).get("text/plain")
        if text is not None:
            out[name] = "".join(text) if isinstance(text, list) else text
    return out


def atlas_gaps(glued: dict) -> dict:
    """``{key: (min, max)}`` of the atlas's gap between a theory's required width and the
    measured m*, in orders of magnitude (``atlas_gap_min_<key>``/``atlas_gap_max_<key>``)."""
    out = {}
    for name, value in glued.items():
        if name.startswith("atlas_gap_min_"):
            key = name[len("atlas_gap_min_"):]
            hi = glued.get(f"atlas_gap_max_{key}")
            try:
                out[key] = (float(value), float(hi))
            except (TypeError, ValueError):
                continue
    return out


GAP_LABELS = {"du": "Du et al. Thm 4.1", "nguyen_printed": "Nguyen §3.2 as printed",
              "nguyen_corrected": "Nguyen §3.2 corrected", "unbalanced": "unbalanced Õ(Nn/λ)"}


def gap_figure(gaps: dict) -> str:
    """A small inline SVG: per theory, the range of log10(required width / measured m*) over the
    atlas's data sets and sizes (a horizontal bar from min to max)."""
    if not gaps:
        return ""
    keys = [k for k in GAP_LABELS if k in gaps] + [k for k in gaps if k not in GAP_LABELS]
    lo = min(0.0, min(v[0] for v in gaps.values()))
    hi = max(v[1] for v in gaps.values())
    hi = max(hi, lo + 1)
    W, L, R, ROW, TOP = 700, 190, 20, 30, 28
    H = TOP + ROW * len(keys) + 30
    x = lambda v: L + (v - lo) / (hi - lo) * (W - L - R)  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ntkbook-gap-figure" '
             f'viewBox="0 0 {W} {H}" width="100%" role="img" '
             f'aria-label="orders of magnitude between required and measured widths">',
             f'<text x="{L}" y="16" font-size="13" fill="#24292f">log₁₀(required width / '
             f'measured m*) over the atlas’s data sets and sizes</text>']
    import math
    for t in range(math.floor(lo), math.ceil(hi) + 1):
        parts.append(f'<line x1="{x(t):.1f}" y1="{TOP - 4}" x2="{x(t):.1f}" '
                     f'y2="{TOP + ROW * len(keys)}" stroke="#d0d7de"/>'
                     f'<text x="{x(t):.1f}" y="{TOP + ROW * len(keys) + 16}" font-size="12" '
                     f'text-anchor="middle" fill="#57606a">{t}</text>')
    for i, k in enumerate(keys):
        a, b = gaps[k]
        y = TOP + i * ROW + 6
        parts.append(f'<text x="{L - 8}" y="{y + 13}" font-size="13" text-anchor="end" '
                     f'fill="#24292f">{html.escape(GAP_LABELS.get(k, k))}</text>'
                     f'<rect x="{x(a):.1f}" y="{y}" width="{max(x(b) - x(a), 3):.1f}" height="18" '
                     f'fill="#0969da" fill-opacity="0.75" rx="3"><title>{a:+.1f} … {b:+.1f} '
                     f'orders of magnitude</title></rect>')
    parts.append("</svg>")
    return "".join(parts)


# -- HTML pieces -------------------------------------------------------------------------------
def _math(tex: str) -> str:
    return f'<span class="math notranslate nohighlight">\\({html.escape(tex)}\\)</span>'


def _id_link(rid: str, link, label: str | None = None) -> str:
    url = link(rid)
    label = html.escape(label or rid).replace(".", ".<wbr>")
    return f'<a href="{html.escape(url)}"><code>{label}</code></a>' if url else f"<code>{label}</code>"


def _list(groups: dict, link, limit: int = 12, detail=None) -> str:
    items = []
    for base, recs in list(groups.items())[:limit]:
        cases = f" ({len(recs)} cases)" if len(recs) > 1 else ""
        extra = detail(recs) if detail else ""
        items.append(f"<li>{_id_link(recs[0]['id'], link, base)}{cases}: "
                     f"{_math(recs[0]['statement'])}"
                     f"{extra}</li>")
    more = len(groups) - limit
    tail = f"<li>… and {more} more (see the claims ledger)</li>" if more > 0 else ""
    return f"<ul>{''.join(items)}{tail}</ul>" if items else "<p>none</p>"


def _note(recs) -> str:
    notes = sorted({(r.get("note") or "").split(" [")[0] for r in recs} - {""})
    if not notes:
        return ""
    text = notes[0] if len(notes[0]) <= 220 else notes[0][:217] + "…"
    return f' <span class="ntkbook-note">— {html.escape(text)}</span>'


def erratum_line(r, link) -> str:
    """One line of an erratum: id, statement, the relation that held, severity, certificate."""
    rel = _ledger.NEGATION.get(r["rel"], r["rel"])
    sev = SEVERITIES.get(r.get("severity") or "", "severity not stated")
    cert = ""
    if r.get("certified"):
        c = r.get("certificate") or {}
        cert = f"; certificate <b>{html.escape(r['certified'])}</b>"
        if c.get("statement"):
            cert += f": {html.escape(c['statement'])}"
    return (f"<li>{_id_link(r['id'], link)} — {_math(r['statement'])} fails: lhs "
            f"{r['lhs']:.4g} {html.escape(rel)} rhs {r['rhs']:.4g}; <i>{html.escape(sev)}</i>"
            f"{cert}</li>")


def card_html(card: Card, records, link, gaps: dict, proved_url: str = "") -> str:
    recs = [r for r in records if r["chapter"] == card.chapter]
    g = _ledger.headline_groups(recs)
    held_met = _group([r for r in g["met"] if _is_held(r)])
    open_met = _group([r for r in g["met"] if not _is_held(r)])
    beyond = _group([r for r in recs if r["status"] == "holds beyond hypothesis"])
    errata = [r for r in recs if r["kind"] == "erratum"]
    not_rep = _group([r for r in recs if r["status"] == "not reproduced"])
    certified = [r for r in recs if r.get("certified") == "proved"]
    undecided = [r for r in recs if r.get("certified") == "undecided"]
    prov: dict = {}
    for r in recs:
        name = _ledger.PROVENANCE.get(r["provenance"], r["provenance"])
        prov[name] = prov.get(name, 0) + 1
    prov_text = ", ".join(f"{n} {k}" for k, n in sorted(prov.items(), key=lambda x: -x[1]))
    out = [f'<div class="ntkbook-card" id="findings-{card.chapter}">',
           f"<h3>{html.escape(card.title)}</h3>",
           f'<p class="ntkbook-card-theorem mathjax_process">{card.theorem}</p>',
           f'<p class="ntkbook-card-prov"><b>Provenance:</b> {html.escape(card.provenance)}. '
           f"Its {len(recs)} claims: {html.escape(prov_text)}.</p>",
           f"<p><b>{len(g['met'])} tested with the hypothesis met</b> "
           f"({html.escape(_ledger._tally(g['met']) or 'none')}); {len(g['beyond'])} observed "
           f"beyond the hypothesis; {len(g['no_hypothesis'])} tests with no hypothesis to meet; "
           f"{len(certified)} certified by a rigorous enclosure.</p>",
           f"<details open><summary>Held with the hypothesis met — {len(held_met)} claim ids"
           f"</summary>{_list(held_met, link)}</details>"]
    if open_met:
        out.append(f"<details><summary>Tested with the hypothesis met but not decided — "
                   f"{len(open_met)} claim ids</summary>{_list(open_met, link, detail=_note)}"
                   f"</details>")
    out.append(f"<details><summary>Held only beyond the hypothesis — {len(beyond)} claim ids "
               f"(what the hypothesis would need is in each note)</summary>"
               f"{_list(beyond, link, detail=_note)}</details>")
    if errata:
        out.append(f"<p><b>Errata ({len(errata)})</b></p><ul class='ntkbook-errata'>"
                   + "".join(erratum_line(r, link) for r in errata) + "</ul>")
    else:
        out.append("<p><b>Errata:</b> none found.</p>")
    if not_rep:
        out.append(f"<p><b>Not reproduced ({len(not_rep)} claim ids)</b></p>"
                   + _list(not_rep, link, detail=_note))
    if certified or undecided:
        out.append(f"<p><b>Certified</b> (a proof about the exact float64 inputs, see "
                   f"<a href='{html.escape(proved_url)}'>What is proved here</a>): "
                   f"{len(certified)} proved, {len(undecided)} undecided.</p>")
    if card.gap_keys:
        parts = [f"{GAP_LABELS.get(k, k)}: {gaps[k][0]:+.1f} to {gaps[k][1]:+.1f}"
                 for k in card.gap_keys if k in gaps]
        if parts:
            out.append("<p><b>Width gap</b> (orders of magnitude between the width the theorem "
                       "requires and the width measured on the atlas's data): "
                       + html.escape("; ".join(parts)) + ".</p>")
    out.append("</div>")
    return "".join(out)


def atlas_card(records, link, gaps: dict) -> str:
    recs = [r for r in records if r["chapter"] == "atlas"]
    if not recs:
        return ""
    g = _ledger.headline_groups(recs)
    not_rep = _group([r for r in recs if r["status"] == "not reproduced"])
    certified = [r for r in recs if r.get("certified") == "proved"]
    return ("<div class='ntkbook-card' id='findings-atlas'><h3>The width atlas</h3>"
            "<p class='ntkbook-card-theorem'>Four theories' required widths against the width "
            "measured by gradient descent on the sphere, digits and breast cancer, selected and "
            "tested on disjoint seeds.</p>"
            f"<p>{len(recs)} claims: {len(g['met'])} tested with the hypothesis met, "
            f"{len(g['beyond'])} beyond it, {len(g['no_hypothesis'])} with no hypothesis to meet, "
            f"{len(g['assumption'])} data assumptions ({len(certified)} certified).</p>"
            + gap_figure(gaps)
            + (f"<details><summary>Not reproduced — {len(not_rep)} claim ids</summary>"
               f"{_list(not_rep, link, detail=_note)}</details>" if not_rep else "")
            + "</div>")


def findings_html(records, link, gaps: dict, proved_url: str = "") -> str:
    """The whole findings page body (after its hand-written introduction)."""
    head = _ledger.headline(records)
    errata = [r for r in records if r["kind"] == "erratum"]
    certified = [r for r in records if r.get("certified") == "proved"]
    top = (f"<p class='ntkbook-headline'><b>The whole book:</b> {len(records)} claims. "
           f"{html.escape(head)} {len(errata)} errata; {len(certified)} findings certified.</p>")
    cards = "".join(card_html(c, records, link, gaps, proved_url) for c in CARDS)
    return f"<div class='ntkbook-findings'>{top}{cards}{atlas_card(records, link, gaps)}</div>"


# -- what is proved ------------------------------------------------------------------------------
def certificates_html(records, link) -> str:
    """Every certified record: the statement proved, its enclosure, method, and the exact inputs
    (digest, page, function and seeds to regenerate them)."""
    recs = [r for r in records if r.get("certified")]
    if not recs:
        return "<p>No certificate in this build.</p>"
    order = {"proved": 0, "undecided": 1, "disproved": 2}
    recs.sort(key=lambda r: (order.get(r["certified"], 3), r["chapter"], r["id"]))
    rows = []
    for r in recs:
        c = r.get("certificate") or {}
        lo, hi = c.get("lower"), c.get("upper")
        encl = (f"[{lo:.10g}, {hi:.10g}]" if lo is not None and hi is not None else
                f"≥ {lo:.10g}" if lo is not None else f"≤ {hi:.10g}" if hi is not None else "—")
        seeds = r.get("seeds")
        rows.append(
            f"<div class='ntkbook-cert'><p>{_id_link(r['id'], link)} <small>({html.escape(r['kind'])}"
            f", {html.escape(r['status'])})</small> — <b>{html.escape(r['certified'])}</b>: "
            f"{html.escape(c.get('statement', ''))}</p>"
            f"<p class='mathjax_process'>claim: {_math(r['statement'])}</p>"
            f"<p><small>enclosure <code>{html.escape(encl)}</code>; method: "
            f"{html.escape(c.get('method', ''))}</small></p>"
            f"<p><small>exact inputs: sha256 <code>{html.escape(str(c.get('inputs', '—')))}</code>"
            f", made by <code>{html.escape(r.get('function') or '')}</code> on "
            f"{html.escape(r.get('_doc', '').split('/', 1)[-1])}"
            + (f", seeds {html.escape(str(seeds))}" if seeds else "") + "</small></p></div>")
    n = {v: sum(r["certified"] == v for r in recs) for v in order}
    return (f"<p>{n['proved']} proved, {n['undecided']} undecided, {n['disproved']} disproved "
            f"(a disproof fails the build).</p>"
            "<div class='ntkbook-certificates'>" + "".join(rows) + "</div>")

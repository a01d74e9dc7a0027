"""Sphinx extension for the ntkbook Jupyter Book.

* keys the notebook execution cache and the ledger directory on a hash of the ``ntkbook``
  sources, so a change in the package never reuses old outputs (jupyter-cache itself keys only
  on notebook code) and re-reads every page;
* provides the ``{ntkbook-ledger}`` directive: the Claims ledger page, built after every notebook
  has executed, from the records of the current build; a violated, stale or missing record is
  shown as such and raises a Sphinx warning (an error under ``-W``);
* serves MathJax from the book itself (no internet needed to typeset).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from . import ledger as _ledger

logger = logging.getLogger(__name__)


class ledger_placeholder(nodes.General, nodes.Element):
    pass


class LedgerDirective(SphinxDirective):
    has_content = False

    def run(self):
        return [ledger_placeholder()]


def _build_root(app) -> Path:
    return Path(app.outdir).resolve().parent


def on_config_inited(app, config):
    h = _ledger.package_hash()
    root = _build_root(app)
    config.nb_execution_cache_path = str(root / ".jupyter_cache" / h)
    ledger_dir = root / "ledger" / h
    ledger_dir.mkdir(parents=True, exist_ok=True)
    os.environ["NTKBOOK_LEDGER_DIR"] = str(ledger_dir)
    os.environ.setdefault("MPLBACKEND", "Agg")
    app.ntkbook_hash = h
    app.ntkbook_ledger_dir = ledger_dir
    config.html_static_path = list(config.html_static_path) + [str(Path(__file__).parent / "_static")]
    try:
        import mathjax  # django-static-mathjax: the MathJax 3 distribution on PyPI

        src = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
        if src.exists():
            app.ntkbook_mathjax = src
            config.mathjax_path = "mathjax/tex-mml-chtml.js"
    except ImportError:
        logger.warning("django-static-mathjax is not installed: math needs MathJax from the internet")


def on_env_get_outdated(app, env, added, changed, removed):
    outdated = set()
    if getattr(env, "ntkbook_hash", None) != app.ntkbook_hash:
        outdated |= set(env.found_docs)  # the package changed: every executed page is stale
    env.ntkbook_hash = app.ntkbook_hash
    for doc in env.found_docs:
        if doc.endswith("ledger"):
            outdated.add(doc)  # the ledger page always reflects the current build
    return sorted(outdated - added - changed)


def _status_cell(text, ok):
    para = nodes.paragraph()
    para += nodes.strong(text=text) if not ok else nodes.Text(text)
    entry = nodes.entry()
    entry["classes"].append("ntkbook-ok" if ok else "ntkbook-bad")
    entry += para
    return entry


def _cell(content):
    entry = nodes.entry()
    if isinstance(content, nodes.Node):
        para = nodes.paragraph()
        para += content
        entry += para
    else:
        entry += nodes.paragraph(text=str(content))
    return entry


def on_doctree_resolved(app, doctree, docname):
    placeholders = list(doctree.findall(ledger_placeholder))
    if not placeholders:
        return
    env = app.env
    entries = {}
    for entry in _ledger.load(app.ntkbook_ledger_dir):
        entries[f"book/{entry['chapter']}/{entry['notebook']}"] = entry
    rows, counts = [], {}
    for doc in sorted(entries):
        entry = entries.get(doc)
        if entry is None:
            continue  # a notebook that records no claims (e.g. a figure-only page)
        stale = _ledger.staleness(entry)
        if doc not in env.found_docs:
            stale = "no such page in this build"
        for rec in entry["records"]:
            status = rec["status"] if not stale else f"stale ({stale})"
            ok = status in _ledger.STATUS_OK
            counts[status] = counts.get(status, 0) + 1
            if not ok:
                logger.warning(f"claims ledger: {rec['id']} is {status} (checked in {doc})",
                               location=docname)
            rows.append((rec, status, ok, doc))

    table = nodes.table(classes=["ntkbook-ledger", "full-width"])
    headers = ["claim", "status", "margin", "hypothesis met", "provenance", "checked", "where"]
    tgroup = nodes.tgroup(cols=len(headers))
    table += tgroup
    for _ in headers:
        tgroup += nodes.colspec(colwidth=1)
    thead = nodes.thead()
    row = nodes.row()
    for h in headers:
        row += _cell(h)
    thead += row
    tgroup += thead
    tbody = nodes.tbody()
    for rec, status, ok, doc in rows:
        row = nodes.row()
        row += _cell(nodes.literal(text=rec["id"]))
        row += _status_cell(status, ok)
        row += _cell(_ledger.format_margin(rec["margin"], status, rec["rel"]))
        row += _cell({True: "yes", False: "no", None: "n/a"}[rec["hypothesis_met"]])
        row += _cell(_ledger.PROVENANCE.get(rec["provenance"], rec["provenance"]))
        row += _cell(str(rec["count"]))
        try:
            uri = app.builder.get_relative_uri(docname, doc)
        except Exception:  # noqa: BLE001 - non-HTML builders
            uri = doc
        ref = nodes.reference(text=doc.split("/", 1)[-1], refuri=uri)
        row += _cell(ref)
        tbody += row
    tgroup += tbody
    total = sum(counts.values())
    summary = nodes.paragraph(text=f"{total} claims in this build: " + ", ".join(
        f"{n} {s}" for s, n in sorted(counts.items())) + f". Package version hash {app.ntkbook_hash}.")
    for ph in placeholders:
        ph.replace_self([summary, table])


def on_build_finished(app, exc):
    src = getattr(app, "ntkbook_mathjax", None)
    if exc is None and src is not None and app.builder.format == "html":
        dst = Path(app.outdir) / "_static" / "mathjax"
        if not (dst / "tex-mml-chtml.js").exists():
            shutil.copytree(src, dst, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("*.map"))


def escape_docstring_bars(app, what, name, obj, options, lines):
    """ntkbook docstrings write norms and absolute values as in the papers, ``|x|`` and ``‖x‖``;
    reStructuredText would read ``|x|`` as a substitution, so escape the bars of ntkbook's own
    docstrings (autodoc-process-docstring)."""
    if not name.startswith("ntkbook"):
        return
    lines[:] = [line.replace("\\|", "|").replace("|", "\\|") for line in lines]


def setup(app):
    # page titles with math appear in every page's navigation: load MathJax everywhere
    app.set_html_assets_policy("always")
    app.add_node(ledger_placeholder)
    app.add_css_file("ntkbook.css")
    app.add_directive("ntkbook-ledger", LedgerDirective)
    app.connect("config-inited", on_config_inited, priority=400)
    app.connect("env-get-outdated", on_env_get_outdated)
    app.connect("doctree-resolved", on_doctree_resolved)
    app.connect("build-finished", on_build_finished)
    app.setup_extension("sphinx.ext.autodoc")          # the API page documents ntkbook
    app.connect("autodoc-process-docstring", escape_docstring_bars)
    return {"version": "0.1", "parallel_read_safe": False, "parallel_write_safe": True}

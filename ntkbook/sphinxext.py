"""Sphinx extension for the ntkbook Jupyter Book.

* keys the notebook execution cache on :func:`ntkbook.ledger.build_key` — the ``ntkbook`` sources,
  ``NTKBOOK_SCALE``, ``NTKBOOK_DEVICE``, ``NTKBOOK_THREADS`` and the numpy/scipy/torch versions —
  so results of another version, scale, device or library are never reused (jupyter-cache itself
  keys only on notebook code), and re-reads every page when the key changes;
* reads the claims of each executed notebook from its output metadata (records travel with the
  executed notebook, so the cache and the ledger can never disagree), and fails the build when a
  notebook opens a ledger but records nothing, when records are stale, when a claim id is
  recorded twice or a falsifiable claim names no existing negative control;
* directives, all resolved after every notebook has executed:

  - ``{ntkbook-ledger}`` — the Claims ledger page: run environment, headline, kind × status
    table, every record;
  - ``{ntkbook-summary} <chapter>`` — a chapter's headline and kind × status table;
  - ``{ntkbook-proof-graph} <claim id>`` — the proof of a theorem as a directed graph, drawn by
    :mod:`ntkbook.proofgraph` like a Lean blueprint (layered inline SVG, fill = status, border =
    hypothesis, "fully checked" nodes, a legend with counts), each node linked to where it is
    checked;
  - ``{ntkbook-claim-index}`` — id → kind → statement → page → function → control test;
* serves MathJax from the book itself (no internet needed to typeset).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from . import explorer
from . import ledger as _ledger

logger = logging.getLogger(__name__)


class ntkbook_placeholder(nodes.General, nodes.Element):
    """Replaced at doctree-resolved time by :func:`on_doctree_resolved`."""


class _Placeholder(SphinxDirective):
    has_content = False
    what = ""

    def run(self):
        env = self.env
        if not hasattr(env, "ntkbook_dynamic"):
            env.ntkbook_dynamic = set()
        env.ntkbook_dynamic.add(env.docname)
        return [ntkbook_placeholder(what=self.what, arg=" ".join(self.arguments))]


class LedgerDirective(_Placeholder):
    what = "ledger"


class ClaimIndexDirective(_Placeholder):
    what = "index"


class SummaryDirective(_Placeholder):
    required_arguments = 1
    what = "summary"


class FindingsDirective(_Placeholder):
    what = "findings"


class CertificatesDirective(_Placeholder):
    what = "certificates"


class ProofGraphDirective(_Placeholder):
    required_arguments = 1
    what = "graph"


# -- keys and records ------------------------------------------------------------------------------
def _build_root(app) -> Path:
    return Path(app.outdir).resolve().parent


def on_config_inited(app, config):
    env = _ledger.run_environment()
    key = _ledger.build_key(env)
    root = _build_root(app)
    config.nb_execution_cache_path = str(root / ".jupyter_cache" / key)
    app.ntkbook_hash = key
    app.ntkbook_environment = env
    config.html_static_path = list(config.html_static_path) + [str(Path(__file__).parent / "_static")]
    try:
        import mathjax  # django-static-mathjax: the MathJax 3 distribution on PyPI

        src = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
        if src.exists():
            app.ntkbook_mathjax = src
            config.mathjax_path = "mathjax/tex-mml-chtml.js"
    except ImportError:
        logger.warning("django-static-mathjax is not installed: math needs MathJax from the internet")


def _records(env) -> dict:
    if not hasattr(env, "ntkbook_records"):
        env.ntkbook_records = {}
    return env.ntkbook_records


def on_doctree_read(app, doctree):
    """Take the claims of the page just read from its executed outputs (fresh or from the
    execution cache): each claim's HTML output embeds its record (:func:`ntkbook.ledger.embed`)."""
    headers, records = [], []
    for node in doctree.findall(nodes.raw):
        if "html" in node.get("format", ""):
            h, r = _ledger.records_from_html(node.astext())
            headers += h
            records += r
    if headers or records:
        _records(app.env)[app.env.docname] = {"headers": headers, "records": records}


def on_env_purge_doc(app, env, docname):
    _records(env).pop(docname, None)
    getattr(env, "ntkbook_dynamic", set()).discard(docname)


def on_env_get_outdated(app, env, added, changed, removed):
    outdated = set()
    if getattr(env, "ntkbook_hash", None) != app.ntkbook_hash:
        outdated |= set(env.found_docs)  # package or run environment changed: every page is stale
    env.ntkbook_hash = app.ntkbook_hash
    outdated |= set(getattr(env, "ntkbook_dynamic", set())) & set(env.found_docs)
    return sorted(outdated - added - changed)


def problems(app, env) -> list[str]:
    """Why the records of this build cannot be shown as current (empty when they can)."""
    out = []
    by_doc = _records(env)
    for doc, entry in sorted(by_doc.items()):
        if doc not in env.found_docs:
            continue
        if entry["headers"] and not entry["records"]:
            out.append(f"{doc}: the notebook opens a Ledger but recorded no claim")
        for header in entry["headers"]:
            stale = _ledger.staleness(header, app.ntkbook_hash)
            if stale:
                out.append(f"{doc}: records are stale ({stale})")
        for rec in entry["records"]:
            if rec["status"] not in _ledger.STATUS_OK:
                out.append(f"{doc}: claim {rec['id']} is {rec['status']}")
    out += _ledger.audit(all_records(env))
    return out


def all_records(env) -> list[dict]:
    recs = []
    for doc, entry in sorted(_records(env).items()):
        if doc in env.found_docs:
            recs += [{**r, "_doc": doc} for r in entry["records"]]
    return recs


def on_env_updated(app, env):
    found = problems(app, env)
    for p in found:
        logger.warning(f"claims ledger: {p}")
    app.ntkbook_problems = found
    return []


def on_build_finished(app, exc):
    src = getattr(app, "ntkbook_mathjax", None)
    if exc is None and src is not None and app.builder.format == "html":
        dst = Path(app.outdir) / "_static" / "mathjax"
        if not (dst / "tex-mml-chtml.js").exists():
            shutil.copytree(src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.map"))
    if exc is None and app.builder.format == "html":
        recs = all_records(app.env)
        out = Path(app.outdir).parent / "ledger.json"
        out.write_text(json.dumps({"environment": app.ntkbook_environment,
                                   "build_key": app.ntkbook_hash, "claims": recs}, indent=1,
                                  default=str))
    found = getattr(app, "ntkbook_problems", [])
    if exc is None and found:
        # not only a warning: `make book` (no -W) must fail as well
        raise ExtensionError("the claims ledger of this build cannot be shown as current:\n  "
                             + "\n  ".join(found))


# -- rendering helpers -------------------------------------------------------------------------------
def _cell(content, classes=()):
    entry = nodes.entry(classes=list(classes))
    if isinstance(content, nodes.Node):
        para = nodes.paragraph()
        para += content
        entry += para
    else:
        entry += nodes.paragraph(text=str(content))
    return entry


def _table(headers, rows, classes=("ntkbook-ledger",)):
    table = nodes.table(classes=list(classes))
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
    for cells in rows:
        row = nodes.row()
        for c in cells:
            row += c if isinstance(c, nodes.entry) else _cell(c)
        tbody += row
    tgroup += tbody
    return table


def _status_class(status: str) -> str:
    if status in _ledger.STATUS_GOOD:
        return "ntkbook-ok"
    return "ntkbook-bad" if status not in _ledger.STATUS_OK else "ntkbook-open"


def _kind_status_table(records):
    counts = _ledger.kind_status_counts(records)
    statuses = [s for s in _ledger.STATUSES if any(k[1] == s for k in counts)]
    kinds = [k for k in _ledger.KINDS if any(c[0] == k for c in counts)]
    rows = []
    for k in kinds:
        cells = [nodes.entry("", nodes.paragraph(text=k))]
        cells += [str(counts.get((k, s), "")) for s in statuses]
        cells.append(str(sum(counts.get((k, s), 0) for s in statuses)))
        rows.append(cells)
    totals = ["total"] + [str(sum(counts.get((k, s), 0) for k in kinds)) for s in statuses]
    rows.append(totals + [str(sum(counts.values()))])
    return _table(["kind"] + statuses + ["total"], rows, classes=("ntkbook-kinds",))


def anchor(claim_id: str) -> str:
    """The HTML id of a claim's output line (see :meth:`ntkbook.ledger.Record._repr_html_`)."""
    return _ledger.anchor(claim_id)


def _uri(app, fromdoc, todoc, target=None):
    try:
        uri = app.builder.get_relative_uri(fromdoc, todoc)
    except Exception:  # noqa: BLE001 - non-HTML builders
        uri = todoc
    return uri + (f"#{target}" if target else "")


def _ledger_page(app, docname, records):
    env = app.ntkbook_environment
    return [nodes.paragraph(text=(
        f"{len(records)} claims in this build (run environment: NTKBOOK_SCALE={env['scale']}, "
        f"device {env['device']}, {env['threads']} thread(s), Python {env['python']}, numpy "
        f"{env['numpy']}, scipy {env['scipy']}, torch {env['torch']}; build key "
        f"{app.ntkbook_hash}).")),
        nodes.paragraph("", "", nodes.strong(text=_ledger.headline(records))),
        _kind_status_table(records),
        explorer.explorer(explorer.in_book_order(app.env, records),
                          lambda doc, target: _uri(app, docname, doc, target))]


def _summary(app, records, chapter):
    recs = [r for r in records if r["chapter"] == chapter]
    if not recs:
        raise ExtensionError(f"ntkbook-summary: no claims recorded for chapter {chapter!r}")
    return [nodes.paragraph(text=f"{len(recs)} claims. " + _ledger.headline(recs)),
            _kind_status_table(recs)]


def _claim_index(app, docname, records):
    titles = {}
    for chapter in {r["chapter"] for r in records}:
        title = app.env.titles.get(f"book/{chapter}/index")
        if title is not None:
            titles[chapter] = title.astext()
    ledger_doc = "book/ledger" if "book/ledger" in app.env.found_docs else None
    return explorer.claim_index(explorer.in_book_order(app.env, records),
                                lambda doc, target: _uri(app, docname, doc, target),
                                titles, _uri(app, docname, ledger_doc) if ledger_doc else None)


# -- proof graphs (drawn by ntkbook.proofgraph) ----------------------------------------------------
def _theorem_boxes(app) -> dict:
    """sphinx-proof's boxes by label: type, title (from the doctrees, read once a build), page."""
    boxes = getattr(app, "_ntkbook_theorem_boxes", None)
    if boxes is not None:
        return boxes
    proofs = getattr(app.env, "proof_list", {})
    boxes = {label: {"type": info.get("realtype"), "doc": info["docname"]}
             for label, info in proofs.items()}
    for doc in sorted({b["doc"] for b in boxes.values()}):
        try:
            doctree = app.env.get_doctree(doc)
        except Exception:  # noqa: BLE001 - a page not pickled yet: labels from the ids then
            continue
        for node in doctree.findall(nodes.Element):
            label = node.get("label")
            if label in boxes and "realtype" in node.attributes and node.get("title"):
                boxes[label]["title"] = str(node["title"])
    app._ntkbook_theorem_boxes = boxes
    return boxes


def _proof_graph_nodes(app, docname, records, root):
    from . import proofgraph

    boxes = _theorem_boxes(app)
    targets = {}
    for r in records:
        targets.setdefault(r.get("base_id") or r["id"], (r["_doc"], anchor(r["id"])))

    def link(node):
        if node in targets:
            return _uri(app, docname, *targets[node])
        if node in boxes:
            return _uri(app, docname, boxes[node]["doc"], node)
        return None

    try:
        markup, caption = proofgraph.graph_html(records, root, link, boxes)
    except proofgraph.ProofGraphError as e:
        raise ExtensionError(str(e)) from e
    return [nodes.raw("", markup, format="html"), nodes.paragraph(text=caption)]


def _findings_nodes(app, docname, records, what):
    """The findings page's verdict cards, or the certificates of "What is proved here"
    (:mod:`ntkbook.findings`), from this build's records."""
    from . import findings

    def link(claim_id):
        rec = next((r for r in records if r["id"] == claim_id), None)
        return _uri(app, docname, rec["_doc"], anchor(claim_id)) if rec else None

    if what == "certificates":
        body = findings.certificates_html(records, link)
    else:
        gaps = findings.atlas_gaps(findings.glue_values(app.outdir, findings.ATLAS_DOC))
        proved = _uri(app, docname, "book/proved") if "book/proved" in app.env.found_docs else ""
        body = findings.findings_html(records, link, gaps, proved)
    return [nodes.raw("", body, format="html")]


def on_doctree_resolved(app, doctree, docname):
    placeholders = list(doctree.findall(ntkbook_placeholder))
    if not placeholders:
        return
    records = all_records(app.env)
    for ph in placeholders:
        what, arg = ph["what"], ph["arg"]
        if what == "ledger":
            new = _ledger_page(app, docname, records)
        elif what == "summary":
            new = _summary(app, records, arg)
        elif what == "index":
            new = _claim_index(app, docname, records)
        elif what in ("findings", "certificates"):
            new = _findings_nodes(app, docname, records, what)
        else:
            new = _proof_graph_nodes(app, docname, records, arg)
        ph.replace_self(new)


def escape_docstring_bars(app, what, name, obj, options, lines):
    """ntkbook docstrings write norms and absolute values as in the papers, ``|x|`` and ``‖x‖``;
    reStructuredText would read ``|x|`` as a substitution, so escape the bars of ntkbook's own
    docstrings (autodoc-process-docstring)."""
    if not name.startswith("ntkbook"):
        return
    lines[:] = [line.replace("\\|", "|").replace("|", "\\|") for line in lines]


# ------------------------------------------------------------------------------------------------
# cross-references in the package's docstrings
# ------------------------------------------------------------------------------------------------
#: libraries the docstrings cite by name; the book is built offline (no intersphinx), so a reference
#: to one of them is shown as code instead of failing the nitpicky build
EXTERNAL_PREFIXES = ("scipy.", "sklearn.", "numpy.", "torch.", "joblib.", "networkx.", "sympy.",
                     "dask.", "matplotlib.", "functools.", "itertools.", "dataclasses.")


def _import_target(path: str):
    """The object named by a dotted path (a module, then attributes), or None."""
    import importlib

    parts = path.split(".")
    if not all(parts):
        return None
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except (ImportError, ValueError):
            continue
        try:
            for name in parts[i:]:
                obj = getattr(obj, name)
        except AttributeError:
            return None
        return obj
    return None


def _canonical(path: str, obj) -> str:
    """Where ``obj`` is documented: its defining module and qualified name (a re-export such as
    ``ntkbook.du2019.m_theorem`` is documented as ``ntkbook.du2019.gradient_descent.m_theorem``);
    an attribute without its own module keeps its owner's canonical path."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str) and "<" not in qualname:
        return f"{module}.{qualname}"
    owner_path, _, name = path.rpartition(".")
    owner = _import_target(owner_path)
    return f"{_canonical(owner_path, owner)}.{name}" if owner is not None else path


def resolve_package_reference(app, env, node, contnode):
    """``missing-reference``: resolve a Python reference to an ntkbook object through the module
    that defines it. The chapter packages re-export their sections' functions (``ntkbook.du2019``
    re-exports ``ntkbook.du2019.gradient_descent.m_theorem``) and docstrings name siblings by their
    short name (``cond9_needed`` inside ``ntkbook.nguyen2021.errata``): both are looked up from the
    referring module outwards. A reference that names an existing but undocumented object (a
    module constant) or an external library is shown as code; anything else stays a warning."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    if target.startswith(EXTERNAL_PREFIXES):
        return contnode
    module = node.get("py:module") or ""
    if target.startswith("ntkbook."):
        candidates = [target]
    else:
        parts = module.split(".") if module.startswith("ntkbook") else []
        candidates = [".".join(parts[:i] + [target]) for i in range(len(parts), 0, -1)]
    domain = env.get_domain("py")
    for path in candidates:
        obj = _import_target(path)
        if obj is None:
            continue
        canonical = _canonical(path, obj)
        found = domain.resolve_xref(env, node["refdoc"], app.builder, "obj", canonical, node,
                                    contnode)
        return found if found is not None else contnode
    return None


def setup(app):
    # page titles with math appear in every page's navigation: load MathJax everywhere
    app.set_html_assets_policy("always")
    app.add_node(ntkbook_placeholder)
    app.add_css_file("ntkbook.css")
    app.add_directive("ntkbook-ledger", LedgerDirective)
    app.add_directive("ntkbook-summary", SummaryDirective)
    app.add_directive("ntkbook-proof-graph", ProofGraphDirective)
    app.add_directive("ntkbook-claim-index", ClaimIndexDirective)
    app.add_directive("ntkbook-findings", FindingsDirective)
    app.add_directive("ntkbook-certificates", CertificatesDirective)
    app.setup_extension("ntkbook.explorer")           # the claim explorer's script and style
    app.setup_extension("ntkbook.buildstatus")        # {ntkbook-build-status}, .ipynb downloads
    app.connect("config-inited", on_config_inited, priority=400)
    app.connect("doctree-read", on_doctree_read)
    app.connect("env-purge-doc", on_env_purge_doc)
    app.connect("env-get-outdated", on_env_get_outdated)
    app.connect("env-updated", on_env_updated)
    app.connect("doctree-resolved", on_doctree_resolved)
    app.connect("build-finished", on_build_finished)
    app.setup_extension("sphinx.ext.autodoc")          # the API page documents ntkbook
    app.connect("autodoc-process-docstring", escape_docstring_bars)
    app.connect("missing-reference", resolve_package_reference)
    return {"version": "0.2", "parallel_read_safe": False, "parallel_write_safe": True,
            "env_version": 2}


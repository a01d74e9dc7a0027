"""Run it yourself: every notebook page offers its executed notebook as ``.ipynb``.

Each notebook page gets, next to its HTML, ``<page>.ipynb``: the page's source read as myst-nb
reads it, with the outputs of this build merged in from the execution cache (the notebook myst-nb
itself writes to ``_build/jupyter_execute`` carries no outputs when they come from the cache). The
page shows a "Download the executed notebook (.ipynb)" line under its title, and the theme's
download menu an ``.ipynb`` entry. The notebook re-runs as is wherever ``ntkbook`` is installed
(``tests/test_downloads.py`` re-executes one and compares its claims).
"""
from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: where the book explains how to run a chapter (linked from each download line when present)
HOWTO_DOC, HOWTO_ANCHOR = "book/intro", "running-a-chapter-yourself"


def is_notebook(app, docname: str) -> bool:
    return bool(app.env.metadata.get(docname, {}).get("kernelspec"))


def _outputs(nb) -> int:
    return sum(len(c.get("outputs", [])) for c in nb.cells if c.cell_type == "code")


def executed_notebook(app, docname: str):
    """The executed notebook of ``docname`` (an ``nbformat`` notebook), None for a page without
    a kernel or without executed outputs in this build."""
    if not is_notebook(app, docname):
        return None
    import nbformat

    config = app.env.mystnb_config
    path = Path(app.env.doc2path(docname))
    executed = None
    if config.execution_mode == "cache" and config.execution_cache_path:
        from jupyter_cache import get_cache
        from myst_nb.core.read import create_nb_reader

        text = path.read_text(encoding="utf-8")
        reader = create_nb_reader(str(path), app.env.myst_config, config, text)
        if reader is not None:
            try:
                _, executed = get_cache(config.execution_cache_path).merge_match_into_notebook(
                    reader.read(text))
            except KeyError:   # not in the cache: executed with errors, or excluded
                executed = None
    if executed is None:       # another execution mode: myst-nb's own copy holds the outputs
        folder = Path(config.output_folder or Path(app.outdir).parent / "jupyter_execute")
        written = folder.joinpath(*docname.split("/")).with_suffix(".ipynb")
        if written.is_file():
            executed = nbformat.read(written, as_version=4)
    if executed is None or not _outputs(executed):
        return None
    executed.metadata.pop("source_map", None)    # myst-nb's line numbers of the source cells
    return executed


def download_line(app, docname: str) -> nodes.raw:
    name = docname.rsplit("/", 1)[-1] + ".ipynb"
    howto = ""
    if HOWTO_DOC in app.env.found_docs and HOWTO_DOC != docname:
        try:
            uri = app.builder.get_relative_uri(docname, HOWTO_DOC)
            howto = (f' — re-run it with <code>ntkbook</code> installed (<a href="{uri}#'
                     f'{HOWTO_ANCHOR}">running a chapter yourself</a>)')
        except Exception:  # noqa: BLE001 - a builder without URIs
            howto = ""
    return nodes.raw("", f'<p class="ntkbook-download"><a href="{name}" download="{name}">'
                         f'Download the executed notebook (.ipynb)</a>{howto}</p>', format="html")


def on_doctree_resolved(app, doctree, docname):
    """A download line under the title of every notebook page."""
    if app.builder.format != "html" or not is_notebook(app, docname):
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not section.children or not isinstance(section[0], nodes.title):
        return
    section.insert(1, download_line(app, docname))


def on_html_page_context(app, pagename, templatename, context, doctree):
    """Copy the executed notebook next to the page and list it in the theme's download menu
    (sphinx-book-theme links ``_sources/<ipynb_source>``: the path climbs out of ``_sources``)."""
    if not is_notebook(app, pagename):
        return
    nb = executed_notebook(app, pagename)
    if nb is None:
        logger.warning(f"{pagename}: no executed notebook to offer for download",
                       location=pagename)
        return
    import nbformat

    dst = Path(app.outdir).joinpath(*pagename.split("/")).with_suffix(".ipynb")
    dst.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dst)
    context["ipynb_source"] = f"../{pagename}.ipynb"


def setup(app):
    app.connect("doctree-resolved", on_doctree_resolved)
    # before sphinx-book-theme's header buttons (priority 501) read ipynb_source
    app.connect("html-page-context", on_html_page_context, priority=450)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}

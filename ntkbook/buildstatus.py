"""The build status page (``{ntkbook-build-status}``): what this build ran, where and how.

Per notebook of the build — every page with a kernel, whether it records claims or not — its run
time and cache state (executed in this build, taken from the execution cache, or a page left
unchanged from an earlier build), read from the execution data myst-nb keeps for each page
(``env.nb_metadata[docname]["exec_data"]``), and its claims by status; then the build itself: the
commit, the date, the versions of Python and of the stack, the hardware and the run environment
(:func:`ntkbook.ledger.run_environment`).

Resolved after every notebook has executed, like the ledger, and re-read on every build.
"""
from __future__ import annotations

import html
import os
import platform
import subprocess
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from . import explorer
from . import ledger as _ledger

#: the packages whose versions the page names
PACKAGES = ("numpy", "scipy", "torch", "myst-nb", "jupyter-book", "sphinx", "jupyter-cache",
            "nbclient", "python-flint")


class ntkbook_build_status(nodes.General, nodes.Element):
    """Replaced at doctree-resolved time by :func:`on_doctree_resolved`."""


class BuildStatusDirective(SphinxDirective):
    has_content = False

    def run(self):
        env = self.env
        if not hasattr(env, "ntkbook_dynamic"):
            env.ntkbook_dynamic = set()
        env.ntkbook_dynamic.add(env.docname)     # re-read on every build (ntkbook.sphinxext)
        return [ntkbook_build_status()]


# -- facts about the build -------------------------------------------------------------------------
def commit(root) -> str:
    """``git rev-parse HEAD`` of the book's sources ("+ uncommitted changes" when the work tree
    differs from it), "unknown" outside a git checkout."""
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=20)
        if head.returncode != 0:
            return "unknown"
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    sha = head.stdout.strip()
    return sha + (" + uncommitted changes" if dirty.returncode == 0 and dirty.stdout.strip() else "")


def versions() -> dict:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _read(path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def hardware() -> dict:
    """Machine, cores, memory (``/proc/meminfo``) and CPU model (``/proc/cpuinfo``) where Linux
    tells them; "unknown" otherwise."""
    memory = "unknown"
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            kib = int(line.split()[1])
            memory = f"{kib / 2**20:.1f} GiB"
            break
    model = "unknown"
    for line in _read("/proc/cpuinfo").splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "cpu model", "Hardware") and value.strip():
            model = value.strip()
            break
    if model == "unknown" and platform.processor():
        model = platform.processor()
    return {"machine": platform.machine() or "unknown", "system": platform.system() or "unknown",
            "cores": str(os.cpu_count() or "unknown"), "memory": memory, "cpu": model}


# -- the notebooks of the build --------------------------------------------------------------------
def notebook_docs(app) -> list[str]:
    """Every page of the build that is a notebook (has a kernel) or records claims, in the order of
    the table of contents."""
    env = app.env
    nb_meta = getattr(env, "nb_metadata", {})
    records = getattr(env, "ntkbook_records", {})
    docs = {d for d in env.found_docs
            if env.metadata.get(d, {}).get("kernelspec") or (nb_meta.get(d) or {}).get("exec_data")
            or d in records}
    order = {d: i for i, d in enumerate(explorer.toc_order(env))}
    return sorted(docs, key=lambda d: (order.get(d, len(order)), d))


def cache_state(app, doc: str, exec_data) -> str:
    if not exec_data:
        return "not executed (no execution data)"
    when = datetime.fromtimestamp(exec_data["mtime"]).strftime("%Y-%m-%d %H:%M")
    if exec_data.get("succeeded") is False:
        return f"failed ({exec_data.get('error') or 'error'})"
    if doc not in getattr(app, "ntkbook_read_docs", set()):
        return f"unchanged page of an earlier build (executed {when})"
    if exec_data["mtime"] >= getattr(app, "ntkbook_build_start", 0):
        return "executed in this build"
    return f"from the execution cache (executed {when})"


def _runtime(seconds) -> str:
    if seconds is None:
        return "—"
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _status_tally(recs) -> str:
    tally: dict = {}
    for r in recs:
        tally[r["status"]] = tally.get(r["status"], 0) + 1
    return ", ".join(f"{tally[s]} {s}" for s in _ledger.STATUSES if s in tally) or "—"


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def status_html(app, docname: str, records) -> str:
    env = app.env
    nb_meta = getattr(env, "nb_metadata", {})
    by_doc: dict = {}
    for r in records:
        by_doc.setdefault(r["_doc"], []).append(r)
    rows, total_time, states = [], 0.0, {}
    for doc in notebook_docs(app):
        data = (nb_meta.get(doc) or {}).get("exec_data")
        state = cache_state(app, doc, data)
        key = state.split(" (")[0]
        states[key] = states.get(key, 0) + 1
        runtime = data.get("runtime") if data else None
        total_time += runtime or 0.0
        recs = by_doc.get(doc, [])
        try:
            uri = app.builder.get_relative_uri(docname, doc)
        except Exception:  # noqa: BLE001 - non-HTML builders
            uri = doc
        rows.append(f'<tr><td><a href="{_esc(uri)}">{_esc(doc.split("/", 1)[-1])}</a></td>'
                    f'<td class="ntkbook-num">{_runtime(runtime)}</td><td>{_esc(state)}</td>'
                    f'<td class="ntkbook-num">{len(recs) or "—"}</td>'
                    f'<td>{_esc(_status_tally(recs))}</td></tr>')
    rows.append(f'<tr class="ntkbook-total"><td><strong>{len(rows)} notebooks</strong></td>'
                f'<td class="ntkbook-num"><strong>{_runtime(total_time)}</strong></td>'
                f'<td>{_esc(", ".join(f"{n} {s}" for s, n in states.items()))}</td>'
                f'<td class="ntkbook-num"><strong>{len(records)}</strong></td>'
                f'<td>{_esc(_status_tally(records))}</td></tr>')
    table = ('<div class="ntkbook-scroll"><table class="ntkbook-status">'
             '<thead><tr><th>notebook</th><th>run time</th><th>cache</th><th>claims</th>'
             f'<th>claims by status</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>')

    run = dict(getattr(app, "ntkbook_environment", None) or _ledger.run_environment())
    facts = [("commit", commit(app.srcdir)),
             ("built", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
             ("build key", getattr(app, "ntkbook_hash", "unknown")),
             ("package hash", _ledger.package_hash())]
    facts += [(f"{k}", v) for k, v in versions().items()]
    hw = hardware()
    facts += [("machine", f"{hw['machine']} ({hw['system']})"), ("CPU", hw["cpu"]),
              ("cores", hw["cores"]), ("memory", hw["memory"])]
    shown = {k for k, _ in facts}
    facts += [(f"run environment: {k}", v) for k, v in run.items() if k not in shown]
    dl = "".join(f"<tr><th>{_esc(k)}</th><td><code>{_esc(v)}</code></td></tr>" for k, v in facts)
    return (f'<h2 id="notebooks">Notebooks</h2>{table}'
            f'<h2 id="this-build">This build</h2>'
            f'<table class="ntkbook-status ntkbook-facts"><tbody>{dl}</tbody></table>')


# -- events ------------------------------------------------------------------------------------------
def on_builder_inited(app):
    app.ntkbook_build_start = time.time()
    app.ntkbook_read_docs = set()


def on_env_before_read_docs(app, env, docnames):
    app.ntkbook_read_docs = set(getattr(app, "ntkbook_read_docs", set())) | set(docnames)


def on_doctree_resolved(app, doctree, docname):
    found = list(doctree.findall(ntkbook_build_status))
    if not found:
        return
    from .sphinxext import all_records

    records = all_records(app.env)
    for node in found:
        node.replace_self(nodes.raw("", status_html(app, docname, records), format="html"))


def setup(app):
    app.add_node(ntkbook_build_status)
    app.add_directive("ntkbook-build-status", BuildStatusDirective)
    app.connect("builder-inited", on_builder_inited)
    app.connect("env-before-read-docs", on_env_before_read_docs)
    app.connect("doctree-resolved", on_doctree_resolved)
    from . import downloads

    downloads.setup(app)
    # env_version: a book built before these pages had download lines is re-read once (from the
    # execution cache), so that every notebook page gets one
    return {"version": "0.1", "parallel_read_safe": False, "parallel_write_safe": True,
            "env_version": 1}

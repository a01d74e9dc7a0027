"""Collect the book's jupytext MyST notebooks (``book/**/*.md`` with a kernelspec) for nbval, and
audit the claims they record.

nbval only collects ``.ipynb``; the book keeps its sources as jupytext Markdown, so this collector
reads them with jupytext in memory — no ``.ipynb`` is ever written into the tree.
Run them with ``pytest --nbval-lax --nbval-current-env book``.

When the notebooks run, their ledgers also write JSON records to ``_build/ledger/pytest``; at the
end of the session every record of the run is audited (:func:`ntkbook.ledger.audit`): a falsifiable
claim without an existing negative control, a claim id recorded twice, or a notebook that opens a
ledger and records nothing fails the session.
"""
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent
LEDGER_DIR = ROOT / "_build" / "ledger" / "pytest"
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("NTKBOOK_LEDGER_DIR", str(LEDGER_DIR))


def _runs_notebooks(config) -> bool:
    opt = config.option
    return bool(getattr(opt, "nbval", False) or getattr(opt, "nbval_lax", False))


def _is_jupytext_notebook(path: Path) -> bool:
    if path.suffix != ".md" or ROOT / "book" not in path.parents:
        return False
    head = path.read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and "kernelspec" in head and "jupytext" in head


def _is_xdist_worker(config) -> bool:
    """Under pytest-xdist (``make test`` runs notebooks on both cores) the controller owns the
    ledger directory: it clears it before the workers start and audits it after they finish."""
    return hasattr(config, "workerinput")


def pytest_sessionstart(session):
    if _runs_notebooks(session.config) and not _is_xdist_worker(session.config):
        shutil.rmtree(Path(os.environ["NTKBOOK_LEDGER_DIR"]), ignore_errors=True)


def pytest_sessionfinish(session, exitstatus):
    if not _runs_notebooks(session.config) or _is_xdist_worker(session.config):
        return
    from ntkbook import ledger as L

    entries = L.load(Path(os.environ["NTKBOOK_LEDGER_DIR"]))
    if not entries:
        return
    problems = [f"{e['chapter']}/{e['notebook']}: opens a Ledger but recorded no claim"
                for e in entries if not e["records"]]
    problems += L.audit([r for e in entries for r in e["records"]])
    n = sum(len(e["records"]) for e in entries)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    write = reporter.write_line if reporter else print
    write(f"claims ledger audit: {n} claims from {len(entries)} notebooks, {len(problems)} problem(s)")
    for p in problems:
        write(f"  {p}")
    if problems:
        session.exitstatus = 1


def pytest_collect_file(file_path, parent):
    if not _runs_notebooks(parent.config):
        return None
    if _is_jupytext_notebook(Path(file_path)):
        from nbval.plugin import IPyNbFile

        class JupytextNbFile(IPyNbFile):
            def collect(self):
                import jupytext
                import nbformat

                original = nbformat.read
                nbformat.read = lambda path, as_version=4: jupytext.read(path, fmt="md:myst")
                try:
                    yield from super().collect()
                finally:
                    nbformat.read = original

        return JupytextNbFile.from_parent(parent, path=file_path)
    return None

"""Collect the book's jupytext MyST notebooks (``book/**/*.md`` with a kernelspec) for nbval.

nbval only collects ``.ipynb``; the book keeps its sources as jupytext Markdown, so this collector
reads them with jupytext in memory — no ``.ipynb`` is ever written into the tree.
Run them with ``pytest --nbval-lax --nbval-current-env book``.
"""
import os
from pathlib import Path


ROOT = Path(__file__).resolve().parent
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("NTKBOOK_LEDGER_DIR", str(ROOT / "_build" / "ledger" / "pytest"))


def _is_jupytext_notebook(path: Path) -> bool:
    if path.suffix != ".md" or ROOT / "book" not in path.parents:
        return False
    head = path.read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and "kernelspec" in head and "jupytext" in head


def pytest_collect_file(file_path, parent):
    opt = parent.config.option
    if not (getattr(opt, "nbval", False) or getattr(opt, "nbval_lax", False)):
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

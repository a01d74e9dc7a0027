"""Run it yourself: the executed notebook a page offers for download re-runs as is and records the
same claims (ids and statuses) as the build did."""
import json
import subprocess

import nbformat
import pytest
from test_book import JB, jb_build, make_book  # tests/ is on sys.path (rootdir conftest)

from ntkbook import ledger as L


def _claims(nb) -> dict:
    _, records = L.records_from_notebook(nb)
    return {r["id"]: r["status"] for r in records}


@pytest.mark.slow
def test_the_downloaded_notebook_reruns_and_records_the_same_claims(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    book = make_book(tmp_path / "book", 0.5, allow_errors=False)
    res = jb_build(book)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    # the second build takes the outputs from the execution cache: the download must carry them
    subprocess.run([str(JB), "clean", str(book)], check=True, capture_output=True)
    res = jb_build(book)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "Executing notebook" not in res.stdout + res.stderr
    html_dir = book / "_build" / "html" / "book" / "testch"
    page = (html_dir / "01_nb.html").read_text()
    assert 'href="01_nb.ipynb"' in page and "Download the executed notebook (.ipynb)" in page
    downloaded = nbformat.read(html_dir / "01_nb.ipynb", as_version=4)
    built = _claims(downloaded)
    assert {"testch.bound", "testch.rate"} <= set(built), built
    assert set(built.values()) == {"holds"}, built

    # a reader's run: a fresh kernel in an empty directory, no ledger files written
    monkeypatch.delenv("NTKBOOK_LEDGER_DIR", raising=False)
    rerun = nbformat.from_dict(json.loads(json.dumps(downloaded)))
    for cell in rerun.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    assert _claims(rerun) == {}
    workdir = tmp_path / "reader"
    workdir.mkdir()
    NotebookClient(rerun, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(workdir)}}).execute()
    assert _claims(rerun) == built

"""The book machinery: a violated claim shows as violated on the ledger page and fails the build;
a stale record is refused; the verify CLI exits 1 on a violation; the project files agree."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ntkbook import ledger as L

ROOT = Path(__file__).resolve().parent.parent
JB = Path(sys.executable).parent / "jb"
HEAD = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def notebook(claim_lhs: float) -> str:
    return HEAD + f"""
# A test chapter

```{{code-cell}} ipython3
from ntkbook import Ledger
ledger = Ledger("testch", "01_nb")
ledger.check("testch.bound", lhs={claim_lhs}, rel="<=", rhs=1.0, statement="x <= 1", source="test",
             provenance="derived", hypothesis_met=True)
```
"""


def make_book(tmp: Path, lhs: float, allow_errors: bool) -> Path:
    (tmp / "book" / "testch").mkdir(parents=True)
    (tmp / "book" / "intro.md").write_text("# Test book\n")
    (tmp / "book" / "ledger.md").write_text("# Claims ledger\n\n```{ntkbook-ledger}\n```\n")
    (tmp / "book" / "testch" / "01_nb.md").write_text(notebook(lhs))
    (tmp / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                  "  - file: book/testch/01_nb\n  - file: book/ledger\n")
    (tmp / "_config.yml").write_text(f"""title: test
only_build_toc_files: true
execute:
  execute_notebooks: cache
  allow_errors: {str(allow_errors).lower()}
sphinx:
  extra_extensions: [ntkbook.sphinxext]
  config:
    nb_execution_raise_on_error: {str(not allow_errors).lower()}
""")
    return tmp


def jb_build(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(JB), "build", str(path), "--builder", "html", "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, timeout=600)


def ledger_page(path: Path) -> str:
    return (path / "_build" / "html" / "book" / "ledger.html").read_text()


@pytest.mark.slow
def test_holding_claim_builds_and_is_listed(tmp_path):
    book = make_book(tmp_path, 0.5, allow_errors=False)
    res = jb_build(book)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    page = ledger_page(book)
    assert "testch.bound" in page and "holds" in page and "1 claims in this build" in page
    assert (book / "_build" / "html" / "_static" / "mathjax" / "tex-mml-chtml.js").exists()
    assert (book / "_build" / "html" / "_static" / "ntkbook.css").exists() and "ntkbook.css" in page
    cache = list((book / "_build" / ".jupyter_cache").iterdir())
    assert [c.name for c in cache] == [L.package_hash()]  # the cache is keyed on the package


@pytest.mark.slow
def test_violated_claim_fails_the_build(tmp_path):
    res = jb_build(make_book(tmp_path, 2.0, allow_errors=False))
    assert res.returncode != 0
    assert "ClaimViolation" in res.stdout + res.stderr


@pytest.mark.slow
def test_violated_claim_shows_as_violated_even_when_errors_are_allowed(tmp_path):
    book = make_book(tmp_path, 2.0, allow_errors=True)
    res = jb_build(book)
    assert res.returncode != 0  # the ledger page's warning is an error under -W
    assert "testch.bound is violated" in res.stdout + res.stderr
    assert re.search(r"ntkbook-bad.*violated", ledger_page(book), re.S)


@pytest.mark.slow
def test_stale_record_is_refused(tmp_path):
    book = make_book(tmp_path, 0.5, allow_errors=False)
    assert jb_build(book).returncode == 0
    rec = next((book / "_build" / "ledger").glob("*/testch/01_nb.json"))
    data = json.loads(rec.read_text())
    data["package_hash"] = "0" * 16  # as if recorded by another version of ntkbook
    rec.write_text(json.dumps(data))
    res = jb_build(book)  # notebook code unchanged: the execution cache would be reused
    assert res.returncode != 0
    assert "stale" in ledger_page(book)


def test_verify_cli_exits_1_on_violation(tmp_path):
    for name, lhs in (("good", 0.5), ("bad", 2.0)):
        ch = tmp_path / "book" / name
        ch.mkdir(parents=True)
        (ch / "01_nb.md").write_text(notebook(lhs).replace('"testch"', f'"{name}"').replace("testch.", f"{name}."))
    run = lambda ch: subprocess.run([sys.executable, "-m", "ntkbook", "verify", "--chapter", ch,  # noqa: E731
                                     "--book", str(tmp_path / "book"), "--json", str(tmp_path / f"{ch}.json")],
                                    capture_output=True, text=True, timeout=300)
    good, bad = run("good"), run("bad")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "[1/1] good/01_nb.md ... ok" in good.stdout and "good.bound" in good.stdout
    assert json.loads((tmp_path / "good.json").read_text())["claims"][0]["status"] == "holds"
    assert bad.returncode == 1
    assert "ERROR" in bad.stdout and "violated" in bad.stdout


def _names(deps):
    return {re.split(r"[<>=!~ \[]", d.strip())[0].lower().replace("_", "-") for d in deps if d.strip()}


def test_environment_yml_mirrors_pyproject():
    import tomllib

    import yaml

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    py = _names(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        py |= _names(extra)
    env = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    conda = set()
    for d in env:
        if isinstance(d, dict):
            conda |= _names(x for x in d["pip"] if not x.startswith("-e"))
        else:
            conda |= _names([d])
    conda = {"torch" if c == "pytorch" else c for c in conda} - {"python", "pip", "cpuonly"}
    assert py == conda, f"only in pyproject: {py - conda}; only in environment.yml: {conda - py}"


def test_torch_is_pinned_to_the_cpu_build_everywhere():
    assert "torch==2.13.0" in (ROOT / "constraints.txt").read_text()
    assert "-c constraints.txt" in (ROOT / "Makefile").read_text()
    assert "pytorch=2.13.0" in (ROOT / "environment.yml").read_text()


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make book" in readme
    assert "make test" in ci and "-W" in (ROOT / "Makefile").read_text()


def test_every_chapter_notebook_is_in_the_toc_and_no_ipynb_is_tracked():
    toc = (ROOT / "_toc.yml").read_text()
    for chapter in (ROOT / "book").iterdir():
        if chapter.is_dir() and any(chapter.glob("[0-9]*.md")):
            assert f"book/{chapter.name}/[0-9]*" in toc, chapter.name
    tracked = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True).stdout
    assert tracked.strip() == ""


def test_docstring_bars_are_escaped_for_ntkbook_only():
    from ntkbook.sphinxext import escape_docstring_bars
    lines = ["P(|w·x| < R)", r"already \|x\|"]
    escape_docstring_bars(None, "function", "ntkbook.du2019.near_boundary", None, None, lines)
    assert lines == [r"P(\|w·x\| < R)", r"already \|x\|"]
    other = ["|sub|"]
    escape_docstring_bars(None, "function", "numpy.linalg.norm", None, None, other)
    assert other == ["|sub|"]


def test_display_math_stands_in_its_own_block():
    """MyST parses ``$$…$$`` as display math only at the start of a block: a ``$$`` line glued to the
    text above renders as raw dollars (seen on the errata page before this test)."""
    bad = []
    for p in sorted((ROOT / "book").rglob("*.md")):
        lines = p.read_text().split("\n")
        in_code = False
        for i, line in enumerate(lines):
            s = line.strip()
            if s.startswith("```{code-cell}"):
                in_code = True
            elif in_code and s == "```":
                in_code = False
            elif not in_code and s.startswith("$$") and i and lines[i - 1].strip() \
                    and "$$" not in lines[i - 1] and not lines[i - 1].strip().startswith(":"):
                bad.append(f"{p.relative_to(ROOT)}:{i + 1}")
    assert bad == [], f"put a blank line before display math at {bad}"

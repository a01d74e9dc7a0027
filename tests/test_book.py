"""The book machinery: a violated claim fails the build; records travel with the executed notebook
(so jb clean and another NTKBOOK_SCALE never show old or missing records as current); an empty
ledger fails the build; the kind × status tables, the claim index and a proof graph render; the
verify CLI exits 1 on a violation; the project files agree."""
import json
import re
import subprocess
import sys
import tempfile
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


def notebook(claim_lhs: float, chapter: str = "testch", record: bool = True) -> str:
    check = f"""
ledger.check("{chapter}.bound", kind="identity", lhs={claim_lhs}, rel="<=", rhs=1.0,
             statement="x \\le 1", source="test", provenance="derived", hypothesis_met=None,
             note="scale " + config.scale())
ledger.check("{chapter}.rate", kind="conclusion", lhs=0.5, rel="<=", rhs=1.0, statement="r",
             source="test", provenance="derived", hypothesis_met=True,
             control="tests/test_book.py::test_violated_claim_fails_the_build",
             depends_on=["{chapter}.bound", "testch-thm"])
ledger.check("{chapter}.slope", kind="scaling", lhs=0.5, rel="<=", rhs=1.0, statement="s",
             source="test", provenance="derived", hypothesis_met=None,
             control="tests/test_book.py::test_violated_claim_fails_the_build")
ledger.summary()
""" if record else ""
    return HEAD + f"""
# A test chapter

```{{prf:theorem}} Theorem 2.2 (test)
:label: testch-thm
:nonumber:

x
```

```{{code-cell}} ipython3
from ntkbook import Ledger, config
ledger = Ledger("{chapter}", "01_nb")
{check}
```
"""


EXTRA_PAGES = {
    "ledger": "# Claims ledger\n\n```{ntkbook-ledger}\n```\n",
    "index": "# Claim index\n\n```{ntkbook-claim-index}\n```\n",
    "summary": ("# Summary\n\n```{ntkbook-summary} testch\n```\n\n"
                "```{ntkbook-proof-graph} testch.rate\n```\n"),
}


def make_book(tmp: Path, lhs: float, allow_errors: bool, record: bool = True) -> Path:
    (tmp / "book" / "testch").mkdir(parents=True)
    (tmp / "book" / "intro.md").write_text("# Test book\n")
    for name, text in EXTRA_PAGES.items():
        (tmp / "book" / f"{name}.md").write_text(text)
    (tmp / "book" / "testch" / "01_nb.md").write_text(notebook(lhs, record=record))
    (tmp / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                  "  - file: book/testch/01_nb\n"
                                  + "".join(f"  - file: book/{n}\n" for n in EXTRA_PAGES))
    (tmp / "_config.yml").write_text(f"""title: test
only_build_toc_files: true
execute:
  execute_notebooks: cache
  allow_errors: {str(allow_errors).lower()}
  timeout: 600   # per cell: importing torch on a loaded machine can pass jb's default of 30 s
sphinx:
  extra_extensions: [sphinx_proof, ntkbook.sphinxext]
  config:
    nb_execution_raise_on_error: {str(not allow_errors).lower()}
""")
    return tmp


def jb_build(path: Path, strict: bool = True, env=None) -> subprocess.CompletedProcess:
    import os
    flags = ["-W", "-n", "--keep-going"] if strict else []
    env = {k: v for k, v in {**os.environ, **(env or {})}.items() if k != "NTKBOOK_LEDGER_DIR"}
    return subprocess.run([str(JB), "build", str(path), "--builder", "html", *flags],
                          capture_output=True, text=True, timeout=600, env=env)


def page(path: Path, name: str = "ledger") -> str:
    return (path / "_build" / "html" / "book" / f"{name}.html").read_text()


@pytest.mark.slow
def test_holding_claims_build_with_kinds_graph_index_and_survive_jb_clean(tmp_path):
    book = make_book(tmp_path, 0.5, allow_errors=False)
    res = jb_build(book)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    ledger = page(book)
    assert "testch.bound" in ledger and "3 claims in this build" in ledger
    # the headline counts only a computed True as met: the scaling with no hypothesis is apart
    assert "NTKBOOK_SCALE=small" in ledger and "1 tested with the hypothesis met" in ledger
    assert "1 with no hypothesis to meet" in ledger and "2 tested with the hypothesis" not in ledger
    assert "ntkbook-kinds" in ledger and "identity" in ledger and "claim-testch-rate" in ledger
    assert (book / "_build" / "html" / "_static" / "mathjax" / "tex-mml-chtml.js").exists()
    assert (book / "_build" / "html" / "_static" / "ntkbook.css").exists() and "ntkbook.css" in ledger
    cache = list((book / "_build" / ".jupyter_cache").iterdir())
    assert [c.name for c in cache] == [L.build_key()]  # keyed on package AND run environment
    summary = page(book, "summary")
    assert "<svg" in summary and "testch.rate" in summary and "testch-thm" in summary
    assert 'id="claim-testch-rate"' in (book / "_build" / "html" / "book" / "testch" / "01_nb.html").read_text()
    index = page(book, "index")
    assert "tests/test_book.py::test_violated_claim_fails_the_build" in index
    data = json.loads((book / "_build" / "ledger.json").read_text())
    assert len(data["claims"]) == 3 and data["environment"]["scale"] == "small"
    # jb clean keeps the execution cache and deletes the pages: the records come back with it
    subprocess.run([str(JB), "clean", str(book)], check=True, capture_output=True)
    assert not (book / "_build" / "html").exists()
    res = jb_build(book)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "3 claims in this build" in page(book)
    # another scale is another cache entry and is shown as such, never the old records
    res = jb_build(book, env={"NTKBOOK_SCALE": "full"})
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "NTKBOOK_SCALE=full" in page(book)
    assert len(list((book / "_build" / ".jupyter_cache").iterdir())) == 2


@pytest.mark.slow
def test_violated_claim_fails_the_build(tmp_path):
    res = jb_build(make_book(tmp_path, 2.0, allow_errors=False))
    assert res.returncode != 0
    assert "ClaimViolation" in res.stdout + res.stderr


@pytest.mark.slow
def test_violated_claim_fails_even_a_non_strict_build_when_errors_are_allowed(tmp_path):
    book = make_book(tmp_path, 2.0, allow_errors=True)
    res = jb_build(book, strict=False)
    assert res.returncode != 0
    assert "testch.bound is violated" in res.stdout + res.stderr


@pytest.mark.slow
def test_a_ledger_with_no_records_fails_make_book(tmp_path):
    book = make_book(tmp_path, 0.5, allow_errors=False, record=False)
    book.joinpath("book", "summary.md").write_text("# Summary\n")
    res = jb_build(book, strict=False)
    assert res.returncode != 0
    assert "opens a Ledger but recorded no claim" in res.stdout + res.stderr


def test_verify_cli_exits_1_on_violation(tmp_path):
    for name, lhs in (("good", 0.5), ("bad", 2.0)):
        ch = tmp_path / "book" / name
        ch.mkdir(parents=True)
        text = notebook(lhs, chapter=name).replace('"testch-thm"', '"x"')
        (ch / "01_nb.md").write_text(text)
    run = lambda ch: subprocess.run([sys.executable, "-m", "ntkbook", "verify", "--chapter", ch,  # noqa: E731
                                     "--book", str(tmp_path / "book"), "--json", str(tmp_path / f"{ch}.json")],
                                    capture_output=True, text=True, timeout=300)
    before = set(Path(tempfile.gettempdir()).glob("ntkbook-verify-*"))
    good, bad = run("good"), run("bad")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "[1/1] good/01_nb.md ... ok" in good.stdout and "good.bound" in good.stdout
    assert "kind" in good.stdout and "identity" in good.stdout
    saved = json.loads((tmp_path / "good.json").read_text())
    assert saved["claims"][0]["status"] == "holds" and saved["environment"]["scale"] == "small"
    assert bad.returncode == 1
    assert "ERROR" in bad.stdout and "violated" in bad.stdout
    assert set(Path(tempfile.gettempdir()).glob("ntkbook-verify-*")) <= before  # nothing left behind


def _names(deps):
    return {re.split(r"[<>=!~ \[]", d.strip())[0].lower().replace("_", "-") for d in deps if d.strip()}


def test_environment_yml_mirrors_pyproject():
    import tomllib  # Python >= 3.11, which pyproject.toml requires

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
    conda = {"torch" if c in ("pytorch", "pytorch-cpu") else c for c in conda} - {"python", "pip"}
    assert py == conda, f"only in pyproject: {py - conda}; only in environment.yml: {conda - py}"


def test_torch_is_pinned_to_the_cpu_build_everywhere():
    """pip: constraints.txt pins torch, the Makefile installs with it (and TORCH_INDEX_URL for an
    index of CPU wheels); conda: a spec conda-forge can solve that selects its CPU build."""
    import yaml

    pin = re.search(r"^torch==([0-9.]+)\s*$", (ROOT / "constraints.txt").read_text(), re.M)
    assert pin, "constraints.txt pins torch==X.Y.Z"
    version = pin.group(1)
    make = (ROOT / "Makefile").read_text()
    assert "-c constraints.txt" in make and "TORCH_INDEX_URL" in make
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"], "conda-forge alone (the pytorch channel is frozen)"
    specs = [d for d in env["dependencies"] if isinstance(d, str)]
    assert "cpuonly" not in specs, "cpuonly belongs to the frozen pytorch channel"
    torch_specs = [d for d in specs if re.split(r"[<>=!~ ]", d)[0] in ("pytorch", "pytorch-cpu")]
    assert len(torch_specs) == 1, torch_specs
    spec = torch_specs[0].replace(" ", "")
    # conda-forge's CPU build: the pytorch-cpu metapackage, or pytorch with a cpu* build string
    assert spec in (f"pytorch-cpu={version}", f"pytorch-cpu=={version}",
                    f"pytorch={version}=cpu*", f"pytorch=={version}=cpu*"), spec


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


def test_references_to_re_exported_functions_resolve_to_their_module():
    """The nitpicky build resolves `ntkbook.du2019.m_theorem` (a re-export) and a sibling's short
    name to where autodoc documents them: the defining section module."""
    from ntkbook import sphinxext

    path = "ntkbook.du2019.m_theorem"
    assert sphinxext._canonical(path, sphinxext._import_target(path)) == \
        "ntkbook.du2019.gradient_descent.m_theorem"
    path = "ntkbook.nguyen2021.ProofTrace.resolutions"
    assert sphinxext._canonical(path, sphinxext._import_target(path)).startswith(
        "ntkbook.nguyen2021.proof.ProofTrace.")
    assert sphinxext._import_target("ntkbook.du2019.no_such_function") is None
    assert sphinxext._import_target(".relative") is None

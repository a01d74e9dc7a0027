"""The book's sources follow the presentation rules of issue 9: code lines fit the page, theorem
boxes carry the paper's numbering (never sphinx-proof's book-wide counters), claim ids are literal
strings, every chapter shows its kind × status summary and a proof graph."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "book").rglob("*.md"))
CHAPTERS = ("du2019", "nguyen2021", "unbalanced2026", "xu2025", "atlas")
CODE = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)\n```", re.S)
PRF_BOX = re.compile(r"^(`{3,}|:{3,})\{prf:(\w+)\}[^\n]*\n((?::[^\n]*\n)*)", re.M)


def test_code_lines_fit_the_page():
    long = []
    for p in PAGES:
        for cell in CODE.findall(p.read_text(encoding="utf-8")):
            long += [f"{p.relative_to(ROOT)}: {len(line)} chars: {line[:60]}…"
                     for line in cell.split("\n") if len(line) > 100]
    assert long == [], "code lines over 100 characters:\n" + "\n".join(long)


def test_theorem_boxes_carry_the_papers_numbering():
    numbered = []
    for p in PAGES:
        for m in PRF_BOX.finditer(p.read_text(encoding="utf-8")):
            if m.group(2) != "proof" and ":nonumber:" not in m.group(3):
                numbered.append(f"{p.relative_to(ROOT)}: prf:{m.group(2)}")
    assert numbered == [], "boxes numbered by sphinx-proof's counters:\n" + "\n".join(numbered)


def test_references_name_the_papers_numbering():
    bare = []
    for p in PAGES:
        bare += [f"{p.relative_to(ROOT)}: {m}" for m in
                 re.findall(r"\{prf:ref\}`([^`<]+)`", p.read_text(encoding="utf-8"))]
    assert bare == [], "use {prf:ref}`Theorem 2.2 <label>`, not a bare label:\n" + "\n".join(bare)


def test_claim_ids_are_literal_strings():
    prefixes = "|".join(("foundations",) + CHAPTERS)
    built = re.compile(rf"""(f["']({prefixes})\.|["']({prefixes})\.[\w.]*["']\s*\+|\.format\()""")
    found = []
    for p in sorted((ROOT / "ntkbook").rglob("*.py")) + PAGES:
        for i, line in enumerate(p.read_text(encoding="utf-8").split("\n"), 1):
            if built.search(line) and ".format(" not in line:
                found.append(f"{p.relative_to(ROOT)}:{i}: {line.strip()[:80]}")
    assert found == [], "claim ids built at run time (use case=...):\n" + "\n".join(found)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_index_shows_summary_and_proof_graph(chapter):
    text = (ROOT / "book" / chapter / "index.md").read_text(encoding="utf-8")
    assert f"{{ntkbook-summary}} {chapter}" in text
    assert re.search(rf"\{{ntkbook-proof-graph\}} {chapter}\.", text)


# -- issue 20: what a reader sees ------------------------------------------------------------------
NOTEBOOKS = [p for p in PAGES if "kernelspec" in p.read_text(encoding="utf-8")[:2000]]


@pytest.mark.parametrize("page", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_page_shows_its_claims_once_in_its_closing_table(page):
    """Records are embedded invisibly where they are checked; the page's compact claims table
    (ledger.summary(), which carries the anchors the ledger links to) comes once, after the last
    check, and no cell prints a record on its own."""
    text = page.read_text(encoding="utf-8")
    if "Ledger(" not in text:
        return
    cells = CODE.findall(text)
    calls = [i for i, c in enumerate(cells) if re.search(r"\bledger\.summary\(\)", c)]
    assert len(calls) == 1, f"{page.name}: ledger.summary() {len(calls)} times"
    later = [c for c in cells[calls[0] + 1:] if re.search(r"\bledger\.check", c)]
    assert later == [], f"{page.name}: claims checked after the page's claims table"
    shown = [c for c in cells if re.search(r"(display|print)\((rec|r|record)\b|\.line\(\)", c)]
    assert shown == [], f"{page.name}: a cell prints a record itself"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_markdown_table_output_and_no_tex_in_titles(page):
    """myst-nb renders Markdown *output* without tables (raw `| … |`): computed tables go through
    ntkbook.tables.table. A page title shows in the navigation, where TeX is not typeset."""
    text = page.read_text(encoding="utf-8")
    for cell in CODE.findall(text):
        assert not (re.search(r"\bMarkdown\(", cell) and "|" in cell), \
            f"{page.name}: a Markdown output with a table; use ntkbook.tables.table"
    title = next((line for line in text.split("\n") if line.startswith("# ")), "")
    assert "$" not in title and "\\" not in title, f"{page.name}: TeX in the title {title!r}"

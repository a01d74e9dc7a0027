"""Open the built book in headless Chromium (Debian's chromium + chromedriver, driven by selenium)
in a 1400 px wide window: on every page math is typeset by the locally served MathJax, every image
loads, and no error output or raw traceback is shown; no raw Markdown table, stderr, warning,
machine path or ``np.float64(…)`` repr reaches a page; figures are at least 600 px wide; a table
wider than its column scrolls; claim anchors are unique and records are folded away. The ledger's
explorer filters and searches in the browser and agrees with ``_build/ledger.json``; the claim
index is compact; chapter proof graphs fit and carry their legend.

Needs `make book` first; CI runs it via `make browser-test` (NTKBOOK_REQUIRE_BROWSER=1 turns a
missing book or browser into a failure instead of a skip)."""
import functools
import http.server
import json
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
LEDGER_JSON = ROOT / "_build" / "ledger.json"
WIDTH = 1400
CHAPTERS = ("du2019", "nguyen2021", "unbalanced2026", "xu2025")
pytestmark = pytest.mark.browser


def _missing(reason):
    if os.environ.get("NTKBOOK_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):      # one line per request would bury the test report
        pass


@pytest.fixture(scope="module")
def server():
    if not (HTML / "book" / "intro.html").exists():
        _missing("the book is not built (run `make book`)")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def driver():
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        _missing("Debian's chromium and chromium-driver are not installed (make browser-deps)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--window-size={WIDTH},1000"):
        opts.add_argument(flag)
    d = webdriver.Chrome(service=Service(chromedriver), options=opts)
    d.set_script_timeout(60)
    d.set_page_load_timeout(60)
    yield d
    d.quit()


def pages():
    return sorted(p.relative_to(HTML).as_posix() for p in (HTML / "book").rglob("*.html")) \
        if (HTML / "book").exists() else ["book/intro.html"]


def source(page: str) -> Path:
    return ROOT / Path(page).with_suffix(".md")


def is_notebook(page: str) -> bool:
    src = source(page)
    return src.exists() and "kernelspec:" in src.read_text(encoding="utf-8")[:2000]


FIGURE = re.compile(r"\bplt\.(subplots|figure)\(")


def figures_in_source(page: str) -> int:
    """How many figures the page's notebook draws: code cells that create a matplotlib figure."""
    src = source(page)
    if not src.exists():
        return 0
    cells = re.findall(r"```\{code-cell\}[^\n]*\n(.*?)\n```", src.read_text(encoding="utf-8"), re.S)
    return sum(1 for c in cells if FIGURE.search(c))


def test_figures_are_counted_from_the_sources():
    assert sum(figures_in_source(f"book/{p.parent.name}/{p.stem}.html")
               for p in (ROOT / "book").glob("*/*.md")) >= 10


WAIT_MATHJAX = """
const done = arguments[arguments.length - 1];
if (!window.MathJax || !MathJax.startup) { done('no-mathjax'); return; }
MathJax.startup.promise.then(() => done('ok')).catch(e => done('error: ' + e));
"""


def load(driver, server, page):
    driver.get(f"{server}/{page}")
    return driver.execute_async_script(WAIT_MATHJAX)


@pytest.mark.parametrize("page", pages())
def test_page_renders(server, driver, page):
    state = load(driver, server, page)
    n_math = driver.execute_script("return document.querySelectorAll('.math, span.math, div.math').length")
    if n_math:
        assert state == "ok", f"MathJax did not start: {state}"
        assert driver.execute_script("return document.querySelectorAll('mjx-container').length") > 0
        assert driver.execute_script("return document.querySelectorAll('mjx-merror').length") == 0
        src = driver.execute_script("return Array.from(document.scripts).map(s => s.src).join(' ')")
        assert "_static/mathjax/tex-mml-chtml.js" in src, "MathJax must be served from the book"
    broken = driver.execute_script(
        "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    assert broken == [], f"images that did not load: {broken}"
    drawn = figures_in_source(page)
    shown = driver.execute_script(
        "return Array.from(document.querySelectorAll('div.cell_output img'))"
        ".filter(i => i.complete && i.naturalWidth > 0).length")
    assert shown >= drawn, f"{page}: the source draws {drawn} figure(s), the page shows {shown}"
    errors = driver.execute_script(
        "return document.querySelectorAll('.output.error, .output.traceback, div.cell_output .stderr').length")
    assert errors == 0
    text = driver.find_element("tag name", "body").text
    assert "Traceback (most recent call last)" not in text
    # an error raised in a cell (the API page may name the classes; outputs must not show them raised)
    outputs = driver.execute_script(
        "return Array.from(document.querySelectorAll('div.cell_output')).map(e => e.innerText).join('\\n')")
    for name in ("ClaimViolation:", "ExpectedViolationHeld:", "AssumptionError:", "Error:"):
        assert name not in outputs, f"a cell output shows a raised {name[:-1]}"
    # theorem boxes show their title as written: "Theorem 3.1 (Du et al. 2019)", not
    # "Theorem (Theorem 3.1 (Du et al. 2019))"
    titles = driver.execute_script(
        "return Array.from(document.querySelectorAll('div.proof > p.admonition-title'))"
        ".map(e => e.innerText.trim())")
    for title in titles:
        words = title.split()
        assert not title.startswith("(") and not (len(words) > 1 and words[1].startswith("(")
                                                  and words[1][1:] == words[0]), \
            f"{page}: box title {title!r}"


# -- what every page must not show -------------------------------------------------------------------
#: gathers, in one page load, what the per-page checks below assert on. Records are looked at
#: first (as served: folded or not); then every <details> is opened, so that figures and tables
#: inside them are measured too.
COLLECT = r"""
const article = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
const snip = (text, i, n) => text.slice(Math.max(0, i - n), i + n).replace(/\s+/g, ' ').trim();
const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
  (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
const out = {};

// records printed as lines: an element .ntkbook-claim visible outside a closed <details>
out.unfolded = Array.from(document.querySelectorAll('.ntkbook-claim'))
  .filter(e => !e.closest('details:not([open])') && e.getClientRects().length > 0)
  .map(e => e.innerText.trim().slice(0, 160));

document.querySelectorAll('details').forEach(d => { d.open = true; });
document.body.offsetHeight;   // layout with every <details> open

// rendered text, block by block: not source code (cell inputs, code blocks and inline code of the
// prose), not math, not the documentation of the API (autodoc's dl.py); printed cell output counts
const SKIP = 'script, style, code, kbd, samp, .math, mjx-container, mjx-assistive-mml, div.cell_input, textarea, dl.py';
const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
const blocks = new Map();
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  const el = n.parentElement;
  if (!el || el.closest(SKIP)) continue;
  const pre = el.closest('pre');
  if (pre && !pre.closest('div.cell_output')) continue;
  const block = el.closest('p, li, td, th, dd, dt, pre, h1, h2, h3, h4, h5, h6, blockquote, div') || article;
  blocks.set(block, (blocks.get(block) || '') + n.nodeValue);
}

// raw Markdown tables: a rule '|---|---|' (MyST may have made the dashes — or –), or a row
// '| a | b |' — a line that starts and ends with '|' around cells separated by ' | '. Norms such
// as '|ΔW|/|W0|' are not rows; nor is anything inside a rendered table cell.
const RULE = /^\|?(:?[-—–]+:?\|)+(:?[-—–]+:?)?$/;
const ROW = /^\s*\|.*\s\|\s.*\|\s*$/;
out.markdown = [];
for (const [block, text] of blocks) {
  if (block.closest('td, th')) continue;
  for (const line of text.split('\n')) {
    const bare = line.replace(/\s/g, '');
    if ((bare.includes('|') && RULE.test(bare)) || ROW.test(line)) out.markdown.push(line.trim().slice(0, 160));
  }
}

// numpy scalar reprs in the rendered text (glued values, printed output)
out.float64 = [...new Set(Array.from(blocks.values()).flatMap(text => text.split('\n'))
  .filter(l => l.includes('np.float64(')).map(l => l.trim().slice(0, 200)))];

// cell outputs
const outputs = Array.from(document.querySelectorAll('div.cell_output'));
out.stderr = Array.from(document.querySelectorAll('div.cell_output .stderr, div.cell_output .output.stderr'))
  .map(e => e.innerText.trim().slice(0, 200));
out.warnings = [];
out.paths = [];
for (const o of outputs) {
  const text = o.innerText;
  for (const m of text.matchAll(/Warning:/g)) out.warnings.push(snip(text, m.index, 100));
  for (const m of text.matchAll(/\/work\/|\/tmp\/|\/root\/|\/home\/|site-packages/g)) out.paths.push(snip(text, m.index, 70));
}

// figures in cell outputs, as rendered
out.figures = Array.from(document.querySelectorAll('div.cell_output img')).map(i => ({
  src: i.getAttribute('src').split('/').pop(), width: Math.round(i.getBoundingClientRect().width),
  natural: i.naturalWidth}));

// tables wider than their container, unless they (or an ancestor below the article) scroll
const scrolls = el => { for (let e = el; e && e !== article; e = e.parentElement) {
    if (/auto|scroll/.test(getComputedStyle(e).overflowX)) return true; } return false; };
out.tables = [];
for (const t of article.querySelectorAll('table')) {
  if (!t.getClientRects().length) continue;
  const parent = t.parentElement;
  const wide = t.getBoundingClientRect().width > parent.clientWidth + 1 || t.scrollWidth > t.clientWidth + 1;
  if (wide && !scrolls(t)) {
    const head = (t.querySelector('tr') || t).innerText.replace(/\s+/g, ' ').trim().slice(0, 80);
    out.tables.push(`${describe(t)} is ${Math.round(t.getBoundingClientRect().width)} px wide ` +
      `(scrollWidth ${t.scrollWidth}) in ${describe(parent)} of ${parent.clientWidth} px: "${head}"`);
  }
}

// the executed notebook offered under the title
out.download = Array.from(article.querySelectorAll('a[href$=".ipynb"]'))
  .filter(a => a.getClientRects().length && /Download the executed notebook/.test(a.innerText))
  .map(a => [a.getAttribute('href'), Math.round(a.getBoundingClientRect().top + window.scrollY)]);

// claim anchors
const ids = Array.from(document.querySelectorAll('[id^="claim-"]')).map(e => e.id);
out.duplicates = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
return out;
"""

_FACTS: dict = {}


def facts(driver, server, page) -> dict:
    if page not in _FACTS:
        load(driver, server, page)
        _FACTS[page] = driver.execute_script(COLLECT)
    return _FACTS[page]


def _listing(items, n=8) -> str:
    more = f"\n  … and {len(items) - n} more" if len(items) > n else ""
    return "\n  " + "\n  ".join(map(str, items[:n])) + more


def _fail_if(found, message: str):
    """Fail with ``message`` and the offending items (no assertion rewriting of the list)."""
    if found:
        pytest.fail(message + _listing(found), pytrace=False)


@pytest.mark.parametrize("page", pages())
def test_records_are_folded(server, driver, page):
    """A chapter shows its records in a compact claims table; the one-line records themselves
    (``.ntkbook-claim``) are visible only inside a closed ``<details>`` (opened on demand)."""
    found = facts(driver, server, page)["unfolded"]
    _fail_if(found, f"{page}: {len(found)} record line(s) shown outside a closed <details>:")


@pytest.mark.parametrize("page", pages())
def test_no_raw_markdown_tables(server, driver, page):
    found = facts(driver, server, page)["markdown"]
    _fail_if(found, f"{page}: raw Markdown table text in the rendered page:")


@pytest.mark.parametrize("page", pages())
def test_no_stderr_or_warnings_in_outputs(server, driver, page):
    f = facts(driver, server, page)
    _fail_if(f["stderr"], f"{page}: stderr output in a cell:")
    _fail_if(f["warnings"], f"{page}: a warning in a cell output:")


@pytest.mark.parametrize("page", pages())
def test_no_machine_paths_in_outputs(server, driver, page):
    found = facts(driver, server, page)["paths"]
    _fail_if(found, f"{page}: a path of the build machine in a cell output:")


@pytest.mark.parametrize("page", pages())
def test_no_numpy_scalar_reprs(server, driver, page):
    found = facts(driver, server, page)["float64"]
    _fail_if(found, f"{page}: numpy scalar repr 'np.float64(' in the page:")


@pytest.mark.parametrize("page", pages())
def test_figures_are_at_least_600px_wide(server, driver, page):
    small = [f"{f['src']}: {f['width']} px shown ({f['natural']} px image)"
             for f in facts(driver, server, page)["figures"] if f["width"] < 600]
    _fail_if(small, f"{page}: figure(s) narrower than 600 px at a {WIDTH} px window:")


@pytest.mark.parametrize("page", pages())
def test_tables_fit_or_scroll(server, driver, page):
    found = facts(driver, server, page)["tables"]
    _fail_if(found, f"{page}: table(s) wider than their container, which does not scroll:")


@pytest.mark.parametrize("page", pages())
def test_claim_anchors_are_unique(server, driver, page):
    found = facts(driver, server, page)["duplicates"]
    _fail_if(found, f"{page}: claim anchors (HTML ids) used more than once:")


# -- notebooks to download ------------------------------------------------------------------------------
@pytest.mark.parametrize("page", [p for p in pages() if is_notebook(p)])
def test_notebook_pages_offer_their_executed_notebook(server, driver, page):
    links = facts(driver, server, page)["download"]
    assert links, f"{page}: no visible 'Download the executed notebook (.ipynb)' link"
    href, top = links[0]
    assert top < 600, f"{page}: the download link is {top:.0f} px down the page, not near the top"
    target = (HTML / page).parent / href
    assert target.is_file(), f"{page}: the link {href} names no file"
    nb = json.loads(target.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert outputs, f"{page}: {href} carries no outputs (not the executed notebook)"
    from ntkbook.ledger import records_from_notebook

    on_page = {c["id"] for c in ledger_claims() if c["_doc"] == page[:-len(".html")]}
    in_notebook = {r["id"] for r in records_from_notebook(nb)[1]}
    assert in_notebook == on_page, \
        f"{page}: {href} records {len(in_notebook)} claims, the page {len(on_page)}"


# -- the ledger's claim explorer -------------------------------------------------------------------------
def ledger_claims() -> list:
    if not LEDGER_JSON.exists():
        _missing(f"{LEDGER_JSON.relative_to(ROOT)} is missing (run `make book`)")
    return json.loads(LEDGER_JSON.read_text())["claims"]


def test_ledger_page_lists_claims(server, driver):
    load(driver, server, "book/ledger.html")
    rows = driver.execute_script("return document.querySelectorAll('table.ntkbook-ledger tbody tr').length")
    assert rows > 0
    bad = driver.execute_script("return document.querySelectorAll('table.ntkbook-ledger .ntkbook-bad').length")
    assert bad == 0
    kinds = driver.execute_script("return document.querySelectorAll('table.ntkbook-kinds tbody tr').length")
    assert kinds >= 3
    # the statements are typeset as they scroll into view; typeset them all: no MathJax error
    state = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "ntkbook.typesetAll().then(() => done([document.querySelectorAll('span.ntkbook-tex').length,"
        " document.querySelectorAll('span.ntkbook-tex mjx-container').length,"
        " Array.from(document.querySelectorAll('span.ntkbook-tex mjx-merror'))"
        "  .map(e => e.closest('tr').dataset.id)]), e => done(['error', String(e)]))")
    assert state[0] == rows and state[1] >= rows, f"statements typeset: {state[:2]} of {rows}"
    assert not state[2], f"statements MathJax cannot typeset: {state[2]}"


SHOWN = """return Array.from(document.querySelectorAll('table.ntkbook-explorer tbody tr'))
  .filter(r => r.getClientRects().length > 0)
  .map(r => [r.dataset.id, r.dataset.chapter, r.dataset.status]);"""


def test_ledger_explorer_filters_agree_with_ledger_json(server, driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    claims = ledger_claims()
    load(driver, server, "book/ledger.html")
    rows = driver.execute_script(SHOWN)
    assert len(rows) == len(claims), \
        f"the explorer shows {len(rows)} rows unfiltered, ledger.json has {len(claims)} claims"
    count = driver.find_element(By.ID, "ntkbook-count")
    assert count.get_attribute("data-shown") == str(len(claims))
    # the chapter with the most claims, and its second most frequent status (a real subset)
    chapters: dict = {}
    for c in claims:
        chapters.setdefault(c["chapter"], []).append(c["status"])
    chapter = max(chapters, key=lambda ch: len(chapters[ch]))
    statuses = sorted(set(chapters[chapter]), key=lambda s: -chapters[chapter].count(s))
    status = statuses[1] if len(statuses) > 1 else statuses[0]
    expected = sum(1 for c in claims if c["chapter"] == chapter and c["status"] == status)
    Select(driver.find_element(By.ID, "ntkbook-filter-chapter")).select_by_value(chapter)
    Select(driver.find_element(By.ID, "ntkbook-filter-status")).select_by_value(status)
    shown = driver.execute_script(SHOWN)
    assert count.get_attribute("data-shown") == str(expected), \
        (f"chapter {chapter}, status {status}: the explorer counts "
         f"{count.get_attribute('data-shown')}, ledger.json has {expected}")
    assert len(shown) == expected, f"chapter {chapter}, status {status}: {len(shown)} rows shown"
    assert all(ch == chapter and st == status for _, ch, st in shown), shown[:5]
    assert count.text.startswith(f"showing {expected} of {len(claims)} claims: {expected} {status}"), \
        count.text
    for key in ("kind", "hypothesis", "provenance", "certified", "page"):
        assert driver.find_elements(By.ID, f"ntkbook-filter-{key}"), f"no filter {key}"


def test_ledger_explorer_search_finds_an_id(server, driver):
    from selenium.webdriver.common.by import By

    claims = ledger_claims()
    with_case = [c for c in claims if c.get("case")]
    claim = (with_case or claims)[len(with_case or claims) // 2]
    load(driver, server, "book/ledger.html")
    box = driver.find_element(By.ID, "ntkbook-search")
    box.send_keys(claim["id"])
    shown = driver.execute_script(SHOWN)
    ids = [i for i, _, _ in shown]
    assert claim["id"] in ids, f"searching {claim['id']!r} shows {ids[:10]}"
    matching = sum(1 for c in claims if claim["id"].lower() in
                   (c["id"] + " " + (c.get("statement") or "")).lower())
    assert len(shown) == matching, f"searching {claim['id']!r}: {len(shown)} rows, expected {matching}"
    row = driver.find_element(By.CSS_SELECTOR, f'table.ntkbook-explorer tr[data-id="{claim["id"]}"]')
    assert row.is_displayed()
    link = row.find_element(By.CSS_SELECTOR, "td a").get_attribute("href")
    from ntkbook.ledger import anchor
    assert link.endswith(f"{claim['_doc']}.html#{anchor(claim['id'])}"), link
    assert claim.get("control") is None or claim["control"] in row.get_attribute("data-control")


def test_ledger_rows_link_to_their_cells():
    """Every row's link names a page of the build and an anchor that exists on it."""
    from ntkbook.ledger import anchor

    claims = ledger_claims()
    ids_on: dict = {}
    missing = []
    for c in claims:
        doc = c["_doc"]
        if doc not in ids_on:
            path = HTML / f"{doc}.html"
            ids_on[doc] = set(re.findall(r'\bid="([^"]+)"', path.read_text())) if path.exists() else None
        if ids_on[doc] is None or anchor(c["id"]) not in ids_on[doc]:
            missing.append(f"{c['id']} → {doc}.html#{anchor(c['id'])}")
    _fail_if(missing, f"{len(missing)} ledger link(s) to no anchor:")


BREAKS = """
const sel = arguments[0];
document.querySelectorAll('details').forEach(d => { d.open = true; });
const bad = [];
for (const code of document.querySelectorAll(sel)) {
  if (!code.getClientRects().length) continue;
  // every word between two break opportunities (<wbr> after a dot, or a space) on one line
  const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
  let broken = null;
  for (let n = walker.nextNode(); n && !broken; n = walker.nextNode()) {
    for (const m of n.nodeValue.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(n, m.index);
      range.setEnd(n, m.index + m[0].length);
      const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) { broken = m[0]; break; }
    }
  }
  if (broken) bad.push(code.innerText.replace(/\\s+/g, '') + ' (breaks inside "' + broken + '")');
}
return bad;
"""


@pytest.mark.parametrize("page", ["book/ledger.html", "book/claims.html"])
def test_claim_ids_break_only_at_dots(server, driver, page):
    load(driver, server, page)
    n = driver.execute_script("return document.querySelectorAll('.ntkbook-id code').length")
    assert n > 0, f"{page}: no claim ids (.ntkbook-id code)"
    bad = driver.execute_script(BREAKS, ".ntkbook-id code")
    _fail_if(bad, f"{page}: claim ids broken inside a word at {WIDTH} px:")


def test_claim_index_is_compact_and_shows_function_and_control(server, driver):
    claims = ledger_claims()
    load(driver, server, "book/claims.html")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    assert height < 10000, f"the claim index is {height} px tall"
    state = driver.execute_script("""
document.querySelectorAll('details').forEach(d => { d.open = true; });
const article = document.querySelector('article.bd-article') || document.body;
const right = article.getBoundingClientRect().right;
const rows = Array.from(document.querySelectorAll('table.ntkbook-index tbody tr'));
const cut = rows.filter(r => Array.from(r.querySelectorAll('code.ntkbook-function, code.ntkbook-control'))
  .some(c => !c.getClientRects().length || c.getBoundingClientRect().right > right + 1));
return {rows: rows.length, ids: rows.map(r => r.dataset.id),
        functions: document.querySelectorAll('table.ntkbook-index code.ntkbook-function').length,
        cut: cut.slice(0, 8).map(r => r.dataset.id)};""")
    errors = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "ntkbook.typesetAll().then(() => done(Array.from(document.querySelectorAll("
        "'span.ntkbook-tex mjx-merror')).map(e => e.closest('tr').dataset.id)),"
        " e => done(['error ' + e]))")
    assert not errors, f"statements MathJax cannot typeset: {errors}"
    ids = {c.get("base_id") or c["id"] for c in claims}
    assert state["rows"] == len(ids) and set(state["ids"]) == ids, \
        f"the index lists {state['rows']} ids, ledger.json has {len(ids)}"
    assert state["functions"] == len(ids)
    assert not state["cut"], f"function or control not visible at {WIDTH} px: {state['cut']}"


# -- chapter indexes: proof graphs ------------------------------------------------------------------------
def test_every_chapter_shows_a_proof_graph(server, driver):
    for chapter in CHAPTERS:
        load(driver, server, f"book/{chapter}/index.html")
        n = driver.execute_script("return document.querySelectorAll('svg.ntkbook-proof-graph g').length")
        assert n >= 3, f"{chapter}: the proof graph has {n} nodes"
        box = driver.execute_script(
            "const s = document.querySelector('svg.ntkbook-proof-graph'); "
            "return s ? s.getBoundingClientRect().height : 0")
        assert box > 50


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_proof_graphs_fit_and_have_a_legend(server, driver, chapter):
    load(driver, server, f"book/{chapter}/index.html")
    state = driver.execute_script("""
return {graphs: Array.from(document.querySelectorAll('svg.ntkbook-proof-graph')).map(s => {
          const box = s.parentElement;
          return [Math.round(s.getBoundingClientRect().width), box.clientWidth,
                  (s.getAttribute('aria-label') || s.querySelector('title')?.textContent || '').slice(0, 60)]; }),
        legends: Array.from(document.querySelectorAll('.ntkbook-graph-legend')).map(e => e.innerText)};""")
    assert state["graphs"], f"{chapter}: no svg.ntkbook-proof-graph"
    wide = [f"{w} px in {c} px ({label})" for w, c, label in state["graphs"] if w > c + 1]
    _fail_if(wide, f"{chapter}/index: proof graph(s) wider than their container at {WIDTH} px:")
    assert any("fully checked" in text for text in state["legends"]), \
        f"{chapter}/index: no .ntkbook-graph-legend saying 'fully checked' (legends: {state['legends']})"


# -- the build status page --------------------------------------------------------------------------------
def test_build_status_lists_every_notebook(server, driver):
    load(driver, server, "book/status.html")
    listed = set(driver.execute_script(
        "return Array.from(document.querySelectorAll('table.ntkbook-status tbody tr td:first-child a'))"
        ".map(a => new URL(a.href).pathname.replace(/^\\//, ''))"))
    notebooks = {p for p in pages() if is_notebook(p)}
    assert notebooks <= listed, f"notebooks missing from the status page: {sorted(notebooks - listed)}"
    text = driver.find_element("tag name", "body").text
    for word in ("commit", "numpy", "torch", "myst-nb", "jupyter-book", "cores", "memory", "CPU"):
        assert word in text, f"the status page does not name {word}"

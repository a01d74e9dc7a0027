"""Open the built book in headless Chromium (Debian's chromium + chromedriver, driven by selenium):
on every page math is typeset by the locally served MathJax, every image loads, and no error
output or raw traceback is shown. Needs `make book` first; CI runs it via `make browser-test`
(NTKBOOK_REQUIRE_BROWSER=1 turns a missing book or browser into a failure instead of a skip)."""
import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
pytestmark = pytest.mark.browser


def _missing(reason):
    if os.environ.get("NTKBOOK_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server():
    if not (HTML / "book" / "intro.html").exists():
        _missing("the book is not built (run `make book`)")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HTML))
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
                 "--disable-dev-shm-usage", "--window-size=1280,1000"):
        opts.add_argument(flag)
    d = webdriver.Chrome(service=Service(chromedriver), options=opts)
    d.set_script_timeout(60)
    d.set_page_load_timeout(60)
    yield d
    d.quit()


def pages():
    return sorted(p.relative_to(HTML).as_posix() for p in (HTML / "book").rglob("*.html")) \
        if (HTML / "book").exists() else ["book/intro.html"]


FIGURE = re.compile(r"\bplt\.(subplots|figure)\(")


def figures_in_source(page: str) -> int:
    """How many figures the page's notebook draws: code cells that create a matplotlib figure."""
    src = ROOT / Path(page).with_suffix(".md")
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


@pytest.mark.parametrize("page", pages())
def test_page_renders(server, driver, page):
    driver.get(f"{server}/{page}")
    state = driver.execute_async_script(WAIT_MATHJAX)
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


def test_ledger_page_lists_claims(server, driver):
    driver.get(f"{server}/book/ledger.html")
    rows = driver.execute_script("return document.querySelectorAll('table.ntkbook-ledger tbody tr').length")
    assert rows > 0
    bad = driver.execute_script("return document.querySelectorAll('table.ntkbook-ledger .ntkbook-bad').length")
    assert bad == 0
    kinds = driver.execute_script("return document.querySelectorAll('table.ntkbook-kinds tbody tr').length")
    assert kinds >= 3


def test_every_chapter_shows_a_proof_graph(server, driver):
    for chapter in ("du2019", "nguyen2021", "unbalanced2026", "xu2025"):
        driver.get(f"{server}/book/{chapter}/index.html")
        n = driver.execute_script("return document.querySelectorAll('svg.ntkbook-proof-graph g').length")
        assert n >= 3, f"{chapter}: the proof graph has {n} nodes"
        box = driver.execute_script(
            "const s = document.querySelector('svg.ntkbook-proof-graph'); "
            "return s ? s.getBoundingClientRect().height : 0")
        assert box > 50

/* ntkbook claim explorer (ledger page) and claim index: filters, search, sorting and live counts.
 * The rows of table.ntkbook-explorer carry their values as data-* attributes (written by
 * ntkbook/explorer.py); this script only shows and hides and reorders them. No library, no network.
 * The filters can be set from the address: ledger.html?chapter=du2019&status=holds&q=thm3 */
(function () {
  "use strict";
  var FILTERS = ["chapter", "page", "kind", "status", "hypothesis", "provenance", "certified"];

  function explorer(wrap) {
    var table = wrap.querySelector("table.ntkbook-explorer");
    var count = wrap.querySelector("#ntkbook-count");
    var search = wrap.querySelector("#ntkbook-search");
    if (!table || !count) return;
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var order = JSON.parse(count.getAttribute("data-statuses") || "[]");
    rows.forEach(function (r, i) { r._order = i; r._text = r.getAttribute("data-search") || ""; });
    var selects = {};
    FILTERS.forEach(function (f) {
      var s = wrap.querySelector("#ntkbook-filter-" + f);
      if (s) selects[f] = s;
    });

    function apply() {
      var want = {}, terms, shown = 0, tally = {}, parts = [];
      Object.keys(selects).forEach(function (f) { if (selects[f].value) want[f] = selects[f].value; });
      terms = (search ? search.value : "").toLowerCase().split(/\s+/).filter(Boolean);
      rows.forEach(function (r) {
        var ok = Object.keys(want).every(function (f) { return r.getAttribute("data-" + f) === want[f]; })
          && terms.every(function (t) { return r._text.indexOf(t) >= 0; });
        r.hidden = !ok;
        if (ok) {
          shown += 1;
          var s = r.getAttribute("data-status");
          tally[s] = (tally[s] || 0) + 1;
        }
      });
      order.concat(Object.keys(tally).filter(function (s) { return order.indexOf(s) < 0; }))
        .forEach(function (s) { if (tally[s]) parts.push(tally[s] + " " + s); });
      count.setAttribute("data-shown", String(shown));
      count.textContent = "showing " + shown + " of " + rows.length + " claims" +
        (parts.length ? ": " + parts.join(", ") : "");
      remember(want, search ? search.value : "");
    }

    function remember(want, q) {
      var params = new URLSearchParams();
      Object.keys(want).forEach(function (f) { params.set(f, want[f]); });
      if (q) params.set("q", q);
      var query = params.toString();
      try {
        history.replaceState(null, "", (query ? "?" + query : location.pathname) + location.hash);
      } catch (e) { /* file:// pages may refuse: the filters still work */ }
    }

    function sortBy(button) {
      var key = button.getAttribute("data-sort"), numeric = button.getAttribute("data-type") === "num";
      var th = button.closest("th");
      /* a second click on the same button reverses the order */
      var dir = button.getAttribute("data-dir") === "ascending" ? -1 : 1;
      Array.prototype.forEach.call(table.tHead.querySelectorAll("th"), function (h) {
        h.setAttribute("aria-sort", "none");
      });
      Array.prototype.forEach.call(table.tHead.querySelectorAll("button[data-sort]"), function (b) {
        b.removeAttribute("data-dir");
      });
      button.setAttribute("data-dir", dir === 1 ? "ascending" : "descending");
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      var value = function (r) {
        var v = r.getAttribute("data-" + key) || "";
        if (!numeric) return v;
        return v === "" ? NaN : parseFloat(v);
      };
      var sorted = rows.slice().sort(function (a, b) {
        var x = value(a), y = value(b), c;
        if (numeric) {
          var nx = isNaN(x), ny = isNaN(y);
          c = nx || ny ? nx - ny : dir * (x - y);   /* no value: last either way */
        } else {
          c = dir * x.localeCompare(y, undefined, {numeric: true});
        }
        return c || a._order - b._order;
      });
      var frag = document.createDocumentFragment();
      sorted.forEach(function (r) { frag.appendChild(r); });
      tbody.appendChild(frag);
    }

    var params = new URLSearchParams(location.search);
    Object.keys(selects).forEach(function (f) {
      var v = params.get(f);
      if (v !== null && Array.prototype.some.call(selects[f].options, function (o) { return o.value === v; })) {
        selects[f].value = v;
      }
      selects[f].addEventListener("change", apply);
    });
    if (search) {
      if (params.get("q")) search.value = params.get("q");
      search.addEventListener("input", apply);
    }
    var reset = wrap.querySelector(".ntkbook-reset");
    if (reset) {
      reset.addEventListener("click", function () {
        Object.keys(selects).forEach(function (f) { selects[f].value = ""; });
        if (search) search.value = "";
        apply();
      });
    }
    table.tHead.addEventListener("click", function (e) {
      var b = e.target.closest("button[data-sort]");
      if (b) sortBy(b);
    });
    apply();
    wrap.classList.add("ntkbook-ready");
  }

  /* a visible cue when a table scrolls sideways: shown only while it does */
  function scrollCue(box) {
    var cue = box.nextElementSibling;
    var update = function () {
      var more = box.scrollWidth > box.clientWidth + 1;
      box.classList.toggle("ntkbook-scrolls", more);
      box.classList.toggle("ntkbook-at-end", box.scrollLeft + box.clientWidth >= box.scrollWidth - 1);
      if (cue && cue.classList.contains("ntkbook-scroll-cue")) cue.hidden = !more;
    };
    box.addEventListener("scroll", update, {passive: true});
    window.addEventListener("resize", update);
    update();
    setTimeout(update, 1500);   /* after MathJax has typeset the statements */
  }

  function index(wrap) {
    wrap.addEventListener("click", function (e) {
      var b = e.target.closest("button[data-ntkbook-details]");
      if (!b) return;
      var open = b.getAttribute("data-ntkbook-details") === "open";
      Array.prototype.forEach.call(document.querySelectorAll("details.ntkbook-index-chapter"),
        function (d) { d.open = open; });
    });
    /* a link to #index-<chapter> or to a claim id opens its chapter */
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") target.open = true;
  }

  /* statements (span.ntkbook-tex) are typeset when they scroll into view: hundreds of formulas
     typeset at once would hold the page for seconds. ntkbook.typesetAll() typesets every one. */
  var chain = null;
  function mathjax() {
    var mj = window.MathJax;
    if (!mj || !mj.typesetPromise) return null;
    if (!chain) chain = mj.startup && mj.startup.promise ? mj.startup.promise : Promise.resolve();
    return mj;
  }
  function typeset(spans) {
    spans = spans.filter(function (s) { return s.classList.contains("mathjax_ignore"); });
    spans.forEach(function (s) { s.classList.remove("mathjax_ignore"); s.classList.add("math"); });
    var mj = mathjax();
    if (!mj || !spans.length) return Promise.resolve();
    chain = chain.then(function () { return mj.typesetPromise(spans); })
      .catch(function (e) { if (window.console) console.warn("ntkbook: MathJax", e); });
    return chain;
  }
  function lazyMath() {
    var spans = Array.prototype.slice.call(document.querySelectorAll("span.ntkbook-tex.mathjax_ignore"));
    if (!spans.length) return;
    if (!("IntersectionObserver" in window)) { typeset(spans); return; }
    var queue = [], timer = null;
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (e.isIntersecting) { observer.unobserve(e.target); queue.push(e.target); }
      });
      if (queue.length && !timer) {
        timer = setTimeout(function () { timer = null; typeset(queue.splice(0)); }, 30);
      }
    }, {rootMargin: "400px 0px"});
    spans.forEach(function (s) { observer.observe(s); });
  }
  window.ntkbook = window.ntkbook || {};
  window.ntkbook.typesetAll = function () {
    return typeset(Array.prototype.slice.call(document.querySelectorAll("span.ntkbook-tex")));
  };

  function init() {
    if (window.MathJax && !window.MathJax.typesetPromise && document.readyState !== "complete") {
      window.addEventListener("load", lazyMath);   /* MathJax not loaded yet */
    } else {
      lazyMath();
    }
    Array.prototype.forEach.call(document.querySelectorAll(".ntkbook-explorer-wrap"), explorer);
    Array.prototype.forEach.call(document.querySelectorAll(".ntkbook-index-wrap"), index);
    Array.prototype.forEach.call(document.querySelectorAll(".ntkbook-scroll"), scrollCue);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

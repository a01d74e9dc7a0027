"""Proof graphs in the manner of a Lean blueprint: what a theorem rests on, drawn as inline SVG.

The graph of a claim ``root`` holds every claim and theorem box it rests on (``depends_on``,
transitively); an arrow goes from what is used to the result that uses it, the theorem on top.

**What a node shows**

* its *label* — a short name made from its id (``du2019.thm3.1.angle_slope`` → "Thm 3.1 · angle
  slope", ``nguyen2021.eq16_17.identity`` → "(16)–(17) · identity") and, on a second line, its kind
  (and for a claim checked in several cases, how many hold); the hover title has the full id, the
  statement and the status of every case; a click leads to where it is checked;
* its **fill** — what the checks established (:data:`FILLS`): green holds (or reproduced), blue
  holds beyond its hypothesis, yellow unresolved or of low power, violet erratum confirmed or
  expected violation, orange not reproduced, red violated, grey a theorem box (not itself checked).
  A claim checked in several cases is filled in vertical stripes, one per outcome, as wide as its
  share of the cases;
* its **border** — whether the hypothesis was met (:data:`BORDERS`): solid green when every case
  met it, dashed grey when there is none (identities, assumptions), orange when a case did not;
* **fully checked** (dark green, white text, SVG class ``fully-checked``) — like a blueprint's
  "fully proved": the node is *checked* and so is everything it rests on (:func:`derive_states`);
* a "✓ cert" badge when a record of it is certified (``certified == "proved"``), a red "✗ cert"
  one when a certificate disproved it.

**Layout** — a Sugiyama layered drawing in pure Python (no graphviz): layers by longest path from
the theorem with at most :data:`ROW_CAPACITY` nodes a row (wide layers are stacked, nodes that
nothing rests on go down first), dummy nodes on long edges, barycenter sweeps with adjacent
transpositions to reduce crossings (the best ordering found is kept), then coordinates by weighted
isotonic regression towards the neighbours' mean; edges are cubic Béziers. The SVG has a viewBox
and ``width="100%"``: it fits the content column.
"""
from __future__ import annotations

import html
import itertools
import random
import re
from collections import Counter
from dataclasses import dataclass, field

from . import ledger as _ledger


class ProofGraphError(ValueError):
    """A proof graph cannot be drawn (an unknown root, a cycle)."""


# -- what a node shows ------------------------------------------------------------------------------
#: fill group: (fill colour, legend); the order is the legend's and the stripes' order
FILLS = {
    "holds": ("#aceebb", "holds / reproduced"),
    "beyond": ("#b6e3ff", "holds beyond hypothesis"),
    "unresolved": ("#fff1a8", "unresolved / not refuted (low power)"),
    "erratum": ("#e0cffc", "erratum confirmed / expected violation"),
    "not reproduced": ("#ffcf9f", "not reproduced"),
    "violated": ("#ff9e96", "violated"),
    "box": ("#f0f2f4", "theorem box (a statement, not itself checked)"),
}
#: worst first: a node's ``data-status`` (and its legend category) is its worst group
SEVERITY = ("violated", "not reproduced", "unresolved", "beyond", "erratum", "holds", "box")
FULLY_CHECKED = ("#1a7f37", "#ffffff")  # fill, text
FULLY_CHECKED_LEGEND = "fully checked: it and everything it rests on hold, hypotheses met"
#: border group: (stroke, dash, width, legend)
BORDERS = {
    "met": ("#1a7f37", "", 2.0, "hypothesis met (every case)"),
    "none": ("#6e7781", "4,3", 1.6, "no hypothesis (identity, assumption)"),
    "unmet": ("#d4760a", "", 2.6, "hypothesis not met (some case)"),
    "box": ("#57606a", "", 1.0, "theorem box"),
}
CERT_COLOUR = "#0969da"
DISPROVED_COLOUR = "#cf222e"
_GROUP_OF_STATUS = {
    "holds": "holds", "reproduced": "holds",
    "holds beyond hypothesis": "beyond",
    "unresolved": "unresolved", "not refuted (low power)": "unresolved",
    "erratum confirmed": "erratum", "expected violation": "erratum",
    "not reproduced": "not reproduced",
    "violated": "violated", "expected violation held": "violated",
}
#: kinds that have no hypothesis: such a record is checked with ``hypothesis_met`` None
NO_HYPOTHESIS_KINDS = ("identity", "assumption")


def status_group(status: str) -> str:
    """The fill group of a record's status (an unknown status is shown as violated)."""
    return _GROUP_OF_STATUS.get(str(status), "violated")


def hypothesis_group(records) -> str:
    """``"unmet"`` when a record's hypothesis was not met, ``"met"`` when every record's was,
    ``"none"`` otherwise (no hypothesis, or met in some cases and absent in others)."""
    values = [r.get("hypothesis_met") for r in records]
    if any(v is False for v in values):
        return "unmet"
    if values and all(v is True for v in values):
        return "met"
    return "none"


def record_checked(rec) -> bool:
    """A record is checked when it holds (or reproduces) with its hypothesis met — or with no
    hypothesis, for an identity or an assumption."""
    if rec.get("status") not in ("holds", "reproduced"):
        return False
    hyp = rec.get("hypothesis_met")
    return hyp is True or (hyp is None and rec.get("kind") in NO_HYPOTHESIS_KINDS)


# -- labels -----------------------------------------------------------------------------------------
_WORDS = {"thm": "Thm", "theorem": "Thm", "lemma": "Lemma", "cor": "Cor.", "corollary": "Cor.",
          "prop": "Prop.", "proposition": "Prop.", "remark": "Remark", "def": "Def.",
          "definition": "Def.", "assumption": "Assumption", "conj": "Conj.", "conjecture": "Conj.",
          "fig": "Fig.", "figure": "Fig.", "cond": "Cond.", "condition": "Cond.", "sec": "§",
          "eq": "", "ex": "Ex.", "example": "Ex.", "table": "Table", "app": "App."}
_NUMBERED = re.compile(r"([A-Za-z]+)(\d+(?:[._]\d+)*)(?=[._]|$)")


def _numbered(word: str, number: str) -> str | None:
    word_l = word.lower()
    if word_l == "eq":
        return "–".join(f"({n})" for n in number.split("_"))
    if word_l not in _WORDS:
        return None
    num = number.replace("_", ".")
    return f"§{num}" if word_l == "sec" else f"{_WORDS[word_l]} {num}"


def short_label(node_id: str, chapter: str | None = None) -> str:
    """A readable name for a claim id or a theorem-box label: the chapter prefix dropped,
    ``eqN`` → "(N)", ``eqN_M`` → "(N)–(M)", ``thmX.Y`` → "Thm X.Y", ``lemmaX.Y`` → "Lemma X.Y",
    ``corX.Y`` → "Cor. X.Y", ``secX_Y`` → "§X.Y", the other dotted parts with spaces for
    underscores, all joined by " · ". A box label (``du2019-thm-4-1``) reads the same way."""
    if "." not in node_id and "-" in node_id:   # a theorem-box label: chapter-word-1-2
        head, *rest = node_id.split("-")
        if chapter is None or head == chapter:
            parts, out = rest, []
        else:
            parts, out = rest, [head]
        i = 0
        while i < len(parts):
            j = i + 1
            while j < len(parts) and parts[j].isdigit():
                j += 1
            word, nums = parts[i], parts[i + 1:j]
            named = _numbered(word, ".".join(nums)) if nums else None
            if named is None and word.lower() in _WORDS and not nums:
                named = _WORDS[word.lower()] or word
            out.append(named if named is not None else " ".join(parts[i:j]))
            i = j
        return " · ".join(out) or node_id
    head, _, rest = node_id.partition(".")
    prefix = []
    if chapter is not None and head != chapter:
        prefix = [head]
    if not rest:
        return node_id
    out = prefix
    while rest:
        m = _NUMBERED.match(rest)
        named = _numbered(m.group(1), m.group(2)) if m else None
        if named is not None:
            out.append(named)
            rest = rest[m.end():]
        else:
            part, _, rest = rest.partition(".")
            out.append(part.replace("_", " "))
            continue
        rest = rest[1:] if rest[:1] in (".", "_") else rest
    return " · ".join(out)


def _box_title_label(title: str | None) -> str | None:
    """A theorem box's own title, as a label when it is short and plain: "Theorem 4.1 (Du et al.
    2019)" → "Theorem 4.1"."""
    if not title or "$" in title or "\\" in title:
        return None
    text = re.sub(r"\s*\([^()]*(et al|\d{4})[^()]*\)\s*$", "", title).strip()
    return text if 0 < len(text) <= 40 else None


# advance widths (per mille of the font size) of a common sans-serif (DejaVu Sans, the widest of
# the usual ones): an estimate of a label's width, to wrap it and to squeeze a line that overflows
_ADVANCE = dict(zip("abcdefghijklmnopqrstuvwxyz", (613, 635, 550, 635, 615, 352, 635, 634, 278,
                                                    278, 579, 278, 974, 634, 612, 635, 635, 411,
                                                    521, 392, 634, 592, 818, 592, 592, 525)))
_ADVANCE.update(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (684, 686, 698, 770, 632, 575, 775, 752, 295, 295,
                                                    656, 557, 863, 748, 787, 603, 787, 695, 635,
                                                    611, 732, 684, 989, 685, 611, 685)))
_ADVANCE.update({c: 636 for c in "0123456789"})
_ADVANCE.update({" ": 318, ".": 318, ",": 318, "·": 318, ":": 337, "(": 390, ")": 390,
                 "-": 361, "–": 500, "_": 500, "§": 500, "/": 337, "‖": 500, "…": 1000})


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Estimated width in px of ``text`` at ``size`` px."""
    return sum(_ADVANCE.get(c, 640) for c in text) * size / 1000 * (1.08 if bold else 1.0)


def wrap(text: str, width: float, size: float = 11, bold: bool = True, lines: int = 2) -> list:
    """``text`` on at most ``lines`` lines of at most ``width`` px (estimated): broken between its
    " · " parts when they fit, else between words; the last line cut with "…" when needed."""
    def fits(t):
        return text_width(t, size, bold) <= width

    out: list = []
    for seg in text.split(" · "):
        if out and fits(f"{out[-1]} · {seg}"):
            out[-1] = f"{out[-1]} · {seg}"
        elif fits(seg):
            out.append(seg)
        else:
            cur = ""
            for word in seg.split(" "):
                if cur and not fits(f"{cur} {word}"):
                    out.append(cur)
                    cur = word
                else:
                    cur = f"{cur} {word}" if cur else word
            out.append(cur)
    if len(out) > lines:
        out = out[:lines - 1] + [" ".join(out[lines - 1:])]
    last = out[-1]
    if not fits(last) and (len(out) == lines or " " not in last):
        while len(last) > 1 and not fits(last + "…"):
            last = last[:-1]
        out[-1] = last.rstrip(" ·") + "…"
    return out


# -- the graph --------------------------------------------------------------------------------------
@dataclass
class Node:
    id: str
    records: list = field(default_factory=list)
    deps: list = field(default_factory=list)
    label: str = ""
    title: str | None = None      # a theorem box's title
    box_type: str | None = None   # a theorem box's type ("theorem", "lemma", …)
    checked: bool = False
    fully_checked: bool = False
    given: bool = False           # a theorem box with nothing under it (see derive_states)

    @property
    def is_box(self) -> bool:
        return not self.records

    @property
    def kind(self) -> str:
        return self.records[0]["kind"] if self.records else "box"

    @property
    def groups(self) -> Counter:
        """Fill group → number of records (cases) in it."""
        return Counter(status_group(r["status"]) for r in self.records) if self.records \
            else Counter({"box": 1})

    @property
    def status(self) -> str:
        """The worst fill group."""
        groups = self.groups
        return next(g for g in SEVERITY if g in groups)

    @property
    def hypothesis(self) -> str:
        return hypothesis_group(self.records) if self.records else "box"

    @property
    def certified(self) -> bool:
        return any(r.get("certified") == "proved" for r in self.records)

    @property
    def disproved(self) -> bool:
        return any(r.get("certified") == "disproved" for r in self.records)

    @property
    def category(self) -> str:
        """The legend's fill category: ``"fully checked"`` or the worst fill group."""
        return "fully checked" if self.fully_checked else self.status


@dataclass
class ProofGraph:
    root: str
    nodes: dict            # id → Node, the root first
    edges: list            # (user, used): ``user`` rests on ``used``
    drawn: list = field(default_factory=list)   # the edges not implied by a longer chain

    def successors(self, n):
        return self.nodes[n].deps


def transitive_reduction(g: ProofGraph) -> list:
    """The edges of ``g`` that no longer chain implies: ``u → v`` is left out when ``v`` is reached
    from another dependency of ``u`` (what rests on what is unchanged; the drawing is lighter)."""
    below: dict = {}
    for n in reversed(topological_order(g)):
        reach = set()
        for d in g.successors(n):
            reach |= {d} | below[d]
        below[n] = reach
    return [(u, v) for u, v in g.edges
            if not any(v in below[w] for w in g.successors(u) if w != v)]


def build_graph(records, root: str, boxes: dict | None = None) -> ProofGraph:
    """The graph of everything ``root`` rests on. ``records`` are ledger records (with ``_doc``);
    a dependency that is not a claim id is a theorem box: ``boxes`` may map its label to
    ``{"title": …, "type": …, "deps": [...]}`` (all optional)."""
    boxes = boxes or {}
    groups: dict = {}
    for r in records:
        groups.setdefault(r.get("base_id") or r["id"], []).append(r)
    if root not in groups and root not in boxes:
        raise ProofGraphError(f"ntkbook-proof-graph: no claim {root!r} in this build")
    chapter = root.split(".")[0].split("-")[0]
    nodes: dict = {}
    edges = []
    todo = [root]
    while todo:
        n = todo.pop(0)
        if n in nodes:
            continue
        recs = groups.get(n, [])
        if recs:
            deps = sorted({d for r in recs for d in r.get("depends_on") or []})
        else:
            deps = sorted(set(boxes.get(n, {}).get("deps") or []))
        info = boxes.get(n, {}) if not recs else {}
        node = Node(n, recs, deps, title=info.get("title"), box_type=info.get("type"))
        node.label = (_box_title_label(node.title) if not recs else None) or short_label(n, chapter)
        nodes[n] = node
        for d in deps:
            edges.append((n, d))
            todo.append(d)
    g = ProofGraph(root, nodes, edges)
    _check_acyclic(g)
    g.drawn = transitive_reduction(g)
    derive_states(g)
    return g


def _check_acyclic(g: ProofGraph) -> None:
    state: dict = {}

    def visit(n, path):
        state[n] = 1
        for d in g.successors(n):
            if state.get(d) == 1:
                raise ProofGraphError(f"a proof graph has a cycle: {' → '.join(path + [n, d])}")
            if d not in state:
                visit(d, path + [n])
        state[n] = 2

    visit(g.root, [])


def topological_order(g: ProofGraph) -> list:
    """Every node after all that rest on it (the root first)."""
    order, seen = [], set()

    def visit(n):
        seen.add(n)
        for d in g.successors(n):
            if d not in seen:
                visit(d)
        order.append(n)

    for n in g.nodes:
        if n not in seen:
            visit(n)
    return order[::-1]


def derive_states(g: ProofGraph) -> None:
    """Set ``checked``, ``fully_checked`` and ``given`` on every node.

    * A claim is *checked* when every record of it holds or reproduces with its hypothesis met
      (or, for an identity or an assumption, with none); a theorem box is checked when everything
      it rests on is.
    * A theorem box with nothing under it in the graph is *given*: a statement the graph takes as
      it is (a definition, a hypothesis, or the paper's lemma that the claims resting on it check).
      It does not stop what rests on it from being fully checked, but is not itself shown as
      checked (nothing in the graph checks it).
    * A node is *fully checked* when it is checked and everything it rests on is fully checked
      (or given)."""
    for n in reversed(topological_order(g)):   # dependencies first
        node = g.nodes[n]
        deps = [g.nodes[d] for d in node.deps]
        node.given = node.is_box and not deps
        if node.records:
            node.checked = all(record_checked(r) for r in node.records)
        else:
            node.checked = bool(deps) and all(d.checked or d.given for d in deps)
        node.fully_checked = node.checked and all(d.fully_checked or d.given for d in deps)


# -- layout (Sugiyama) ------------------------------------------------------------------------------
NODE_W, NODE_H = 130, 48
DUMMY_W = 8
GAP_X = 12
#: the width a graph is laid out in (the content column at a 1400 px window is about 770 px)
FRAME_W = 760
ROW_GAP = 40            # vertical space between rows (the edges' curves)
PAD = 8
#: the content column is about 770 px wide: at most this many nodes a row
ROW_CAPACITY = 5


@dataclass
class Layout:
    layers: list            # rows, top to bottom: node ids and dummies ("~", user, used, i)
    edges: list             # (upper, lower) between consecutive rows
    x: dict                 # centre x of every node and dummy
    y: dict                 # top y of every row's element
    width: float
    height: float
    chains: dict            # (user, used) → [user, dummies…, used]


def is_dummy(v) -> bool:
    return isinstance(v, tuple)


def assign_layers(g: ProofGraph, capacity: int = ROW_CAPACITY) -> dict:
    """Row of every node: the root in row 0, every node below everything that rests on it, at most
    ``capacity`` nodes a row. Nodes are placed in order of their lowest possible row, the ones with
    the longest chain under them first, so that wide rows push leaves down."""
    order = topological_order(g)
    height: dict = {}
    for n in reversed(order):
        height[n] = 1 + max((height[d] for d in g.successors(n)), default=0)
    preds: dict = {n: 0 for n in g.nodes}
    for _, d in g.edges:
        preds[d] += 1
    rank = {n: i for i, n in enumerate(order)}
    lowest = {n: 0 for n in g.nodes}
    available = [g.root]
    count: Counter = Counter()
    layer: dict = {}
    while available:
        available.sort(key=lambda n: (lowest[n], -height[n], rank[n]))
        n = available.pop(0)
        row = lowest[n]
        while count[row] >= capacity:
            row += 1
        layer[n] = row
        count[row] += 1
        for d in g.successors(n):
            lowest[d] = max(lowest[d], row + 1)
            preds[d] -= 1
            if preds[d] == 0:
                available.append(d)
    return layer


def layered_edges(g: ProofGraph, layer: dict):
    """Rows with dummy nodes on edges spanning several rows; returns (rows, edges between
    consecutive rows, chains)."""
    rows: list = [[] for _ in range(max(layer.values()) + 1)]
    for n in topological_order(g):
        rows[layer[n]].append(n)
    edges, chains = [], {}
    for u, v in g.drawn:
        chain = [u] + [("~", u, v, i) for i in range(layer[u] + 1, layer[v])] + [v]
        for i, dmy in enumerate(chain[1:-1]):
            rows[layer[u] + 1 + i].append(dmy)
        edges.extend(zip(chain, chain[1:]))
        chains[(u, v)] = chain
    return rows, edges, chains


def count_crossings(rows, edges) -> int:
    """Edge crossings of an ordering: pairs of edges between the same two consecutive rows whose
    ends are in opposite orders."""
    pos = {v: i for row in rows for i, v in enumerate(row)}
    level = {v: k for k, row in enumerate(rows) for v in row}
    by_level: dict = {}
    for a, b in edges:
        if level[a] > level[b]:
            a, b = b, a
        by_level.setdefault(level[a], []).append((pos[a], pos[b]))
    total = 0
    for pairs in by_level.values():
        for (a1, b1), (a2, b2) in itertools.combinations(pairs, 2):
            if (a1 - a2) * (b1 - b2) < 0:
                total += 1
    return total


def order_rows(rows, edges, sweeps: int = 12, restarts: int = 16):
    """Order every row to reduce crossings: from the given order and from ``restarts`` shuffled
    ones (seeded: the drawing is reproducible), barycenter sweeps down and up, each followed by
    adjacent transpositions; returns the best ordering found (never worse than the given one)."""
    best, best_c = [list(r) for r in rows], count_crossings(rows, edges)
    for k in range(restarts + 1):
        start = [list(r) for r in rows]
        if k:
            rng = random.Random(k)
            for r in start:
                rng.shuffle(r)
        found = _sweep(start, edges, sweeps)
        c = count_crossings(found, edges)
        if c < best_c:
            best, best_c = found, c
        if best_c == 0:
            break
    return best


def _sweep(rows, edges, sweeps):
    up: dict = {v: [] for row in rows for v in row}
    down: dict = {v: [] for row in rows for v in row}
    for a, b in edges:
        down[a].append(b)
        up[b].append(a)
    rows = [list(r) for r in rows]
    best, best_c = [list(r) for r in rows], count_crossings(rows, edges)

    def bary(row, nbrs, ref):
        pos = {v: i for i, v in enumerate(ref)}
        keyed = []
        for i, v in enumerate(row):
            ps = [pos[w] for w in nbrs[v] if w in pos]
            keyed.append((sum(ps) / len(ps) if ps else i * len(ref) / max(len(row), 1), i, v))
        keyed.sort(key=lambda t: (t[0], t[1]))
        return [v for *_, v in keyed]

    def pair_crossings(u, v, nbrs, ref_pos):
        return sum(1 for a in nbrs[u] for b in nbrs[v] if ref_pos[a] > ref_pos[b])

    def transpose():
        improved = True
        while improved:
            improved = False
            for k, row in enumerate(rows):
                above = {v: i for i, v in enumerate(rows[k - 1])} if k > 0 else {}
                below = {v: i for i, v in enumerate(rows[k + 1])} if k + 1 < len(rows) else {}
                for i in range(len(row) - 1):
                    u, v = row[i], row[i + 1]
                    now = pair_crossings(u, v, up, above) + pair_crossings(u, v, down, below)
                    swapped = pair_crossings(v, u, up, above) + pair_crossings(v, u, down, below)
                    if swapped < now:
                        row[i], row[i + 1] = v, u
                        improved = True

    for it in range(sweeps):
        if it % 2 == 0:
            for k in range(1, len(rows)):
                rows[k] = bary(rows[k], up, rows[k - 1])
        else:
            for k in range(len(rows) - 2, -1, -1):
                rows[k] = bary(rows[k], down, rows[k + 1])
        transpose()
        c = count_crossings(rows, edges)
        if c < best_c:
            best, best_c = [list(r) for r in rows], c
    return best


def _isotonic(desired, weights, gaps, bounds=None):
    """Positions x minimising Σ w (x − desired)² with x[i+1] − x[i] ≥ gaps[i] (pool adjacent
    violators on the offsets) and, given ``bounds`` = (lo, hi), x[0] ≥ lo and x[-1] ≤ hi (the
    unbounded solution clamped: exact for isotonic regression)."""
    offs = [0.0]
    for gap in gaps:
        offs.append(offs[-1] + gap)
    target = [d - o for d, o in zip(desired, offs)]
    blocks: list = []   # [mean, weight, size]
    for t, w in zip(target, weights):
        blocks.append([t, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, s2 = blocks.pop()
            m1, w1, s1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, s1 + s2])
    y = [m for m, _, s in blocks for _ in range(s)]
    if bounds is not None:
        lo, hi = bounds[0], max(bounds[1] - offs[-1], bounds[0])
        y = [min(max(v, lo), hi) for v in y]
    return [a + o for a, o in zip(y, offs)]


def _width(v) -> float:
    return DUMMY_W if is_dummy(v) else NODE_W


def _gaps(row) -> list:
    """Least distances between the centres of neighbours in a row."""
    return [(_width(a) + _width(b)) / 2 + (4 if is_dummy(a) and is_dummy(b) else GAP_X)
            for a, b in zip(row, row[1:])]


def place(rows, edges, iterations: int = 30, frame: float = FRAME_W):
    """x of every element: each row keeps its order and spacing, and is pulled towards the mean of
    its neighbours in the rows above and below (dummies weigh more: long edges stay straight),
    inside a frame as wide as ``frame`` or the widest row."""
    nbrs: dict = {v: [] for row in rows for v in row}
    for a, b in edges:
        nbrs[a].append(b)
        nbrs[b].append(a)
    spans = [sum(_gaps(row)) + (_width(row[0]) + _width(row[-1])) / 2 for row in rows if row]
    half = max([frame - 2 * PAD, *spans]) / 2
    x: dict = {}
    for row in rows:
        offs = [0.0]
        for gap in _gaps(row):
            offs.append(offs[-1] + gap)
        for v, o in zip(row, offs):
            x[v] = o - offs[-1] / 2
    order = list(range(len(rows)))
    for it in range(iterations):
        for k in (order if it % 2 == 0 else order[::-1]):
            row = rows[k]
            desired = [sum(x[w] for w in nbrs[v]) / len(nbrs[v]) if nbrs[v] else x[v] for v in row]
            weights = [(4.0 if is_dummy(v) else 1.0) * max(len(nbrs[v]), 1) for v in row]
            bounds = (-half + _width(row[0]) / 2, half - _width(row[-1]) / 2)
            for v, xv in zip(row, _isotonic(desired, weights, _gaps(row), bounds)):
                x[v] = xv
    return x


def layout(g: ProofGraph, capacity: int = ROW_CAPACITY) -> Layout:
    layer = assign_layers(g, capacity)
    rows, edges, chains = layered_edges(g, layer)
    rows = order_rows(rows, edges)
    x = place(rows, edges)
    left = min(x[v] - _width(v) / 2 for v in x)
    right = max(x[v] + _width(v) / 2 for v in x)
    for v in x:
        x[v] += PAD - left
    y = {v: PAD + k * (NODE_H + ROW_GAP) for k, row in enumerate(rows) for v in row}
    return Layout(rows, edges, x, y, right - left + 2 * PAD,
                  len(rows) * (NODE_H + ROW_GAP) - ROW_GAP + 2 * PAD, chains)


# -- drawing ----------------------------------------------------------------------------------------
FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"


def _ports(items, centre, half):
    """Spread the ends of several edges over a node's side, in the order of their other ends."""
    if len(items) == 1:
        return {items[0][1]: centre}
    items = sorted(items)
    step = 2 * half / (len(items) - 1)
    return {key: centre - half + i * step for i, (_, key) in enumerate(items)}


def _curve(points) -> str:
    """A smooth path through points going down row by row (vertical tangents at each point)."""
    (x0, y0), *rest = points
    d = [f"M{x0:.1f},{y0:.1f}"]
    for x1, y1 in rest:
        if abs(x1 - x0) < 0.5:
            d.append(f"L{x1:.1f},{y1:.1f}")
        else:
            my = (y0 + y1) / 2
            d.append(f"C{x0:.1f},{my:.1f} {x1:.1f},{my:.1f} {x1:.1f},{y1:.1f}")
        x0, y0 = x1, y1
    return "".join(d)


def _title(node: Node) -> str:
    lines = [node.id]
    if node.is_box:
        lines.append(f"{node.box_type or 'theorem box'}" + (f": {node.title}" if node.title else ""))
        lines.append("not itself checked" + ("; rests on: " + ", ".join(node.deps) if node.deps
                                             else ""))
    else:
        first = node.records[0]
        if first.get("statement"):
            lines.append(first["statement"])
        if first.get("source"):
            lines.append(f"source: {first['source']}")
        statuses = Counter(r["status"] for r in node.records)
        lines.append(f"{node.kind}, {len(node.records)} case(s): "
                     + ", ".join(f"{k} {v}" for k, v in statuses.items()))
        hyp = Counter({True: "met", False: "not met", None: "none"}[r.get("hypothesis_met")]
                      for r in node.records)
        lines.append("hypothesis: " + ", ".join(f"{k} {v}" for k, v in hyp.items()))
        verdicts = Counter(r.get("certified") for r in node.records if r.get("certified"))
        if verdicts:
            lines.append("certificate: " + ", ".join(f"{k} {v}" for k, v in verdicts.items()))
    if node.given:
        lines.append("taken as given (nothing under it in this graph)")
    elif node.fully_checked:
        lines.append("fully checked (with everything it rests on)")
    elif node.checked:
        lines.append("checked; something it rests on is not fully checked")
    return "\n".join(lines)


def _svg_id(root: str) -> str:
    return "pg-" + re.sub(r"[^A-Za-z0-9]+", "-", root).strip("-").lower()


def render_svg(g: ProofGraph, link=None, lay: Layout | None = None) -> str:
    """The inline SVG of a proof graph; ``link(node_id)`` → URL or None."""
    lay = lay or layout(g)
    gid = _svg_id(g.root)
    W, H = lay.width, lay.height
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ntkbook-proof-graph" id="{gid}" '
             f'width="100%" viewBox="0 0 {W:.0f} {H:.0f}" preserveAspectRatio="xMidYMin meet" '
             f'style="max-width:min(100%, {W:.0f}px);height:auto" role="img" '
             f'aria-label="proof graph of {html.escape(g.root)}" font-family="{html.escape(FONT)}">',
             f'<defs><marker id="{gid}-arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
             'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
             '<path d="M0,1 L10,5 L0,9 z" fill="#6e7781"/></marker></defs>']
    # edges: from the top of the used node up to the bottom of the node that uses it
    starts: dict = {}   # element → [(x of the other end, chain key)]
    ends: dict = {}
    for (u, v), chain in lay.chains.items():
        starts.setdefault(u, []).append((lay.x[chain[1]], (u, v)))
        ends.setdefault(v, []).append((lay.x[chain[-2]], (u, v)))
    out_port = {u: _ports(items, lay.x[u], NODE_W * 0.42) for u, items in starts.items()}
    in_port = {v: _ports(items, lay.x[v], NODE_W * 0.42) for v, items in ends.items()}
    parts.append('<g class="edges" fill="none" stroke="#8c959f" stroke-width="1.3">')
    for (u, v), chain in lay.chains.items():
        pts = [(out_port[u][(u, v)], lay.y[u] + NODE_H)]
        for dmy in chain[1:-1]:
            pts += [(lay.x[dmy], lay.y[dmy]), (lay.x[dmy], lay.y[dmy] + NODE_H)]
        pts.append((in_port[v][(u, v)], lay.y[v]))
        parts.append(f'<path d="{_curve(pts)}" marker-start="url(#{gid}-arr)" '
                     f'data-from="{html.escape(v)}" data-to="{html.escape(u)}"/>')
    parts.append("</g>")
    for n, node in g.nodes.items():
        parts.append(_node_svg(node, lay.x[n] - NODE_W / 2, lay.y[n], gid, link(n) if link else None))
    parts.append("</svg>")
    return "".join(parts)


def _node_svg(node: Node, x: float, y: float, gid: str, url: str | None) -> str:
    stroke, dash, sw, _ = BORDERS[node.hypothesis]
    rx = 14 if node.is_box else 5
    classes = ["node", "box" if node.is_box else "claim", f"status-{node.status.replace(' ', '-')}",
               f"hyp-{node.hypothesis}"]
    if node.checked:
        classes.append("checked")
    if node.fully_checked:
        classes.append("fully-checked")
    if node.certified:
        classes.append("certified")
    if node.disproved:
        classes.append("disproved")
    text_colour = "#1f2328"
    out = [f'<g class="{" ".join(classes)}" data-id="{html.escape(node.id)}" '
           f'data-status="{html.escape(node.status)}" data-hypothesis="{node.hypothesis}">',
           f"<title>{html.escape(_title(node))}</title>"]
    rect = f'x="{x:.1f}" y="{y:.1f}" width="{NODE_W}" height="{NODE_H}" rx="{rx}"'
    if node.fully_checked:
        out.append(f'<rect {rect} fill="{FULLY_CHECKED[0]}"/>')
        text_colour = FULLY_CHECKED[1]
    else:
        groups = node.groups
        if len(groups) == 1:
            out.append(f'<rect {rect} fill="{FILLS[node.status][0]}"/>')
        else:   # stripes, as wide as the share of the cases, in legend order
            cid = f"{gid}-clip-{re.sub(r'[^A-Za-z0-9]+', '-', node.id)}"
            out.append(f'<clipPath id="{cid}"><rect {rect}/></clipPath><g clip-path="url(#{cid})">')
            total, cx = sum(groups.values()), x
            for grp in FILLS:
                if grp in groups:
                    w = NODE_W * groups[grp] / total
                    out.append(f'<rect x="{cx:.1f}" y="{y:.1f}" width="{w + 0.5:.1f}" '
                               f'height="{NODE_H}" fill="{FILLS[grp][0]}"/>')
                    cx += w
            out.append("</g>")
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    out.append(f'<rect class="border" {rect} fill="none" stroke="{stroke}" stroke-width="{sw}"'
               f'{dash_attr}/>')
    # text: the label on one or two lines, the kind below
    lines = wrap(node.label, NODE_W - 10)
    if node.is_box:
        sub = node.box_type or "theorem box"
    else:
        n = len(node.records)
        ok = sum(1 for r in node.records if r["status"] in ("holds", "reproduced"))
        sub = node.kind + ("" if n == 1 else f" · {ok}/{n} hold" if len(node.groups) > 1
                           else f" · {n} cases")
    cx = x + NODE_W / 2
    first = y + (16 if len(lines) == 2 else 21)
    for i, line in enumerate(lines):
        squeeze = ""
        if text_width(line, 11, True) > NODE_W - 8:
            squeeze = f' textLength="{NODE_W - 8}" lengthAdjust="spacingAndGlyphs"'
        out.append(f'<text x="{cx:.1f}" y="{first + 13 * i:.1f}" font-size="11" '
                   f'font-weight="600" text-anchor="middle" fill="{text_colour}"{squeeze}>'
                   f"{html.escape(line)}</text>")
    sub_colour = "#d6f5dd" if node.fully_checked else "#57606a"
    out.append(f'<text x="{cx:.1f}" y="{y + NODE_H - 6:.1f}" font-size="9.5" text-anchor="middle" '
               f'fill="{sub_colour}">{html.escape(sub)}</text>')
    badges = [("✓ cert", CERT_COLOUR)] if node.certified else []
    badges += [("✗ cert", DISPROVED_COLOUR)] if node.disproved else []
    for i, (text, colour) in enumerate(badges):
        bx, by = x + NODE_W - 38 - 44 * i, y - 7
        out.append(f'<rect x="{bx:.1f}" y="{by:.1f}" width="40" height="13" rx="6.5" '
                   f'fill="{colour}"/><text x="{bx + 20:.1f}" y="{by + 9.5:.1f}" '
                   'font-size="8.5" font-weight="600" text-anchor="middle" fill="#ffffff">'
                   f"{text}</text>")
    out.append("</g>")
    body = "".join(out)
    return f'<a href="{html.escape(url)}">{body}</a>' if url else body


# -- legend -----------------------------------------------------------------------------------------
def legend_counts(g: ProofGraph) -> dict:
    """``{"fill": {category: count}, "border": {group: count}, "certified": count,
    "disproved": count, "total": n}``:
    every node is in exactly one fill category (fully checked, or its worst group) and one border
    group."""
    fill = Counter(node.category for node in g.nodes.values())
    border = Counter(node.hypothesis for node in g.nodes.values())
    return {"fill": {k: fill.get(k, 0) for k in ["fully checked", *FILLS]},
            "border": {k: border.get(k, 0) for k in BORDERS},
            "certified": sum(node.certified for node in g.nodes.values()),
            "disproved": sum(node.disproved for node in g.nodes.values()),
            "total": len(g.nodes)}


def legend_html(g: ProofGraph) -> str:
    c = legend_counts(g)
    n = c["total"]

    def item(swatch_style, text, count, cls=""):
        zero = " ntkbook-zero" if count == 0 else ""
        return (f'<span class="ntkbook-legend-item{zero}{cls}"><span class="ntkbook-swatch" '
                f'style="{swatch_style}"></span>{html.escape(text)} <b>{count}&#8201;/&#8201;{n}</b>'
                "</span>")

    fills = [item(f"background:{FULLY_CHECKED[0]};border:2px solid {FULLY_CHECKED[0]}",
                  FULLY_CHECKED_LEGEND, c["fill"]["fully checked"])]
    for grp, (colour, text) in FILLS.items():
        fills.append(item(f"background:{colour}", text, c["fill"][grp]))
    borders = []
    for grp, (stroke, dash, sw, text) in BORDERS.items():
        style = "dashed" if dash else "solid"
        borders.append(item(f"background:#ffffff;border:{max(sw, 1.5):.0f}px {style} {stroke}",
                            text, c["border"][grp]))
    borders.append(item(f"background:{CERT_COLOUR};border-radius:6px",
                        "✓ cert: certified (proved)", c["certified"]))
    if c["disproved"]:
        borders.append(item(f"background:{DISPROVED_COLOUR};border-radius:6px",
                            "✗ cert: a certificate disproved it", c["disproved"]))
    return ('<div class="ntkbook-graph-legend">'
            f'<div><span class="ntkbook-legend-head">fill (the checks)</span>{"".join(fills)}</div>'
            f'<div><span class="ntkbook-legend-head">border (the hypothesis)</span>'
            f'{"".join(borders)}</div></div>')


def caption(g: ProofGraph) -> str:
    hidden = len(g.edges) - len(g.drawn)
    implied = (f" ({hidden} more implied by longer chains are not drawn)" if hidden else "")
    return (f"What {g.root} rests on: {len(g.nodes)} nodes, {len(g.drawn)} arrows{implied}; an "
            "arrow goes from what is used to the result that uses it. Fill: what the checks "
            "established (stripes: cases with different outcomes); border: whether the hypothesis "
            "was met; dark green: checked together with everything it rests on. Click a node to "
            "see where it is checked; hover for its statement.")


def graph_html(records, root: str, link=None, boxes: dict | None = None) -> tuple[str, str]:
    """(HTML of the graph and its legend, one-line caption)."""
    g = build_graph(records, root, boxes)
    lay = layout(g)
    svg = render_svg(g, link, lay)
    return (f'<div class="ntkbook-graph-wrap">{svg}{legend_html(g)}'
            f'{_HIGHLIGHT.replace("GID", _svg_id(g.root))}</div>', caption(g))


#: hovering a node highlights its arrows (inline: the book works offline)
_HIGHLIGHT = (
    "<script>(function(s){if(!s)return;var P=s.querySelectorAll('.edges path');"
    "s.querySelectorAll('.node').forEach(function(n){var id=n.getAttribute('data-id');"
    "n.addEventListener('mouseenter',function(){P.forEach(function(p){"
    "if(p.getAttribute('data-from')===id||p.getAttribute('data-to')===id)p.classList.add('hl')})});"
    "n.addEventListener('mouseleave',function(){P.forEach(function(p){p.classList.remove('hl')})})"
    "})})(document.getElementById('GID'));</script>")


def anchor(claim_id: str) -> str:
    return _ledger.anchor(claim_id)

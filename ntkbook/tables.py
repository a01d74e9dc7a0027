"""Tables a notebook computes, rendered as tables everywhere.

``IPython.display.Markdown`` output goes through myst-nb's CommonMark renderer, which has no
tables (a markdown table prints as one paragraph of ``| … |``). :func:`table` returns an object
whose HTML is a real ``<table>`` in a scrolling wrapper (never clipped by the content column),
and whose plain-text form is an aligned text table for a terminal::

    from ntkbook.tables import table
    table(["theory", "sphere", "digits"], [["Du et al.", 3.1, 2.7]], caption="Orders of magnitude")

Cells are formatted by :func:`cell`: floats with ``digits`` significant digits (never a
``np.float64(…)`` repr), None as "—", strings as given (HTML-escaped unless ``html=True``).
"""
from __future__ import annotations

import html as _html
import numbers

import numpy as np


def cell(value, digits: int = 3) -> str:
    """A table cell's text: numbers with ``digits`` significant digits, None as "—"."""
    if value is None:
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{float(value):.{digits}g}"
    return str(value)


class Table:
    """A table shown as HTML in notebooks and the book, as aligned text elsewhere."""

    def __init__(self, headers, rows, caption: str | None = None, digits: int = 3,
                 html: bool = False):
        self.headers = [str(h) for h in headers]
        self.rows = [[cell(v, digits) for v in row] for row in rows]
        for row in self.rows:
            if len(row) != len(self.headers):
                raise ValueError(f"a row has {len(row)} cells, the header {len(self.headers)}")
        self.caption = caption
        self.html = html      # cells (and caption) are trusted HTML: not escaped

    def _esc(self, text: str) -> str:
        return text if self.html else _html.escape(text)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{self._esc(h)}</th>" for h in self.headers)
        body = "".join("<tr>" + "".join(f"<td>{self._esc(c)}</td>" for c in row) + "</tr>"
                       for row in self.rows)
        cap = f"<caption>{self._esc(self.caption)}</caption>" if self.caption else ""
        return (f'<div class="ntkbook-table-scroll"><table class="ntkbook-table">{cap}'
                f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")

    def __repr__(self) -> str:
        cols = [self.headers] + self.rows
        widths = [max(len(r[i]) for r in cols) for i in range(len(self.headers))]
        lines = ["  ".join(h.ljust(w) for h, w in zip(self.headers, widths)),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in self.rows]
        return ((self.caption + "\n") if self.caption else "") + "\n".join(lines)


def table(headers, rows, caption: str | None = None, digits: int = 3, html: bool = False) -> Table:
    """A :class:`Table` (display it, or make it a cell's last expression)."""
    return Table(headers, rows, caption=caption, digits=digits, html=html)

"""Figures of the nguyen2021 chapter, sized for the book's content column (about 770 px wide at
100% zoom): 7.6 inches at 100 dpi, fonts of 9–10 points, legends outside the data (below the axes,
in the figure's own margin, with constrained layout)."""
from __future__ import annotations

import matplotlib.pyplot as plt

#: figure width in inches: 760 px at the 100 dpi below, shown at 100% in the column
WIDTH = 7.6
STYLE = {"figure.dpi": 100, "savefig.dpi": 100, "font.size": 10, "axes.titlesize": 10,
         "axes.labelsize": 10, "legend.fontsize": 9, "xtick.labelsize": 9, "ytick.labelsize": 9}


def use() -> None:
    """Set the chapter's figure style (call once at the top of a page)."""
    plt.rcParams.update(STYLE)


def figure(nrows: int = 1, ncols: int = 1, height: float = 3.4, **kw):
    """``plt.subplots`` at the column width, ``height`` inches per row, constrained layout."""
    return plt.subplots(nrows, ncols, figsize=(WIDTH, height * nrows), layout="constrained", **kw)


def legend_below(ax, ncol: int = 2, **kw):
    """The legend of ``ax`` below its x-axis label, outside the data."""
    return ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=ncol, frameon=False,
                     **kw)


def figure_legend(fig, axes=None, ncol: int = 3, **kw):
    """One legend for the figure (the labelled artists of ``axes``, default all, without
    duplicates) in the figure's bottom margin."""
    handles, labels = [], []
    for ax in (axes if axes is not None else fig.axes):
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    return fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False, **kw)

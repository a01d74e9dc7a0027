"""The Results chapter: one width atlas for the book's theories, on synthetic and real data.

* :mod:`~ntkbook.atlas.datasets` — the unit sphere and scikit-learn's digits and breast cancer,
  standardized, on the unit sphere, ±1 and one-hot labels, seeded subsamples;
* :mod:`~ntkbook.atlas.theories` — every use of the chapters' functions: each theory's model,
  initialization, limiting kernel, step, required width and computed hypothesis;
* :mod:`~ntkbook.atlas.measured` — the measured width m* per (theory, data set, n), selected and
  tested on disjoint seeds (:mod:`ntkbook.widths`), the grid through :mod:`ntkbook.sweep`;
* :mod:`~ntkbook.atlas.claims` — the ledger checks of the chapter.
"""
from . import claims, datasets, measured, theories

__all__ = ["claims", "datasets", "measured", "theories"]

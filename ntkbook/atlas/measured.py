"""Measured widths: the smallest width at which gradient descent on a theory's own model reaches
ε·(initial loss) within the budget, selected on some seeds and tested on others
(:mod:`ntkbook.widths`).

One task of the atlas grid is one (theory, data set, n) configuration and one subsample seed
(:func:`measure`); the grid goes through :func:`ntkbook.sweep.sweep` (:func:`measure_grid`), so it
runs in local processes or on a Dask cluster. Inside a task, all initialization seeds of one width
run as one batched tensor computation (``outcomes(m, seeds)``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np

from ..sweep import sweep
from ..widths import heldout_test, select_width
from . import datasets, theories

__all__ = ["EPS", "WIDTHS", "width_grid", "Measurement", "outcomes", "measure", "measure_grid"]

#: the target: loss ≤ EPS · initial loss
EPS = 1e-3


def width_grid(m_max: int, ratio: float = 2 ** 0.5) -> tuple:
    """Even widths 2, 4, 6, 8, 12, … on a geometric grid of ``ratio`` up to ``m_max`` (even for
    the coupled initialization)."""
    k_max = int(np.floor(np.log(m_max / 2) / np.log(ratio) + 1e-9))
    return tuple(sorted({2 * int(round(ratio ** k)) for k in range(k_max + 1)}))


#: candidate widths
WIDTHS = width_grid(1024)


@dataclass(frozen=True)
class Measurement:
    """One configuration's measured width: m* on the selection seeds, the held-out failures at
    m*, and (when affordable) the held-out failures at the theory's required width."""
    theory: str
    dataset: str
    n: int
    data_seed: int
    eta: float
    steps: int
    lam_min: float
    lam_max: float
    m_star: int | None
    success: dict
    select_seeds: tuple
    test_seeds: tuple
    failures: int | None
    required: dict = field(default_factory=dict)
    at_required: dict = field(default_factory=dict)


def outcomes(theory: str, X, y, eta: float, steps: int, eps: float, m: int, seeds) -> list:
    """One bool per seed: GD at width ``m`` (theory's model, init and step ``eta``) reached
    ``eps`` · initial loss within ``steps`` steps."""
    L = theories.losses(theory, X, y, int(m), seeds, eta, steps, eps)
    return [bool(v) for v in theories.reached(L, eps)]


def measure(config: tuple, data_seed: int, *, select_seeds, test_seeds, widths=WIDTHS,
            eps: float = EPS, level: float = 0.9, run_required: int = 0) -> Measurement:
    """Measure one configuration ``(theory, data set, n)`` on the subsample drawn with
    ``data_seed``: select m* on ``select_seeds`` (:func:`ntkbook.widths.select_width`), count
    failures at m* on ``test_seeds`` (:func:`ntkbook.widths.heldout_test`, which raises
    :class:`~ntkbook.errors.SeedReuseError` when the two share a seed), and, for every required
    width ≤ ``run_required``, count failures there on the same held-out seeds."""
    theory, name, n = config
    ds = datasets.subsample(name, int(n), int(data_seed))
    eta, steps, lo, hi = theories.step_and_budget(theory, ds.X, eps)
    run = partial(outcomes, theory, ds.X, ds.y, eta, steps, eps)
    sel = select_width(run, widths, select_seeds, level=level)
    failures = None
    if sel.m_star is not None:
        failures = heldout_test(run, sel, test_seeds).failures
    required = theories.required_widths(ds.X, ds.y)
    at_required = {}
    for key, m_req in required.items():
        if key.split("_")[0] == theory and m_req <= run_required:
            m_run = int(np.ceil(m_req / 2) * 2)
            at_required[key] = (m_run, heldout_test(run, sel, test_seeds, m=m_run).failures)
    return Measurement(theory, name, int(n), int(data_seed), eta, steps, lo, hi, sel.m_star,
                       sel.success, tuple(sel.seeds), tuple(int(s) for s in test_seeds),
                       failures, required, at_required)


def measure_grid(configs, data_seed: int, *, n_jobs=None, **kw) -> dict:
    """:func:`measure` over ``configs`` through :func:`ntkbook.sweep.sweep` (keys
    ``(config, data_seed)``); ``kw`` goes to :func:`measure`."""
    return sweep(measure, seeds=[int(data_seed)], sizes=[tuple(c) for c in configs],
                 n_jobs=n_jobs, desc="atlas", **kw)

"""Measured widths: the smallest width that succeeds on selection seeds, tested on other seeds.

A theorem "width m suffices with probability ≥ 1 − δ" is tested in two stages that never share a
seed:

1. **selection** — :func:`select_width` finds m*, the smallest width of a grid at which a run
   succeeds on at least a fraction ``level`` of the *selection* seeds (bisection on the grid:
   success is assumed to grow with m; every evaluated width is kept in ``success``);
2. **test** — :func:`heldout_test` counts failures at m* on *held-out* seeds; the failure count
   and trial count go to :meth:`ntkbook.ledger.Ledger.check_probability`, whose 95% upper bound
   decides. Passing a seed that was used for the selection raises
   :class:`~ntkbook.errors.SeedReuseError`.

The run itself is the caller's: ``outcomes(m, seeds)`` returns one bool per seed (True = the run
at width m and that seed succeeded), so a chapter can batch all seeds of a width into one tensor
computation. :func:`per_seed` turns a one-seed function ``fn(m, seed) -> bool`` into such an
``outcomes`` through :func:`ntkbook.sweep.sweep` (local processes or a Dask cluster).

>>> from ntkbook.widths import select_width, heldout_test, split_seeds
>>> def outcomes(m, seeds):                 # succeeds when m >= 8, whatever the seed
...     return [m >= 8 for _ in seeds]
>>> select, test = split_seeds(5, 10)
>>> sel = select_width(outcomes, [2, 4, 8, 16], select)
>>> sel.m_star, heldout_test(outcomes, sel, test).failures
(8, 0)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from .errors import AssumptionError, SeedReuseError
from .sweep import sweep

__all__ = ["WidthSelection", "HeldOut", "split_seeds", "per_seed", "select_width",
           "heldout_test"]


@dataclass(frozen=True)
class WidthSelection:
    """The outcome of :func:`select_width`: m* (None when no width of the grid reached the
    level), the level, the grid, the selection seeds and the success fraction of every evaluated
    width."""
    m_star: int | None
    level: float
    grid: tuple
    seeds: tuple
    success: dict = field(default_factory=dict)


@dataclass(frozen=True)
class HeldOut:
    """Failures of :func:`heldout_test` at width ``m`` over the held-out ``seeds``."""
    m: int
    failures: int
    trials: int
    seeds: tuple

    @property
    def rate(self) -> float:
        """The observed failure fraction."""
        return self.failures / self.trials


def split_seeds(n_select: int, n_test: int, start: int = 0) -> tuple[tuple, tuple]:
    """Two disjoint seed ranges: ``n_select`` selection seeds from ``start``, then ``n_test`` test
    seeds."""
    if n_select < 1 or n_test < 1:
        raise ValueError(f"need at least one selection and one test seed, got {n_select}, {n_test}")
    select = tuple(range(start, start + n_select))
    return select, tuple(range(start + n_select, start + n_select + n_test))


def _run_one(m, seed, one_seed):
    return bool(one_seed(m, seed))


def per_seed(fn: Callable, **sweep_kw) -> Callable:
    """``outcomes(m, seeds)`` from a one-seed ``fn(m, seed) -> bool``, run through
    :func:`ntkbook.sweep.sweep` (``sweep_kw``: ``n_jobs``, ``scheduler``, ``progress``). ``fn``
    must be picklable (a module-level function or a :func:`functools.partial` of one)."""
    def outcomes(m, seeds):
        res = sweep(_run_one, seeds=list(seeds), sizes=[m], one_seed=fn, **sweep_kw)
        return [res[(m, s)] for s in seeds]
    return outcomes


def _outcomes(outcomes: Callable, m: int, seeds: tuple) -> np.ndarray:
    out = np.asarray(outcomes(m, seeds))
    if out.shape != (len(seeds),):
        raise ValueError(f"outcomes(m, seeds) must return one bool per seed: got shape "
                         f"{out.shape} for {len(seeds)} seeds")
    if out.dtype != bool:
        raise TypeError(f"outcomes(m, seeds) must return bools, got dtype {out.dtype}")
    return out


def select_width(outcomes: Callable, grid: Iterable, seeds: Iterable, *,
                 level: float = 0.9) -> WidthSelection:
    """m*: the smallest width of ``grid`` whose success fraction over ``seeds`` is ≥ ``level``.

    Parameters
    ----------
    outcomes : callable
        ``outcomes(m, seeds)`` → one bool per seed (the run at width m succeeded).
    grid : iterable of int
        Candidate widths (sorted here; duplicates removed).
    seeds : iterable of int
        The selection seeds — never reuse them in :func:`heldout_test`.
    level : float
        Required success fraction on the selection seeds, in (0, 1].

    Returns
    -------
    WidthSelection
        ``m_star`` is None when even the largest width misses the level. The search is a
        bisection (success assumed monotone in m); ``success`` lists every evaluated width.
    """
    grid = tuple(sorted({int(m) for m in grid}))
    seeds = tuple(int(s) for s in seeds)
    if not grid or not seeds:
        raise ValueError("select_width needs a non-empty grid and seeds")
    if not 0 < level <= 1:
        raise ValueError(f"level must be in (0, 1], got {level}")
    success: dict = {}

    def ok(i):
        m = grid[i]
        if m not in success:
            success[m] = float(_outcomes(outcomes, m, seeds).mean())
        return success[m] >= level

    if not ok(len(grid) - 1):
        return WidthSelection(None, level, grid, seeds, dict(sorted(success.items())))
    lo, hi = 0, len(grid) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    return WidthSelection(grid[lo], level, grid, seeds, dict(sorted(success.items())))


def heldout_test(outcomes: Callable, selection: WidthSelection, seeds: Iterable,
                 m: int | None = None) -> HeldOut:
    """Failures at the selected width (or at ``m``) over held-out ``seeds``.

    Raises
    ------
    SeedReuseError
        When a test seed was one of the selection seeds.
    AssumptionError
        When the selection found no width (``m_star`` is None) and no ``m`` is given.
    """
    seeds = tuple(int(s) for s in seeds)
    shared = set(seeds) & set(selection.seeds)
    if shared:
        raise SeedReuseError(shared)
    if not seeds:
        raise ValueError("heldout_test needs at least one held-out seed")
    m = selection.m_star if m is None else int(m)
    if m is None:
        raise AssumptionError("a width of the grid succeeds on the selection seeds",
                              f"no width up to {selection.grid[-1]} reached level "
                              f"{selection.level:.0%}")
    out = _outcomes(outcomes, m, seeds)
    return HeldOut(m=m, failures=int((~out).sum()), trials=len(seeds), seeds=seeds)



"""One runner for every grid of seeds × sizes: local processes by default, a Dask cluster on demand.

>>> from ntkbook.sweep import sweep
>>> def run(m, seed):                       # one configuration: a width and a seed
...     return m * seed
>>> sweep(run, seeds=[0, 1], sizes=[10, 20], n_jobs=1)
{(10, 0): 0, (10, 1): 10, (20, 0): 0, (20, 1): 20}

* The grid is ``sizes × seeds`` (sizes outer, seeds inner): ``fn(size, seed, **kwargs)`` for every
  pair, or ``fn(seed, **kwargs)`` when ``sizes`` is None. The result is a dict keyed ``(size,
  seed)`` (or ``seed``) in that order, whatever order the tasks finish in, so a sweep is as
  deterministic as ``fn`` is for a given (size, seed) — every ntkbook computation takes an explicit
  seed and runs in float64, so the same grid gives identical results locally, serially and on a
  cluster.
* Built on joblib. Locally (the default) the tasks run in joblib's ``loky`` worker processes
  (``n_jobs`` of them, default: one per core, at most one per task; ``n_jobs=1`` runs in this
  process, for debugging).
* With ``NTKBOOK_DASK_SCHEDULER=tcp://host:port`` (or ``scheduler=``) the same grid goes to an
  existing Dask cluster through joblib's dask backend; ``n_jobs`` then defaults to every thread of
  the cluster's workers. Needs the optional extra: ``pip install ".[cluster]"`` (dask.distributed).
  ``fn`` and its arguments must be importable or picklable by cloudpickle on the workers (a
  function of an installed module such as ``ntkbook.du2019`` always is), and the workers need the
  same ntkbook and torch.
* A tqdm progress bar is shown when stderr is a terminal (``progress=None``, the default), so
  never in the rendered book; ``progress=True``/``False`` forces it.
* Workers are never recycled in the middle of a sweep. loky shuts down a worker whose resident
  memory has grown by more than 300 MB since its first task and starts a new one, announcing it
  with a ``UserWarning: A worker stopped while some jobs were given to the executor …`` that names
  loky's file by its absolute path (joblib#883, loky#641). A torch task does that without leaking:
  the allocator keeps freed buffers, and a sweep that moves to larger widths or more seeds grows
  the heap. The restart costs a fresh interpreter (torch imported again) and printed the warning
  into the book's pages. A sweep is a finite grid and its workers' memory is bounded by its
  largest task, so :func:`_worker_setup` (the workers' initializer) switches the recycling off;
  ``tests/test_sweep.py`` holds a task that grows a worker by 320 MB and checks that stderr stays
  empty.
"""
from __future__ import annotations

import os
import sys
from typing import Callable, Iterable

import joblib

#: environment variable naming a Dask scheduler, e.g. ``tcp://10.0.0.5:8786``
SCHEDULER_ENV = "NTKBOOK_DASK_SCHEDULER"


def scheduler_address() -> str | None:
    """The Dask scheduler of ``NTKBOOK_DASK_SCHEDULER``, or None (run locally)."""
    value = os.environ.get(SCHEDULER_ENV, "").strip()
    return value or None


def grid(seeds: Iterable, sizes: Iterable | None = None) -> list[tuple]:
    """The configurations of a sweep, in its order: ``(size, seed)`` with sizes outer, or
    ``(seed,)`` when ``sizes`` is None."""
    seeds = list(seeds)
    if sizes is None:
        return [(seed,) for seed in seeds]
    return [(size, seed) for size in list(sizes) for seed in seeds]


def _worker_setup() -> None:
    """Initializer of the local (loky) workers: no recycling of a worker on memory growth (the
    module docstring says why). loky checks ``_MAX_MEMORY_LEAK_SIZE`` of its process_executor
    module after every task, in the worker; an infinite threshold never triggers."""
    from joblib.externals.loky import process_executor
    process_executor._MAX_MEMORY_LEAK_SIZE = float("inf")


def _show_progress(progress: bool | None) -> bool:
    if progress is not None:
        return bool(progress)
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _collect(tasks: list, n_jobs: int, progress: bool, desc: str) -> list:
    parallel = joblib.Parallel(n_jobs=n_jobs, return_as="generator")
    results = parallel(tasks)
    if progress:
        from tqdm.auto import tqdm
        results = tqdm(results, total=len(tasks), desc=desc, file=sys.stderr)
    return list(results)


def sweep(fn: Callable, seeds: Iterable, sizes: Iterable | None = None, *,
          n_jobs: int | None = None, scheduler: str | None = None, progress: bool | None = None,
          desc: str | None = None, **kwargs) -> dict:
    """Map ``fn`` over the grid ``sizes × seeds`` (see the module docstring) and return
    ``{(size, seed): fn(size, seed, **kwargs)}`` in grid order (``{seed: fn(seed, **kwargs)}``
    when ``sizes`` is None).

    ``scheduler`` (default ``NTKBOOK_DASK_SCHEDULER``) sends the grid to that Dask cluster;
    otherwise it runs in ``n_jobs`` local processes. ``progress`` shows a tqdm bar (default: only
    when stderr is a terminal).
    """
    configs = grid(seeds, sizes)
    keys = [c[0] for c in configs] if sizes is None else configs
    if len(set(keys)) != len(keys):
        raise ValueError("the grid repeats a configuration: seeds and sizes must be distinct")
    if not configs:
        return {}
    if n_jobs is not None and (int(n_jobs) == 0 or int(n_jobs) < -1):
        raise ValueError(f"n_jobs must be a positive number of workers or -1 (all), got {n_jobs}")
    tasks = [joblib.delayed(fn)(*c, **kwargs) for c in configs]
    show = _show_progress(progress)
    label = desc or getattr(fn, "__name__", "sweep")
    address = scheduler if scheduler is not None else scheduler_address()
    if address:
        try:
            from distributed import Client
        except ImportError as exc:     # pragma: no cover - depends on the optional extra
            raise ImportError(f"{SCHEDULER_ENV}={address!r} needs dask.distributed: "
                              'pip install ".[cluster]"') from exc
        client = Client(address, set_as_default=False)
        try:
            with joblib.parallel_config(backend="dask", client=client):
                results = _collect(tasks, -1 if n_jobs is None else int(n_jobs), show, label)
        finally:
            client.close()
    else:
        jobs = int(n_jobs) if n_jobs not in (None, -1) else (os.cpu_count() or 1)
        with joblib.parallel_config(backend="loky", initializer=_worker_setup):
            results = _collect(tasks, max(1, min(jobs, len(tasks))), show, label)
    return dict(zip(keys, results))

"""The one timing helper of the benchmarks (imported by ``run.py`` and ``du2019_fig1.py``)."""
from __future__ import annotations

import time


def best_of(fn, repeat=5):
    """The fastest of ``repeat`` wall-clock timings of ``fn()``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best

"""ntkbook.sweep: one grid of seeds × sizes gives identical results serially, in local joblib
processes and on a Dask cluster (dask.distributed.LocalCluster), in grid order; a worker whose
memory grows is not recycled in the middle of a sweep (nothing printed to stderr)."""
import io
import time

import numpy as np
import pytest

from ntkbook import data, models, sweep, training


def short_gd(m, seed, steps=15):
    """A real configuration: Du et al.'s network of width m trained by GD from seed."""
    X = data.sphere(6, 3, seed=seed)
    y = data.labels(6, seed=seed + 100)
    net = models.TwoLayerReLU()
    p = net.init(m, 3, seed=seed, dev="cpu")
    tr = training.gradient_descent(lambda q: net.loss(q, X, y), p, 0.2, steps, trainable=("W",))
    return tr.losses


def seed_only(seed):
    return float(data.labels(3, seed=seed).sum())


#: memory a task keeps in its worker (see grow_worker)
_HELD = []


def grow_worker(seed):
    """From its second task on, a worker holds 320 MB (written, so resident): more than loky's
    300 MB recycling threshold above the size it had after its first task. The sleep lets loky's
    once-a-second memory check run after the task."""
    if seed >= 2 and not _HELD:
        _HELD.append(np.ones(40_000_000))
    time.sleep(1.2)
    return seed


SEEDS, SIZES = [3, 0, 1], [16, 8]


def same(a, b):
    return list(a) == list(b) and all(np.array_equal(a[k], b[k]) for k in a)


def test_grid_order_and_keys():
    assert sweep.grid([0, 1], [10, 20]) == [(10, 0), (10, 1), (20, 0), (20, 1)]
    assert sweep.grid([2, 1]) == [(2,), (1,)]
    out = sweep.sweep(seed_only, [2, 1], n_jobs=1, progress=False)
    assert list(out) == [2, 1] and out[1] == seed_only(1)
    assert sweep.sweep(seed_only, [], n_jobs=1) == {}
    with pytest.raises(ValueError, match="repeats"):
        sweep.sweep(seed_only, [1, 1], n_jobs=1)
    with pytest.raises(ValueError, match="n_jobs"):
        sweep.sweep(seed_only, [1], n_jobs=0)


def test_local_processes_match_serial_run_in_grid_order(monkeypatch):
    monkeypatch.delenv(sweep.SCHEDULER_ENV, raising=False)
    serial = sweep.sweep(short_gd, SEEDS, SIZES, n_jobs=1, steps=10)
    assert list(serial) == sweep.grid(SEEDS, SIZES)
    assert np.array_equal(serial[(8, 1)], short_gd(8, 1, steps=10))
    local = sweep.sweep(short_gd, SEEDS, SIZES, n_jobs=2, steps=10)
    assert same(serial, local)


def test_dask_cluster_gives_identical_results(monkeypatch):
    distributed = pytest.importorskip(
        "distributed", reason='dask.distributed is the optional extra: pip install ".[cluster]"')
    serial = sweep.sweep(short_gd, SEEDS, SIZES, n_jobs=1)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  protocol="tcp://", dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        monkeypatch.setenv(sweep.SCHEDULER_ENV, cluster.scheduler_address)
        assert sweep.scheduler_address() == cluster.scheduler_address
        on_cluster = sweep.sweep(short_gd, SEEDS, SIZES)
    assert same(serial, on_cluster)


def test_progress_bar_only_on_a_terminal(monkeypatch):
    class Stream(io.StringIO):
        def __init__(self, tty):
            super().__init__()
            self.tty = tty

        def isatty(self):
            return self.tty

    for tty in (False, True):
        err = Stream(tty)
        monkeypatch.setattr("sys.stderr", err)
        sweep.sweep(seed_only, [0, 1], n_jobs=1, desc="seeds")
        assert ("seeds" in err.getvalue()) is tty
    err = Stream(True)
    monkeypatch.setattr("sys.stderr", err)
    sweep.sweep(seed_only, [0], n_jobs=1, progress=False)
    assert err.getvalue() == ""


def test_a_growing_worker_is_not_recycled_and_stderr_stays_clean(monkeypatch, capfd, recwarn):
    """Before the fix, loky shut the grown worker down mid-sweep and printed "UserWarning: A
    worker stopped while some jobs were given to the executor …" with the absolute path of its
    process_executor.py (the warning shown on the atlas page). _worker_setup switches that
    recycling off in the workers."""
    from joblib.externals.loky import reusable_executor

    monkeypatch.delenv(sweep.SCHEDULER_ENV, raising=False)
    capfd.readouterr()
    try:
        out = sweep.sweep(grow_worker, list(range(6)), n_jobs=2, progress=False)
        assert out == {s: s for s in range(6)}
        time.sleep(0.5)                  # the executor's manager thread reports asynchronously
        err = capfd.readouterr().err
        assert err == "", err
        loky = [str(w.message) for w in recwarn if "joblib" in w.filename]
        assert not loky, loky
    finally:                             # release the 320 MB held by the workers
        if reusable_executor._executor is not None:
            reusable_executor._executor.shutdown(wait=True)

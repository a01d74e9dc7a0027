"""The empirical NTK at scale (issue 15): at n = 1024, d = 64, m = 4096, Du et al.'s indicator-form
Gram matrix H(W) = (1/m)(XXᵀ)∘(SSᵀ) against the generic eNTK of
:func:`ntkbook.kernels.empirical_ntk`
(torch.func's per-sample recipe: vmap of jacrev over chunks of samples), which computes the same
matrix (trainable = W, P = m·d = 262,144 numbers) without knowing the model's structure.

Printed, all measured in this one run (never asserted in unit tests: timings depend on the machine):

* time of each and their ratio (target: the indicator form ≥ 50× faster);
* peak memory of each (target: eNTK ≤ 4 GB), as the growth of the peak resident set size over the
  resident size before the call (Linux: the peak is reset through /proc/self/clear_refs; elsewhere
  ``resource.getrusage``). torch allocates outside Python's allocator, so tracemalloc would not see
  it. Each computation runs alone in its own spawned process, after the imports, the data and one
  warm-up call, so one's peak cannot hide the other's;
* the largest entry-wise difference of the two matrices (target ≤ 1e-10);
* for the implicit form (:func:`ntkbook.kernels.ntk_vp`): the time of one NTK–vector product and its
  difference from K v.

Run: ``make bench`` (with the other benchmarks) or ``.venv/bin/python benchmarks/entk_scale.py``
(``--n 256`` for a quick look).
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import resource
import sys
import time


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> int:
    """Reset the peak resident set size (Linux: ``5`` into /proc/self/clear_refs) and return the
    baseline in KiB: the current RSS, or the old peak where the reset is not available."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return _status_kib("VmRSS")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _peak_kib() -> int:
    hwm = _status_kib("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _setup(n: int, d: int, m: int):
    from ntkbook import data, models
    X = data.sphere(n, d, seed=0)
    net = models.TwoLayerReLU()
    p = net.init(m, d, seed=1, dev="cpu")
    return X, net, p


def _measure(which: str, n: int, d: int, m: int, threads: int, repeat: int):
    """In a fresh process: (seconds of the best run, peak-RSS growth in bytes, the matrix)."""
    import torch

    from ntkbook import kernels
    torch.set_num_threads(threads)
    X, net, p = _setup(n, d, m)
    if which == "indicator":
        def fn(Z=X):
            return kernels.gram(Z, p["W"])
    else:
        def fn(Z=X):
            return kernels.empirical_ntk(net.forward, p, Z, trainable=["W"])
    fn(X[:2])                                  # warm-up on 2 samples: torch.func's set-up
    best, K = float("inf"), None
    base = _reset_peak()
    for _ in range(repeat):
        t0 = time.perf_counter()
        K = fn()
        best = min(best, time.perf_counter() - t0)
    peak = (_peak_kib() - base) * 1024
    return best, peak, K.numpy()


def _ntk_vp_check(n: int, d: int, m: int, threads: int, K):
    import torch

    from ntkbook import kernels
    torch.set_num_threads(threads)
    X, net, p = _setup(n, d, m)
    v = torch.randn(n, dtype=torch.float64, generator=torch.Generator().manual_seed(7))
    t = float("inf")
    for _ in range(3):                                  # the first call pays torch.func's set-up
        t0 = time.perf_counter()
        Kv = kernels.ntk_vp(net.forward, p, X, v, trainable=["W"])
        t = min(t, time.perf_counter() - t0)
    err = float((Kv - torch.as_tensor(K) @ v).abs().max())
    return t, err


def measure(n: int = 1024, d: int = 64, m: int = 4096, threads: int | None = None) -> dict:
    import torch
    threads = threads or torch.get_num_threads()
    ctx = multiprocessing.get_context("spawn")
    out = {}
    for which, repeat in (("indicator", 3), ("entk", 1)):
        with cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
            out[which] = pool.submit(_measure, which, n, d, m, threads, repeat).result()
    H, K = out["indicator"][2], out["entk"][2]
    with cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        t_vp, err_vp = pool.submit(_ntk_vp_check, n, d, m, threads, K).result()
    return {"n": n, "d": d, "m": m, "P": m * d, "threads": threads,
            "t_indicator": out["indicator"][0], "t_entk": out["entk"][0],
            "ratio": out["entk"][0] / out["indicator"][0],
            "mem_indicator": out["indicator"][1], "mem_entk": out["entk"][1],
            "max_abs_diff": float(abs(K - H).max()), "t_ntk_vp": t_vp, "ntk_vp_err": err_vp}


def report(r: dict) -> str:
    gb = 1e9
    ok = lambda good: "ok" if good else "BELOW TARGET"  # noqa: E731
    lines = [
        f"eNTK at scale: n = {r['n']}, d = {r['d']}, m = {r['m']} (P = {r['P']:,}), "
        f"{r['threads']} torch thread(s)",
        f"  indicator form H(W)        {r['t_indicator']:9.3f} s   "
        f"peak +{r['mem_indicator'] / gb:6.3f} GB",
        f"  eNTK (vmap∘jacrev, chunks) {r['t_entk']:9.3f} s   peak +{r['mem_entk'] / gb:6.3f} GB"
        f"   {ok(r['mem_entk'] <= 4 * gb)} (target ≤ 4 GB)",
        f"  ratio eNTK / indicator     {r['ratio']:9.1f} ×   {ok(r['ratio'] >= 50)} (target ≥ 50)",
        f"  max |K_eNTK − H(W)|        {r['max_abs_diff']:9.2e}     "
        f"{ok(r['max_abs_diff'] <= 1e-10)} (target ≤ 1e-10)",
        f"  implicit K·v (ntk_vp)      {r['t_ntk_vp']:9.3f} s   "
        f"max |K·v − (K)v| = {r['ntk_vp_err']:.2e}",
    ]
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1024)
    ap.add_argument("--d", type=int, default=64)
    ap.add_argument("--m", type=int, default=4096)
    ap.add_argument("--threads", type=int, default=None)
    a = ap.parse_args(argv)
    print(report(measure(a.n, a.d, a.m, a.threads)), flush=True)


if __name__ == "__main__":
    sys.exit(main())

"""Figure 1 of Du et al. 2019 at the paper's scale (n = d = 1000, m = 1000 … 16000, 100
iterations, 3 seeds per width): the time of one GD step against two fp64 matrix products XWᵀ
(what a step on W costs at least: the forward product and the gradient), and the time of the
whole figure. Run: ``.venv/bin/python benchmarks/du2019_fig1.py [--step-only]`` (``make bench``
runs it from ``benchmarks/run.py``).

Targets (issue 10): a step at ≥ 60% of the two-product rate (ratio 2·t_XWᵀ / t_step ≥ 0.6) and
the whole paper-scale figure in ≤ 5 min on 2 cores (ratio 300 s / t_figure ≥ 1). The step carries
Z = XWᵀ and costs one (n×n)·(n×m) product (``ntkbook.du2019.figure1``), so the first ratio can
exceed 1. Timings depend on the load of the machine: the load average is printed beside them.
"""
from __future__ import annotations

import argparse
import os
import time

import torch
from timing import best_of  # benchmarks/ is on sys.path (run as a script or from run.py)

from ntkbook import du2019 as du
from ntkbook.models import TwoLayerReLU


def row(name, ratio, target, detail):
    mark = "ok" if ratio >= target else "BELOW TARGET"
    print(f"{name:62s} {ratio:8.2f} {'≥' + format(target, 'g'):>7s}  {detail} {mark}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step-only", action="store_true", help="skip the whole figure")
    args = parser.parse_args(argv)
    torch.set_num_threads(os.cpu_count() or 1)
    cfg = du.PAPER_SCALE
    X, y, eta = du.figure1_problem(cfg["n"])
    m = max(cfg["widths"])
    W = TwoLayerReLU.init(m, X.shape[1], 0, dev="cpu")["W"]
    print(f"Du et al. 2019 Figure 1 at the paper's scale: n = d = {cfg['n']}, widths "
          f"{list(cfg['widths'])}, {cfg['steps']} iterations, {cfg['seeds']} seeds; "
          f"{torch.get_num_threads()} threads; load average {os.getloadavg()[0]:.2f}", flush=True)
    t_gemm = best_of(lambda: X @ W.T, 3)
    gflops = 2 * X.shape[0] * X.shape[1] * m / t_gemm / 1e9
    steps = 5
    t_run = best_of(lambda: du.figure1_run(X, y, m, 0, eta, steps, lam_every=None), 2)
    t_zero = best_of(lambda: du.figure1_run(X, y, m, 0, eta, 0, lam_every=None), 2)
    t_step = (t_run - t_zero) / steps
    row(f"Figure 1 GD step (m = {m}) vs two fp64 XW^T products", 2 * t_gemm / t_step, 0.6,
        f"step {t_step:.3f} s, XW^T {t_gemm:.3f} s ({gflops:.1f} GFLOP/s);")
    if args.step_only:
        return
    t0 = time.perf_counter()
    du.figure1_sweep(X, y, cfg["widths"], cfg["seeds"], eta, cfg["steps"], cfg["lam_every"])
    t_fig = time.perf_counter() - t0
    row("whole paper-scale Figure 1 vs 5 min", 300.0 / t_fig, 1.0,
        f"{t_fig:.0f} s (lambda_min(H(k)) every {cfg['lam_every']} iterations); load average "
        f"after {os.getloadavg()[0]:.2f};")


if __name__ == "__main__":
    main()

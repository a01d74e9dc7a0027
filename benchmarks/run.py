"""Speed benchmarks of the ntkbook core, printed as ratios measured in one run (never asserted in
unit tests: timings depend on the machine). Run: `make bench` or `.venv/bin/python benchmarks/run.py`.

Targets (from the foundation issue):
* the indicator-form Gram matrix H(W) = (1/m)(XXᵀ)∘(SSᵀ) must be much faster than forming the NTK
  from per-sample Jacobians (torch.func) — target ratio ≥ 10 at n = 64, m = 4096; at scale
  (n = 1024, d = 64, m = 4096; issue 15) see ``entk_scale.py``, run at the end: ratio ≥ 50, eNTK
  peak memory ≤ 4 GB, agreement ≤ 1e-10;
* the closed-form H∞ must be much faster than a Monte Carlo estimate of comparable use;
* Du et al.'s eq. (3) gradient must not be slower than autograd;
* Du et al.'s Figure 1 at the paper's scale (issue 10; ``du2019_fig1.py``, run after
  ``entk_scale.py``): a GD step at ≥ 60% of the rate of two fp64 XWᵀ products, and the whole
  figure (n = d = 1000, m ≤ 16000, 100 iterations, 3 seeds) in ≤ 5 min on 2 cores;
* the certified λ0 = λ_min(H∞) at n = d = 1000 (issue 21; ``certify_lambda.py``, run last): H∞
  enclosed in ball arithmetic and Rump's verified Cholesky, proved in ≤ 30 s, timed against the
  float H∞ and ``numpy.linalg.eigvalsh``.
"""
from __future__ import annotations

import certify_lambda  # benchmarks/ is the directory of this script, so it is on sys.path
import du2019_fig1
import entk_scale
import torch
from timing import best_of

from ntkbook import data, kernels, models, training


def main():
    torch.set_num_threads(max(1, torch.get_num_threads()))
    n, d, m = 64, 32, 4096
    X = data.sphere(n, d, seed=0)
    net = models.TwoLayerReLU()
    p = net.init(m, d, seed=1, dev=torch.device("cpu"))
    y = data.labels(n, seed=2)
    rows = []

    t_gram = best_of(lambda: kernels.gram(X, p["W"]))
    t_ntk = best_of(lambda: kernels.empirical_ntk(net.forward, p, X, trainable=["W"]), repeat=2)
    rows.append(("H(W): indicator form vs torch.func NTK", t_ntk / t_gram, 10.0,
                 f"{t_gram * 1e3:.2f} ms vs {t_ntk * 1e3:.1f} ms; memory n·m = {n * m:,} vs n·m·d = {n * m * d:,} floats"))

    t_closed = best_of(lambda: kernels.h_infinity(X))
    t_mc = best_of(lambda: kernels.h_infinity_mc(X, 100_000, seed=3), repeat=2)
    rows.append(("H∞: closed form vs Monte Carlo (1e5 samples)", t_mc / t_closed, 10.0,
                 f"{t_closed * 1e3:.2f} ms vs {t_mc * 1e3:.1f} ms"))

    loss = lambda q: net.loss(q, X, y)  # noqa: E731
    t_auto = best_of(lambda: training.gradients(loss, p, ("W",)))
    t_formula = best_of(lambda: net.grad_W(p, X, y))
    rows.append(("Du eq. (3) gradient vs autograd", t_auto / t_formula, 1.0,
                 f"{t_formula * 1e3:.2f} ms vs {t_auto * 1e3:.2f} ms"))

    t_gd = best_of(lambda: training.gradient_descent(loss, p, eta=1e-3, steps=50), repeat=2)
    t_gd_rec = best_of(lambda: training.gradient_descent(
        loss, p, eta=1e-3, steps=50, record={"lam": lambda q, k: kernels.lambda_min(kernels.gram(X, q["W"]))}), repeat=2)
    rows.append(("plain GD vs GD recording λ_min(H) each step (overhead ratio)", t_gd_rec / t_gd, None,
                 "metrics cost only when asked for"))

    print(f"{'benchmark':62s} {'ratio':>8s} {'target':>7s}  detail")
    for name, ratio, target, detail in rows:
        mark = "" if target is None else ("ok" if ratio >= target else "BELOW TARGET")
        tgt = "" if target is None else f"≥{target:g}"
        print(f"{name:62s} {ratio:8.1f} {tgt:>7s}  {detail} {mark}")
    print(flush=True)
    entk_scale.main([])
    print(flush=True)
    du2019_fig1.main([])
    print(flush=True)
    certify_lambda.main([])


if __name__ == "__main__":
    main()

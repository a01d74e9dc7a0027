"""Certified λ0 = λ_min(H∞) (issue 21): at n = 1000 points uniform on the sphere (seed 0; d = n
by default, the data of Du et al.'s Figure 1), the time of :func:`ntkbook.certify.lambda0_certificate`
(H∞ enclosed entry by entry in ball arithmetic, then Rump's verified Cholesky with the residual in
ball arithmetic and a Rayleigh-quotient upper bound) against the float pipeline
(:func:`ntkbook.kernels.h_infinity` and ``numpy.linalg.eigvalsh``), both in this one run.

Printed: both times and their ratio, the certified enclosure [lower, upper] of λ0, the float λ_min
and the relative gap (λ̂ − lower)/λ̂. Target: the certificate proved in ≤ 30 s on 2 cores (ratio
30 s / t_certified ≥ 1); the script exits non-zero otherwise. Timings depend on the load of the
machine: the load average is printed beside them, and the certificate's CPU time (summed over
flint's threads), which depends much less on the load.

Run: ``make bench`` (from ``benchmarks/run.py``) or ``.venv/bin/python benchmarks/certify_lambda.py
[--n 200] [--d 16]``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
from timing import best_of  # benchmarks/ is on sys.path (run as a script or from run.py)

from ntkbook import certify, data, kernels
from ntkbook.config import to_numpy

#: seconds allowed for the certificate at n = 1000 (issue 21)
BUDGET = 30.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="number of points (default 1000)")
    parser.add_argument("--d", type=int, default=None, help="dimension (default: d = n)")
    args = parser.parse_args(argv)
    n, d = args.n, args.d or args.n
    X = to_numpy(data.sphere(n, d, seed=0))

    def float_lambda():
        return float(np.linalg.eigvalsh(kernels.h_infinity(X))[0])

    lam = float_lambda()
    t_float = best_of(float_lambda, 3)
    H = kernels.h_infinity(X)
    t_eig = best_of(lambda: np.linalg.eigvalsh(H), 3)
    cert = None

    def certified():
        nonlocal cert
        cert = certify.lambda0_certificate(X)

    cpu = time.process_time()
    t_cert = best_of(certified, 1)
    cpu = time.process_time() - cpu
    gap = (lam - cert.lower) / lam if cert.lower is not None else float("nan")
    ok = cert.proved and t_cert <= BUDGET
    print(f"certified λ0 = λ_min(H∞), n = {n}, d = {d} (sphere, seed 0); load average "
          f"{os.getloadavg()[0]:.2f}", flush=True)
    print(f"{'certified λ0 vs ' + format(BUDGET, 'g') + ' s':62s} {BUDGET / t_cert:8.2f} "
          f"{'≥1':>7s}  certificate {t_cert:.2f} s (CPU {cpu:.2f} s, all threads), float H∞ + eigvalsh {t_float:.2f} s "
          f"(eigvalsh alone {t_eig:.2f} s), ratio certified/float {t_cert / t_float:.1f}; "
          f"{'ok' if ok else 'BELOW TARGET'}")
    print(f"{'':62s} {'':8s} {'':7s}  verdict {cert.verdict}: λ0 ∈ [{cert.lower!r}, "
          f"{cert.upper!r}], float λ_min {lam!r}, relative gap (λ̂ − lower)/λ̂ = {gap:.2e}",
          flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Du et al. 2019, Section 3 / Theorem 3.1: H∞, λ0 > 0 for non-parallel inputs, and the
antipodal-pair structure that makes λ0 vanish."""
from __future__ import annotations

import math

import numpy as np
import torch

from .. import data, kernels
from ..config import to_numpy
from ..errors import AssumptionError
from ..ledger import must_fail as _must_fail
from .controls import CONTROL, SOURCE
from .model import non_parallel


def antipodal_data(k: int, d: int, seed: int, extra: int = 0) -> torch.Tensor:
    """k random unit vectors x_1..x_k, their antipodes −x_1..−x_k, then ``extra`` more random
    unit vectors: rows [x_1..x_k, −x_1..−x_k, z_1..z_extra]."""
    Z = data.sphere(k + extra, d, seed)
    return torch.cat([Z[:k], -Z[:k], Z[k:]])


def antipodal_spectrum(Xk) -> np.ndarray:
    """[D] For the 2k inputs [X_k; −X_k], H∞ = [[A, B], [B, A]] with A_ij = ρ(π−θ)/2π and
    B_ij = −ρθ/2π (ρ, θ of x_i, x_j), so its spectrum is eig(A + B) ∪ eig(A − B) and
    A − B = X_k X_kᵀ / 2 has rank ≤ d: more than d antipodal pairs force λ0 = 0.
    Returns the predicted eigenvalues, ascending."""
    Xk = to_numpy(Xk)
    A = kernels.h_infinity(Xk)
    theta = kernels.angles(Xk)
    B = -(Xk @ Xk.T) * theta / (2 * np.pi)
    return np.sort(np.concatenate([kernels.eigenvalues(A + B), kernels.eigenvalues(A - B)]))


def closest_pair_bound(X) -> float:
    """[D] λ0 ≤ λ_min of the 2×2 principal block of H∞ for the pair with the largest |x_iᵀx_j|
    (Cauchy interlacing); when that pair is at a small angle θ with x_iᵀx_j > 0 it equals
    1/2 − cos θ (π − θ)/(2π) ≈ θ/(2π) (a nearly antipodal pair gives ≈ 1/2, no useful bound)."""
    _, (i, j) = data.max_abs_cosine(X)
    H = kernels.h_infinity(to_numpy(X)[[i, j]])
    return kernels.lambda_min(H)


def check_lambda0_positive(ledger, X, claim="du2019.thm3.1", *, expect="hold", case=None,
                           seeds=None, note="", depends_on=("du2019.assumption.data",),
                           certify: bool = True):
    """Theorem 3.1: λ_min(H∞) above eigensolver resolution, with H∞ from the closed form
    (``kernels.h_infinity``, which does not refuse parallel inputs). ``X`` may be a list of data
    sets (one comparison each). ``hypothesis_met`` is computed (:func:`non_parallel` on every
    set); ``expect="violation"`` records a counterexample (a parallel pair on purpose).

    ``certify`` (default) attaches a rigorous certificate of the finding — λ0 above the
    resolution on every set, or λ0 at most the resolution for a counterexample — from the
    enclosure of λ0 in ball arithmetic (:func:`ntkbook.du2019.certificates.lambda0_relation`);
    data sets of more than :data:`~ntkbook.du2019.certificates.CERTIFY_MAX_N` inputs are not
    certified (the enclosure costs minutes there) and the note says so."""
    from .certificates import CERTIFY_MAX_N, combine, lambda0_relation
    sets = list(X) if isinstance(X, (list, tuple)) else [X]
    Hs = [kernels.h_infinity(Xi) for Xi in sets]
    tols = [kernels.eig_tolerance(H) for H in Hs]
    bad = _must_fail(expect)
    cert = None
    if certify and max(to_numpy(Xi).shape[0] for Xi in sets) <= CERTIFY_MAX_N:
        rel = "<=" if bad else ">"
        certs = [lambda0_relation(Xi, rel, t) for Xi, t in zip(sets, tols)]
        cert = (certs[0] if len(certs) == 1 else
                combine(certs, f"λ0 {'≤' if bad else '>'} the eigensolver's resolution on "
                               f"each of {len(sets)} data sets"))
    elif certify:
        note = (note + f" Not certified: more than {CERTIFY_MAX_N} inputs (the ball-arithmetic "
                "enclosure of H-infinity costs minutes).").strip()
    return ledger.check(claim, kind="counterexample" if bad else "conclusion",
                        lhs=[kernels.lambda_min(H) for H in Hs], rel=">", rhs=tols,
                        statement=r"\lambda_0=\lambda_{\min}(H^\infty)>0",
                        source=f"{SOURCE}, Theorem 3.1", provenance="paper",
                        hypothesis_met=all(non_parallel(Xi) for Xi in sets), case=case,
                        control=None if bad else CONTROL["thm3.1"], seeds=seeds, note=note,
                        depends_on=() if bad else depends_on, certificate=cert)


def check_closest_pair(ledger, datasets, factor: float = 1.0):
    """[D] an identity (Cauchy interlacing): λ0 ≤ :func:`closest_pair_bound` on each data set
    (``factor`` < 1 makes it false)."""
    lam = [kernels.lambda_min(kernels.h_infinity(Xi)) for Xi in datasets]
    bound = [factor * closest_pair_bound(Xi) for Xi in datasets]
    return ledger.check("du2019.thm3.1.closest_pair", kind="identity", lhs=lam, rel="<=",
                        rhs=bound,
                        statement=r"\lambda_0\le\lambda_{\min}\begin{pmatrix}H^\infty_{ii}&"
                                  r"H^\infty_{ij}\\H^\infty_{ij}&H^\infty_{jj}\end{pmatrix}"
                                  r"\ \text{(closest pair)}",
                        source="Cauchy interlacing on Du et al.'s H-infinity",
                        provenance="derived", hypothesis_met=None)


def check_antipodal_spectrum(ledger, datasets, ks):
    """[D] an identity (block structure): :func:`antipodal_spectrum` equals the spectrum of H∞ for
    inputs [X_k; −X_k]."""
    for Xa, k in zip(datasets, ks):
        A = to_numpy(Xa)
        if A.shape[0] != 2 * k or not np.array_equal(A[k:], -A[:k]):
            raise AssumptionError("inputs are k antipodal pairs [X_k; -X_k]",
                                  f"got {A.shape[0]} rows for k = {k}, or rows k.. are not "
                                  "-(rows ..k)")
    err = [float(np.abs(antipodal_spectrum(to_numpy(Xa)[:k])
                        - kernels.eigenvalues(kernels.h_infinity(Xa))).max())
           for Xa, k in zip(datasets, ks)]
    return ledger.check("du2019.antipodal.spectrum", kind="identity", lhs=err, rel="<=",
                        rhs=1e-12,
                        statement=r"\mathrm{spec}\,H^\infty([X_k;-X_k])=\mathrm{spec}(A+B)"
                                  r"\cup\mathrm{spec}(\tfrac12X_kX_k^\top)",
                        source="block structure of H-infinity for antipodal pairs",
                        provenance="derived", hypothesis_met=None)


def check_mc_entries(ledger, H_closed, samples_fn, S: int, claim, statement, source, z=5.0,
                     seeds=None, provenance="derived"):
    """An identity (closed form against its defining expectation): a closed-form kernel against
    a Monte Carlo mean, |mean − closed| ≤ z·SE entrywise, SE from the sample standard deviation.
    ``samples_fn()`` returns (mean, std) matrices over S draws."""
    mean, std = samples_fn()
    se = np.maximum(std / math.sqrt(S), 1e-300)
    zs = np.abs(mean - H_closed) / se
    zs[std == 0] = np.where(np.abs(mean - H_closed)[std == 0] == 0, 0.0, np.inf)
    return ledger.check(claim, kind="identity", lhs=zs.max(), rel="<=", rhs=z,
                        statement=statement, source=source, provenance=provenance,
                        hypothesis_met=None, seeds=seeds,
                        note=f"S = {S} Monte Carlo draws; worst entrywise z-score")


def mc_moments(X, S: int, seed: int, feature: str = "indicator", batches: int = 20):
    """Monte Carlo mean of x_iᵀx_j 1{wᵀx_i ≥ 0}1{wᵀx_j ≥ 0} (``indicator``, H-1:
    :func:`ntkbook.kernels.h_infinity_mc`) or σ(wᵀx_i)σ(wᵀx_j) (``relu``, H-2:
    :func:`ntkbook.kernels.arccos1_mc`) over S Gaussian w, and the per-draw standard deviation
    estimated from ``batches`` independent batches (seeds ``seed·batches + b``): the spread of the
    batch means times √(S/batches)."""
    estimate = {"indicator": kernels.h_infinity_mc, "relu": kernels.arccos1_mc}[feature]
    size = S // batches
    if size < 1 or size * batches != S:
        raise ValueError(f"S = {S} must be a positive multiple of batches = {batches}")
    means = np.stack([estimate(X, size, seed * batches + b) for b in range(batches)])
    return means.mean(0), means.std(0, ddof=1) * math.sqrt(size)
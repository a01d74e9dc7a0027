"""Du et al. 2019, Remark 3.1 and Lemma 3.1: H(0) concentrates around H∞ at width m."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.stats

from .. import kernels
from ..config import few_threads, to_numpy
from ..errors import AssumptionError
from ..models import TwoLayerReLU
from .controls import CONTROL, SOURCE
from .model import _t


def m_lemma31(n: int, lam0: float, delta: float) -> int:
    """[D] an explicit width for Lemma 3.1: m ≥ 8 n² log(2n²/δ) / λ0² gives, by entrywise Hoeffding
    and a union bound, ‖H(0) − H∞‖₂ ≤ λ0/4 with probability ≥ 1 − δ."""
    if not (0 < delta < 1) or lam0 <= 0:
        raise AssumptionError("0 < delta < 1 and lambda0 > 0 (Du et al. Lemma 3.1)",
                              f"lambda0 = {lam0}, delta = {delta}")
    return int(math.ceil(8 * n ** 2 * math.log(2 * n ** 2 / delta) / lam0 ** 2))


def hoeffding_deviation(n: int, m: int, delta: float) -> float:
    """[D] n √(log(2n²/δ)/(2m)): w.p. ≥ 1 − δ a bound on ‖H(0) − H∞‖_F (hence on ‖·‖₂)."""
    return n * math.sqrt(math.log(2 * n ** 2 / delta) / (2 * m))


@few_threads()
def init_deviation(X, m: int, seed: int, H_inf=None) -> float:
    """‖H(0) − H∞‖₂ for one initialization of width m (Remark 3.1)."""
    H_inf = kernels.h_infinity(X) if H_inf is None else H_inf
    W = TwoLayerReLU.init(m, _t(X).shape[1], seed, dev="cpu")["W"]
    return kernels.spectral_norm(to_numpy(kernels.gram(_t(X), W)) - H_inf)


def _points(widths, values):
    """(log m, log value) pairs: ``values`` is one number per width, or one row of per-seed
    values per width (then every seed is a point, so the fit's standard error sees seed noise)."""
    w = np.asarray(widths, dtype=np.float64)
    rows = [np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in values]
    if len(rows) != w.size:
        raise ValueError(f"{len(rows)} rows of values for {w.size} widths")
    x = np.concatenate([np.full(r.size, np.log(m)) for m, r in zip(w, rows)])
    y = np.log(np.concatenate(rows))
    return x, y


def slope_fit(widths, values):
    """Least-squares fit of log ``values`` against log ``widths``
    (:func:`scipy.stats.linregress`): the slope ŝ and its standard error. ``values`` holds one
    number per width or one row of per-seed values per width (use independent seeds per width:
    seeds shared across widths correlate the points and understate the error)."""
    x, y = _points(widths, values)
    if x.size < 3:
        raise ValueError(f"a slope with a standard error needs at least 3 points, got {x.size}")
    fit = scipy.stats.linregress(x, y)
    return float(fit.slope), float(fit.stderr)


def slope_tolerance(widths, values, level: float = 0.95, one_sided: bool = False) -> float:
    """The half-width of the ``level`` confidence interval of the fitted slope:
    t_{q, N−2}·SE with q = (1 + level)/2 (two-sided) or q = level (one-sided)."""
    _, se = slope_fit(widths, values)
    q = level if one_sided else (1 + level) / 2
    return float(scipy.stats.t.ppf(q, _points(widths, values)[0].size - 2) * se)


def check_slope(ledger, widths, values, claim, target=-0.5, tol=None, statement="", source="",
                provenance="paper", note="", at_most=False, control=CONTROL["slope"],
                depends_on=(), level: float = 0.95):
    """A scaling claim on the fitted log-log slope ŝ of ``values`` against ``widths``.

    Two-sided: |ŝ − target| ≤ tol (the target lies in the slope's confidence interval); with
    ``at_most=True``: ŝ ≤ target + tol (an O(m^target) upper bound, decay at least that fast,
    not rejected at the one-sided level). ``tol=None`` derives the tolerance from the fit's
    standard error, :func:`slope_tolerance` at ``level`` (one-sided for ``at_most``); a number
    states a modelling tolerance instead (e.g. an asymptotic regime), recorded in the note
    beside t·SE. Unconditional (``hypothesis_met=None``)."""
    slope, se = slope_fit(widths, values)
    npts = _points(widths, values)[0].size
    derived = slope_tolerance(widths, values, level, one_sided=at_most)
    tol = derived if tol is None else float(tol)
    kw = dict(kind="scaling", source=source, provenance=provenance, hypothesis_met=None,
              control=control, depends_on=depends_on,
              note=(note + f" fitted slope {slope:.4f} +- {se:.2g} (SE, {npts} points);"
                    f" tolerance {tol:.3g} (t*SE at {level:.0%}: {derived:.3g})").strip())
    if at_most:
        return ledger.check(claim, lhs=slope, rel="<=", rhs=target + tol,
                            statement=statement or rf"\hat s\le {target}+t\,\mathrm{{SE}}",
                            **kw)
    return ledger.check(claim, lhs=abs(slope - target), rel="<=", rhs=tol,
                        statement=statement or rf"|\hat s-({target})|\le t\,\mathrm{{SE}}",
                        **kw)


@dataclass
class Lemma31Run:
    lam_min: np.ndarray     # λ_min(H(0)) per seed
    deviation: np.ndarray   # ‖H(0) − H∞‖₂ per seed
    m: int
    lam0: float


@few_threads()   # many small products: intra-op threads only add overhead
def lemma31_run(X, m: int, seeds) -> Lemma31Run:
    """λ_min(H(0)) and ‖H(0) − H∞‖₂ over seeds at width m."""
    X = _t(X)
    H_inf = kernels.h_infinity(X)
    lam0 = kernels.lambda_min(H_inf)
    lm, dv = [], []
    for s in seeds:
        W = TwoLayerReLU.init(m, X.shape[1], s, dev="cpu")["W"]
        H0 = to_numpy(kernels.gram(X, W))
        lm.append(kernels.lambda_min(H0))
        dv.append(kernels.spectral_norm(H0 - H_inf))
    return Lemma31Run(np.asarray(lm), np.asarray(dv), m, lam0)


def check_lemma31(ledger, run: Lemma31Run, delta: float, n: int, seeds=None,
                  parts=("lambda_min", "norm")):
    """Lemma 3.1 as probabilities (steps of Theorems 3.2 and 4.1): P(λ_min(H(0)) < ¾λ0) ≤ δ
    (``du2019.lemma3.1``) and P(‖H(0) − H∞‖₂ > λ0/4) ≤ δ (``du2019.lemma3.1.norm``),
    Clopper–Pearson bounds over seeds; hypothesis met iff m ≥ 8n² log(2n²/δ)/λ0² [D]."""
    hyp = bool(run.m >= m_lemma31(n, run.lam0, delta))
    kw = dict(kind="step", trials=len(run.lam_min), delta=delta,
              source=f"{SOURCE}, Lemma 3.1 (width constant: our derivation)", hypothesis_met=hyp,
              seeds=seeds, note=f"m = {run.m}", control=CONTROL["lemma3.1"],
              depends_on=["du2019.init.moments", "du2019.thm3.1", "du2019-lemma-3-1"])
    out = []
    if "lambda_min" in parts:
        out.append(ledger.check_probability(
            "du2019.lemma3.1", failures=int((run.lam_min < 0.75 * run.lam0).sum()),
            statement=r"P\big(\lambda_{\min}(H(0))\ge\tfrac34\lambda_0\big)\ge1-\delta",
            provenance="paper", **kw))
    if "norm" in parts:
        out.append(ledger.check_probability(
            "du2019.lemma3.1.norm", failures=int((run.deviation > run.lam0 / 4).sum()),
            statement=r"P\big(\|H(0)-H^\infty\|_2\le\lambda_0/4\big)\ge1-\delta",
            provenance="restated", **kw))
    return out



@few_threads()   # many small products: intra-op threads only add overhead
def check_lemma31_seeds(ledger, X, m: int, seeds, delta: float, factor: float = 0.75,
                        certify: bool = True, W_override=None):
    """Lemma 3.1's event at each concrete initialization, certified (``du2019.lemma3.1.seeds``,
    a step, one case per width): λ_min(H(0)) ≥ ``factor``·λ0 at every one of ``seeds``, so that
    the failure count behind the probability claim ``du2019.lemma3.1`` is exact. The float
    comparison is the record's; ``certify`` attaches one certificate over the seeds
    (:func:`ntkbook.du2019.certificates.h0_certificate` per seed, against an upper bound of λ0 —
    the patterns decided in ball arithmetic; a tie makes it undecided). Hypothesis (computed):
    m ≥ m_{3.1}. ``W_override`` = {seed: W} replaces an initialization (negative controls)."""
    from .certificates import combine, h0_certificate, lambda0_bounds
    X = _t(X)
    n = X.shape[0]
    lam0 = kernels.lambda0(X)
    c0 = lambda0_bounds(X) if certify else None
    lam_min, certs = [], []
    for s in seeds:
        W = (W_override or {}).get(s)
        if W is None:
            W = TwoLayerReLU.init(m, X.shape[1], int(s), dev="cpu")["W"]
        lam_min.append(kernels.lambda_min(kernels.gram(X, W)))
        if certify and c0.upper is not None:
            certs.append(h0_certificate(X, W, c0.upper, factor))
    cert = (combine(certs, f"λ_min(H(0)) ≥ {factor:g}·λ0 at each seed") if certs else None)
    return ledger.check(
        "du2019.lemma3.1.seeds", kind="step", case=f"m={m}", lhs=np.asarray(lam_min), rel=">=",
        rhs=factor * lam0,
        statement=r"\lambda_{\min}(H(0))\ge\tfrac34\lambda_0\ \text{at each initialization}",
        source=f"{SOURCE}, Lemma 3.1 (its event, seed by seed)", provenance="paper",
        hypothesis_met=bool(m >= m_lemma31(n, lam0, delta)), seeds=list(seeds),
        control=CONTROL["lemma3.1_seeds"], certificate=cert,
        depends_on=["du2019.init.moments", "du2019.thm3.1", "du2019-lemma-3-1"],
        note=f"m = {m}, {len(list(seeds))} seeds; factor {factor:g}")

"""Du et al. 2019, Section 5 / Figure 1: full-batch GD on the first layer at several widths and
seeds; the loss, the fraction of activation patterns changed, the distance from initialization —
and the mechanism behind them, λ_min(H(k)).

**One matrix product per step.** GD on W with a fixed, W(k+1) = W(k) − (η/√m) diag(a) Gᵀ X with
G = S(k) ∘ e(k) (S = 1{XWᵀ ≥ 0}, e = u − y; eq. (3)), moves the pre-activations Z = XWᵀ by

    Z(k+1) = Z(k) − (η/√m) K G(k) diag(a),     K = XXᵀ,

so the run can carry Z instead of W: one (n×n)·(n×m) product per step in place of the two
(n×d)·(d×m) products XWᵀ and GᵀX, and Z is shared by the loss, the gradient and the pattern
metric. The distance needs no W either: with A(k) = Σ_{j<k} G(j),
W(k) − W(0) = −(η/√m) diag(a) A(k)ᵀX, so (a_r² = 1)

    ‖w_r(k) − w_r(0)‖² = (η/√m) a_r Σ_i A_ir(k) (Z(0) − Z(k))_ir.

This is the same iteration as :func:`ntkbook.du2019.gd_losses` in exact arithmetic (the tests
compare them). H(k) = (1/m) K ∘ (S Sᵀ) is formed at a few iterations only; S Sᵀ counts agreeing
patterns, integers ≤ m < 2²⁴, so it is computed exactly in float32 (half the cost of float64).
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import numpy as np
import scipy.stats
import torch

from .. import data, kernels
from ..config import DTYPE, few_threads, threads, to_numpy
from ..errors import AssumptionError
from ..models import TwoLayerReLU
from .controls import CONTROL, SOURCE
from .gradient_descent import R_prime_gd
from .model import _t

#: Section 5's set-up: n = d = 1000, m ∈ {1000, …, 16000}, 100 iterations; 3 seeds per width
PAPER_SCALE = dict(n=1000, widths=(1000, 2000, 4000, 8000, 16000), seeds=3, steps=100,
                   lam_every=50)
#: the reduced scale (``make test``, nbval; and any build without NTKBOOK_FULL for this page):
#: n = d and every width divided by 5, 8 seeds per width
BOOK_SCALE = dict(n=200, widths=(200, 400, 800, 1600, 3200), seeds=8, steps=100, lam_every=25)
#: a trend of Figure 1 holds (is reproduced) only when at least this fraction of its comparisons
#: (pairs of neighbouring widths × iterations) is decided beyond the confidence bands
TREND_MIN_RESOLVED = 0.5


def scale_text(cfg: dict) -> str:
    """The set-up of a Figure-1 configuration in words (for the page's prose)."""
    widths = ", ".join(f"{m:,}" for m in cfg["widths"])
    return (f"n = d = {cfg['n']:,}, widths m ∈ {{{widths}}}, {cfg['steps']} iterations, "
            f"{cfg['seeds']} seeds per width")


def figure1_problem(n: int, seed: int = 0):
    """Section 5's data: n points uniform on the unit sphere of R^n (d = n), N(0, 1) labels, and
    our step η = 0.2/λ_max(H∞) (the paper's step could not be recovered). Returns (X, y, η)."""
    X = data.sphere(n, n, seed=seed)
    y = data.labels(n, seed=seed + 1, kind="gaussian")
    data.validate(X, y)
    return X, y, 0.2 / kernels.lambda_max(kernels.h_infinity(X))


@dataclass
class Fig1Run:
    """One GD run of Figure 1 (width ``m``, seed ``seed``), recorded at k = 0 … K."""
    m: int
    seed: int
    loss: np.ndarray            # L(W(k)) = Σ ½(u_i − y_i)²
    pattern_frac: np.ndarray    # (1/mn) Σ_ir 1{1{w_r(k)ᵀx_i ≥ 0} ≠ 1{w_r(0)ᵀx_i ≥ 0}}
    max_dist: np.ndarray        # max_r ‖w_r(k) − w_r(0)‖₂
    lam_steps: np.ndarray       # iterations k at which λ_min(H(k)) was computed
    lam_min: np.ndarray         # λ_min(H(k)) at those k


def figure1_run(X, y, m: int, seed: int, eta: float, steps: int, lam_every: int | None = 25,
                K=None) -> Fig1Run:
    """Section 5: ``steps`` iterations of full-batch GD on the first layer (a fixed) from
    :meth:`ntkbook.models.TwoLayerReLU.init` with ``seed``, carried as Z = XWᵀ (module
    docstring), recording the three panels of Figure 1 at every k and λ_min(H(k)) every
    ``lam_every`` iterations and at the last (never with ``lam_every=None``). ``K`` = XXᵀ may
    be passed to share it between runs. Everything runs on :func:`ntkbook.config.threads`
    threads (default 1: on a shared machine intra-op threads make small products and
    element-wise passes 3–20× slower) except the matrix products of large runs (n²m ≥ 10⁹),
    which use torch's threads.

    Raises
    ------
    AssumptionError
        When GD blows up (loss non-finite or above 10³ × the initial loss).
    """
    n = _t(X).shape[0]
    gemm_threads = torch.get_num_threads() if n * n * m >= 10 ** 9 else threads()
    with few_threads():
        return _figure1_run(X, y, m, seed, eta, steps, lam_every, K, gemm_threads)


@contextlib.contextmanager
def _threads(k: int):
    saved = torch.get_num_threads()
    torch.set_num_threads(k)
    try:
        yield
    finally:
        torch.set_num_threads(saved)


def _gram_min_eig(K: torch.Tensor, S: torch.Tensor, m: int, threads: int) -> float:
    """λ_min(H) for H = (1/m) K ∘ (S Sᵀ), S a bool (n, m) pattern; S Sᵀ exact in float32."""
    Sf = S.to(torch.float32)
    with _threads(threads):
        SSt = Sf @ Sf.T
    return kernels.lambda_min(to_numpy(K * SSt.to(DTYPE) / m))


def _figure1_run(X, y, m, seed, eta, steps, lam_every, K, gemm_threads) -> Fig1Run:
    X, y = _t(X), _t(y)
    n, d = X.shape
    K = X @ X.T if K is None else _t(K)
    p0 = TwoLayerReLU.init(m, d, seed, dev="cpu")
    a, sq = p0["a"], math.sqrt(m)
    with _threads(gemm_threads):
        Z0 = X @ p0["W"].T                          # (n, m)
    Z = Z0.clone()
    S0 = Z0 >= 0
    Aa = torch.zeros_like(Z0)                       # Σ_{j<k} G(j) diag(a)
    # work buffers, reused at every step (fresh n×m tensors would cost page faults each step)
    S, flip, tmp, Ga = torch.empty_like(S0), torch.empty_like(S0), torch.empty_like(Z0), \
        torch.empty_like(Z0)
    loss, pattern, dist = (np.empty(steps + 1) for _ in range(3))
    lam_steps = ([] if lam_every is None
                 else sorted(set(range(0, steps + 1, lam_every)) | {steps}))
    lam = []
    for k in range(steps + 1):
        torch.ge(Z, 0, out=S)
        e = torch.clamp(Z, min=0, out=tmp) @ a / sq - y
        loss[k] = 0.5 * float(e @ e)
        if not math.isfinite(loss[k]) or loss[k] > 1e3 * loss[0]:
            raise AssumptionError("a convergent GD run (step size below the divergence threshold)",
                                  f"GD blew up at m = {m}, eta = {eta}: loss {loss[0]:.3g} -> "
                                  f"{loss[k]:.3g} at k = {k}")
        pattern[k] = int(torch.count_nonzero(torch.bitwise_xor(S, S0, out=flip))) / (m * n)
        torch.sub(Z0, Z, out=tmp).mul_(Aa)
        dist[k] = math.sqrt(max(float(tmp.sum(0).max()) * eta / sq, 0.0))
        if k in lam_steps:
            lam.append(_gram_min_eig(K, S, m, gemm_threads))
        if k == steps:
            break
        Ga.copy_(S).mul_(e[:, None]).mul_(a)        # G diag(a) = (S ∘ e 1ᵀ) diag(a)
        Aa.add_(Ga)
        with _threads(gemm_threads):
            Z.addmm_(K, Ga, alpha=-eta / sq)        # Z ← Z − (η/√m) K G diag(a)
    return Fig1Run(m=m, seed=seed, loss=loss, pattern_frac=pattern, max_dist=dist,
                   lam_steps=np.asarray(lam_steps), lam_min=np.asarray(lam))


@dataclass
class Fig1Sweep:
    """Figure 1 over widths × seeds: arrays of shape (widths, seeds, K+1) (``lam_min``: (widths,
    seeds, len(lam_steps)))."""
    widths: tuple
    seeds: dict                 # width -> its seeds (independent across widths)
    loss: np.ndarray
    pattern_frac: np.ndarray
    max_dist: np.ndarray
    lam_steps: np.ndarray
    lam_min: np.ndarray

    def band(self, name: str, level: float = 0.95):
        """Mean over seeds and the half-width t_{(1+level)/2, S−1}·SE of its confidence
        interval, per width and iteration (each of shape (widths, ...))."""
        return band(getattr(self, name), level)


def band(values, level: float = 0.95):
    """Mean over the seeds (axis 1 of ``values``: widths × seeds × …) and the half-width
    t_{(1+level)/2, S−1}·SE of its confidence interval."""
    v = np.asarray(values, dtype=np.float64)
    S = v.shape[1]
    se = v.std(1, ddof=1) / math.sqrt(S)
    return v.mean(1), scipy.stats.t.ppf((1 + level) / 2, S - 1) * se


def figure1_sweep(X, y, widths, n_seeds: int, eta: float, steps: int,
                  lam_every: int = 25) -> Fig1Sweep:
    """:func:`figure1_run` for every width with ``n_seeds`` seeds of its own (width j uses seeds
    1000·j, …, 1000·j + n_seeds − 1, so different widths are independent draws)."""
    if n_seeds < 2:
        raise ValueError(f"confidence bands need at least 2 seeds per width, got {n_seeds}")
    X = _t(X)
    K = X @ X.T
    widths = tuple(int(m) for m in widths)
    seeds = {m: tuple(range(1000 * j, 1000 * j + n_seeds)) for j, m in enumerate(widths)}
    runs = [[figure1_run(X, y, m, s, eta, steps, lam_every, K) for s in seeds[m]]
            for m in widths]
    stack = {name: np.array([[getattr(r, name) for r in row] for row in runs])
             for name in ("loss", "pattern_frac", "max_dist", "lam_min")}
    return Fig1Sweep(widths=widths, seeds=seeds, lam_steps=runs[0][0].lam_steps, **stack)


def check_trend(ledger, widths, values, claim, statement, *, kind="reproduction",
                decreasing=True, level: float = 0.95, note="", control=None, depends_on=(),
                min_resolved: float | None = TREND_MIN_RESOLVED):
    """A trend in m tested at every iteration with confidence over seeds: ``values`` has shape
    (widths, seeds, iterations) (widths ascending; a 2-D (widths, seeds) array is one
    iteration). For every consecutive pair of widths and every iteration the seed means satisfy
    mean_{j+1} ≤ mean_j (``decreasing``; ≥ otherwise), each comparison with the resolution
    t_{(1+level)/2}·√(SE_j² + SE_{j+1}²): differences inside the confidence band are unresolved,
    not evidence, and the trend holds only when at least ``min_resolved`` of the comparisons
    are decided (:data:`TREND_MIN_RESOLVED`; otherwise *unresolved*, whichever way the decided
    ones went). Figure 1's trends are ``reproduction`` claims (reproduced / not reproduced,
    never raises); a mechanism measured beside them may be a ``scaling`` (give ``control``)."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 2:
        v = v[:, :, None]
    if v.ndim != 3 or v.shape[0] != len(widths) or v.shape[1] < 2:
        raise ValueError(f"values must have shape (widths, seeds >= 2, iterations), got {v.shape}")
    if list(widths) != sorted(widths):
        raise ValueError(f"widths must be ascending, got {list(widths)}")
    S = v.shape[1]
    mean, se = v.mean(1), v.std(1, ddof=1) / math.sqrt(S)
    res = scipy.stats.t.ppf((1 + level) / 2, S - 1) * np.sqrt(se[1:] ** 2 + se[:-1] ** 2)
    lhs, rhs = (mean[1:], mean[:-1]) if decreasing else (mean[:-1], mean[1:])
    return ledger.check(claim, kind=kind, lhs=lhs, rel="<=", rhs=rhs, resolution=res,
                        min_resolved=min_resolved,
                        statement=statement, source=f"{SOURCE}, Section 5 / Figure 1",
                        provenance="paper" if kind == "reproduction" else "derived",
                        hypothesis_met=None, control=control, depends_on=depends_on,
                        note=(note + f" widths {list(widths)}, {S} seeds each, "
                              f"{v.shape[2]} iterations; {level:.0%} bands; holds only if a "
                              f"fraction >= {min_resolved} of the comparisons is decided"
                              ).strip())


def decided(rec) -> tuple[int, int]:
    """(decided, total) comparisons of a trend record: the elements outside the resolution band
    (a trend's evidence) and all of them."""
    return int(rec.count - rec.unresolved), int(rec.count)


def check_lambda_min_trend(ledger, sweep: Fig1Sweep, level: float = 0.95, values=None,
                           min_resolved: float | None = TREND_MIN_RESOLVED):
    """The mechanism behind Figure 1 (``du2019.fig1.lambda_min_trend``, a scaling): λ_min(H(k))
    grows with m at every recorded iteration (wider nets keep H(k) near H∞, whose λ_min is λ0),
    tested with :func:`check_trend` (``decreasing=False``). ``values`` replaces the measured
    λ_min (negative controls)."""
    v = sweep.lam_min if values is None else values
    return check_trend(ledger, sweep.widths, v, "du2019.fig1.lambda_min_trend",
                       r"\lambda_{\min}(H(k))\ \text{non-decreasing in } m\ \text{at every "
                       r"recorded } k", kind="scaling", decreasing=False, level=level,
                       control=CONTROL["fig1_lambda"], depends_on=["du2019.lemma3.2"],
                       note=f"k in {[int(k) for k in sweep.lam_steps]};", min_resolved=min_resolved)


def check_distance_radius(ledger, sweep: Fig1Sweep, n: int, lam0: float, factor: float = 1.0,
                          note=""):
    """Corollary 4.1's radius along the Figure-1 runs: max_r ‖w_r(k) − w_r(0)‖ ≤ factor · R' at
    every k, width and seed, R' = 4√n‖y − u(0)‖/(√m λ0) with ‖y − u(0)‖ = √(2 L(0)). Recorded as
    an identity: R' exceeds the measured distance by orders of magnitude at these widths, so the
    check cannot discriminate a right corollary from a wrong one."""
    m = np.asarray(sweep.widths, dtype=np.float64)[:, None, None]
    resid0 = np.sqrt(2 * sweep.loss[:, :, :1])
    Rp = factor * R_prime_gd(n, 1, 1.0, lam0) * resid0 / np.sqrt(m)
    lhs = sweep.max_dist
    rhs = np.broadcast_to(Rp, lhs.shape)
    return ledger.check("du2019.fig1.cor4.1", kind="identity", lhs=lhs, rel="<=", rhs=rhs,
                        statement=r"\max_r\|w_r(k)-w_r(0)\|\le 4\sqrt n\|y-u(0)\|/(\sqrt m"
                                  r"\lambda_0)",
                        source=f"{SOURCE}, Corollary 4.1", provenance="restated",
                        hypothesis_met=None,
                        note=(note + f" widths {list(sweep.widths)}; max distance / R' = "
                              f"{float(np.max(lhs / rhs)) * factor:.3g}").strip())

"""Abstract, claim 1: the width GD needs. Our instance of Ω̃(Nn/λ), the computed hypothesis flag,
the per-configuration probability claim, and the measured threshold m* (selection seeds vs held-out
seeds through :mod:`ntkbook.widths`)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import AssumptionError
from .checks import TESTS
from .dynamics import first_below, gd_batch, init_batch, success_rate
from .kernel import lam_kappa


def claimed_width(N, n, lam) -> int:
    """Our instance of the abstract's Ω̃(Nn/λ): m = ⌈(Nn/λ)·ln(Nn)⌉ rounded up to an even number
    (one logarithmic factor, constant 1 — the submission's constants are not public)."""
    m = math.ceil(N * n / lam * max(1.0, math.log(N * n)))
    return m + (m % 2)


def width_hypothesis(X, n_out: int, m: int, s_W: float, s_V: float) -> tuple[bool, int]:
    """The chapter's reading of the hypothesis of the GD theorem: an unbalanced init (s_W ≠ s_V;
    which side the submission means is not public) and m ≥ m_claim = :func:`claimed_width`
    (N, n_out, λ̄) with the normalized λ̄ of :func:`~ntkbook.unbalanced2026.kernel.lam_normalized`.
    Returns (met, m_claim)."""
    from .kernel import lam_normalized
    m_claim = claimed_width(X.shape[0], n_out, lam_normalized(X, s_W, s_V))
    return bool(m >= m_claim and s_W != s_V), m_claim


def gd_failures(X, Y, m, seeds, *, s_W, s_V, eps=1e-3, budget=2.0, Q=None) -> int:
    """Number of seeds whose GD run (η = 1/λ_max(K∞), coupled init) does NOT reach eps·Φ₀ within
    T = ⌈budget·κ·log(1/eps)⌉ steps — "linear convergence at the rate of the limiting NTK"."""
    lam, kap = lam_kappa(X, s_W, s_V)
    T = int(math.ceil(budget * kap * math.log(1 / eps)))
    rate = success_rate(X, Y, m, seeds, s_W=s_W, s_V=s_V, eta=1.0 / (lam * kap), steps=T, eps=eps, Q=Q)
    return int(round((1 - rate) * len(list(seeds))))


def check_width(ledger, X, Y, m, seeds, *, s_W, s_V, case, Q=None, narrow=False, eps=1e-3,
                failures=None):
    """GD (η = 1/λ_max(K∞), coupled init, T = ⌈κ log(1/eps)⌉ steps) reaches eps·Φ₀ at width
    ``m`` with probability ≥ 0.9 — one configuration (``case``), one binomial test.

    Without ``Q``: the GD theorem (``unbalanced2026.gd_width``, output count n); with an
    orthonormal ``Q`` (n×r): the sketched init and the low-rank theorem
    (``unbalanced2026.sketch_width``, output count r). ``hypothesis_met`` is computed by
    :func:`width_hypothesis`. ``narrow=True`` records the run at a width chosen too small on
    purpose as the counterexample ``….narrow`` (it must fail significantly). ``failures`` (from
    :func:`ntkbook.widths.heldout_test` on seeds never used to select a width) skips the runs."""
    n_out = Y.shape[1] if Q is None else np.asarray(Q).shape[1]
    met, m_claim = width_hypothesis(X, n_out, m, s_W, s_V)
    fails = (gd_failures(X, Y, m, seeds, s_W=s_W, s_V=s_V, eps=eps, Q=Q) if failures is None
             else int(failures))
    common = dict(failures=fails, trials=len(list(seeds)), delta=0.1, case=case,
                  provenance="reconstruction", hypothesis_met=met, seeds=list(seeds),
                  note=f"m = {m}, m_claim = {m_claim} (constant 1 and one log factor are ours);")
    gd_deps = ["unbalanced2026.lambda_positive", "unbalanced2026.lambda_limit",
               "unbalanced2026.kappa_limit", "unbalanced2026.lambda_weyl",
               "unbalanced2026.kernel_shift", "unbalanced2026.conservation",
               "unbalanced2026.gd_drift_exponent", "unbalanced2026-def-init"]
    if Q is None:
        src = "abstract: GD converges linearly with m = Omega~(Nn/lambda)"
        if narrow:
            return ledger.check_probability(
                "unbalanced2026.gd_width.narrow", kind="counterexample", source=src,
                statement=r"P(\text{GD fails at a width } m\ll m_{\rm claim})\le0.1", **common)
        return ledger.check_probability(
            "unbalanced2026.gd_width", kind="conclusion", source=src,
            statement=r"P(\text{GD fails to reach } \varepsilon\Phi_0 \text{ in } "
                      r"\kappa\log\tfrac1\varepsilon \text{ steps at } "
                      r"m\ge\lceil\tfrac{Nn}{\bar\lambda}\ln(Nn)\rceil)\le0.1",
            control=TESTS + "test_gd_width_holds_at_claimed_width_and_fails_when_too_narrow",
            depends_on=gd_deps, **common)
    src = "abstract: width Omega~(Nr/lambda) with a sketch at initialization"
    if narrow:
        return ledger.check_probability(
            "unbalanced2026.sketch_width.narrow", kind="counterexample", source=src,
            statement=r"P(\text{sketched GD fails at a width } m\ll m_{\rm claim})\le0.1",
            **common)
    return ledger.check_probability(
        "unbalanced2026.sketch_width", kind="conclusion", source=src,
        statement=r"P(\text{sketched GD fails at } m\ge\lceil\tfrac{Nr}{\bar\lambda}\ln(Nr)\rceil)"
                  r"\le0.1",
        control=TESTS + "test_sketch_width_fails_when_too_narrow",
        depends_on=["unbalanced2026.sketch_subspace", "unbalanced2026.gd_width",
                    "unbalanced2026-lemma-subspace"], **common)



# ----------------------------------------------------------------------------- width laws
@dataclass(frozen=True)
class WidthConfig:
    """One configuration of the width laws: N samples on the sphere S^{d−1} (``data.sphere(N, d,
    0)``), n outputs (Gaussian labels, seed 1, or an exact rank-``rank`` target), scales
    :func:`~ntkbook.unbalanced2026.kernel.scales` (ρ, p), the optimiser (``"gd"`` or ``"nag"``)
    and, with ``sketch``, the sketched init (SK) of rank ``rank``."""
    N: int
    n: int
    d: int
    rho: float = 4.0
    product: float = 1.0
    method: str = "gd"
    rank: int | None = None
    sketch: bool = False

    @property
    def case(self) -> str:
        """The ledger ``case`` of this configuration."""
        s = f"{self.method},rho={self.rho:g},p={self.product:g},N={self.N},n={self.n},d={self.d}"
        if self.rank is not None:
            s += f",r={self.rank}" + (",sketch" if self.sketch else "")
        return s

    def data(self):
        """(X, Y, Q): inputs, targets and the sketch basis (None without ``sketch``)."""
        from ..data import labels, low_rank_targets, sphere
        from .sketch import sketch_basis
        X = sphere(self.N, self.d, seed=0)
        if self.rank is None:
            return X, labels(self.N, seed=1, outputs=self.n), None
        Y = low_rank_targets(self.N, self.n, self.rank, seed=1)
        return X, Y, (sketch_basis(Y, self.rank, seed=2) if self.sketch else None)


class Outcomes:
    """``outcomes(m, seeds)`` for :mod:`ntkbook.widths`: one bool per seed, True when the run of
    ``config`` at width m (coupled init) reaches Φ_T ≤ eps·Φ₀ within T steps, η = 1/λ_max(K∞) and

    * GD: T = ⌈budget·κ·log(1/eps)⌉;
    * NAG: β = (√κ − 1)/(√κ + 1), T = ⌈budget·√κ·log(1/eps)⌉ (κ of K∞; our choice, catalog U-4).

    Every (m, seed) is run once and cached (``table``), so several searches share the runs."""

    def __init__(self, config: WidthConfig, eps: float = 1e-3, budget: float = 2.0):
        from .kernel import scales
        self.config, self.eps = config, eps
        self.X, self.Y, self.Q = config.data()
        self.s_W, self.s_V = scales(config.rho, config.product)
        self.lam, self.kappa = lam_kappa(self.X, self.s_W, self.s_V)
        self.eta = 1.0 / (self.lam * self.kappa)
        if config.method == "gd":
            self.beta, k = 0.0, self.kappa
        elif config.method == "nag":
            self.beta = (math.sqrt(self.kappa) - 1) / (math.sqrt(self.kappa) + 1)
            k = math.sqrt(self.kappa)
        else:
            raise ValueError(f"method must be 'gd' or 'nag', got {config.method!r}")
        self.T = int(math.ceil(budget * k * math.log(1 / eps)))
        self.table: dict = {}

    def __call__(self, m, seeds):
        todo = [int(s) for s in seeds if (int(m), int(s)) not in self.table]
        if todo:
            W, V = init_batch(self.X.shape[1], int(m), self.Y.shape[1], todo, self.s_W, self.s_V,
                              coupled=True, Q=self.Q)
            L, _, _ = gd_batch(self.X, self.Y, W, V, self.eta, self.T, momentum=self.beta,
                               stop_eps=self.eps)
            for s, t in zip(todo, first_below(L, self.eps)):
                self.table[int(m), s] = bool(np.isfinite(t))
        return [self.table[int(m), int(s)] for s in seeds]


def width_grid(lo: int = 4, hi: int = 4096, ratio: float = 2 ** 0.25) -> list[int]:
    """Even widths on a geometric grid of ratio ``ratio`` from ``lo`` to ``hi`` (duplicates
    after rounding removed)."""
    k = int(math.floor(math.log(hi / lo) / math.log(ratio) + 1e-9))
    return sorted({int(2 * round(lo * ratio ** j / 2)) for j in range(k + 1)})


def seed_thresholds(outcomes, grid, seeds, rung: int = 4) -> np.ndarray:
    """Per seed, the smallest width of ``grid`` at which that seed's run succeeds (np.inf when
    none does), success assumed monotone in m as in :func:`ntkbook.widths.select_width`. The
    seeds climb a ladder of every ``rung``-th grid width (cheap widths first) until they succeed,
    then are bisected in lock-step inside their bracket, so every round is one batched call per
    distinct width."""
    grid = sorted(int(m) for m in grid)
    seeds = [int(s) for s in seeds]
    last = len(grid) - 1
    ladder = sorted(set(range(0, last + 1, rung)) | {last})
    lo, hi = {}, {}
    prev = -1
    for i in ladder:
        todo = [s for s in seeds if s not in hi]
        if not todo:
            break
        for s, ok in zip(todo, outcomes(grid[i], todo)):
            if ok:
                lo[s], hi[s] = prev + 1, i
        prev = i
    while True:
        mids = {s: (lo[s] + hi[s]) // 2 for s in hi if lo[s] < hi[s]}
        if not mids:
            break
        for i in sorted(set(mids.values())):
            group = [s for s, j in mids.items() if j == i]
            for s, ok in zip(group, outcomes(grid[i], group)):
                if ok:
                    hi[s] = i
                else:
                    lo[s] = i + 1
    return np.array([grid[hi[s]] if s in hi else np.inf for s in seeds], float)


def measure_width(config: WidthConfig, seed: int = 0, *, grid, select, test=(), eps=1e-3,
                  budget=2.0, level=0.9, test_cap=None, m_narrow=4) -> dict:
    """All width measurements of one configuration (module-level, so that
    :func:`ntkbook.sweep.sweep` can ship it to a worker; ``seed`` is the data seed, fixed 0).

    m* = :func:`ntkbook.widths.select_width` at ``level`` on the ``select`` seeds; the per-seed
    thresholds (:func:`seed_thresholds`) on the same seeds, for bootstrap intervals; with ``test``
    seeds (GD only), the held-out failures (:func:`ntkbook.widths.heldout_test`) at the chapter's
    m_claim (:func:`claimed_width` with the normalized λ̄; skipped when m_claim > ``test_cap``)
    and at the too-narrow width ``m_narrow``. The search stops at max(64, 2·m_claim): a seed
    that fails there has threshold inf."""
    from ..widths import heldout_test, select_width
    from .kernel import kernel_shares, lam_normalized
    if seed != 0:
        raise ValueError("the data seed of the width laws is fixed to 0")
    out = Outcomes(config, eps=eps, budget=budget)
    lam_bar = lam_normalized(out.X, out.s_W, out.s_V)
    n_out = config.rank if config.sketch else config.n
    m_claim = claimed_width(config.N, n_out, lam_bar)
    grid = [m for m in sorted(grid) if m <= max(64, 2 * m_claim)]      # no search far above it
    thresholds = seed_thresholds(out, grid, select)
    top = np.max(thresholds[np.isfinite(thresholds)], initial=grid[0])
    sel = select_width(out, [m for m in grid if m <= 2 * top], select, level=level)
    if sel.m_star is None:        # success not monotone in m above the per-seed thresholds
        sel = select_width(out, grid, select, level=level)
    res = dict(config=config, lam=out.lam, lam_bar=lam_bar, kappa=out.kappa, T=out.T,
               m_star=sel.m_star, thresholds=thresholds, success=sel.success,
               share_W=kernel_shares(out.X, out.s_W, out.s_V)[0],
               m_claim=m_claim, failures=None, failures_narrow=None, test=tuple(test))
    if test and config.method == "gd" and (test_cap is None or m_claim <= test_cap):
        res.update(failures=heldout_test(out, sel, test, m=m_claim).failures,
                   failures_narrow=heldout_test(out, sel, test, m=m_narrow).failures)
    return res


def measure_widths(configs, *, grid, select, test=(), eps=1e-3, budget=2.0, level=0.9,
                   test_cap=None, n_jobs=None) -> dict:
    """:func:`measure_width` for every configuration through :func:`ntkbook.sweep.sweep` (local
    loky processes, or the Dask cluster of ``NTKBOOK_DASK_SCHEDULER``); ``{config: result}``."""
    from ..sweep import sweep
    res = sweep(measure_width, seeds=[0], sizes=list(configs), n_jobs=n_jobs, grid=tuple(grid),
                select=tuple(select), test=tuple(test), eps=eps, budget=budget, level=level,
                test_cap=test_cap)
    return {cfg: r for (cfg, _), r in res.items()}


def fit_exponents(rows, factors=("N", "n", "inv_lambda"), *, n_resamples=999, seed=0,
                  confidence=0.95, stat="median", key="thresholds") -> dict:
    """Least-squares exponents of the width law log m*_c = a + Σ_f e_f log f_c over the
    configurations c, with percentile bootstrap intervals over seeds
    (``scipy.stats.bootstrap``: the seeds of each configuration are resampled independently,
    configurations are never pooled). m*_c is the ``stat`` (median) of the per-seed thresholds of
    configuration c; ``factors`` name the regressors (N, n, inv_lambda = 1/λ̄, kappa). ``key``
    names the per-seed samples of a row (``"iterations"`` fits iteration counts the same way).
    Returns ``{factor: (estimate, low, high)}``."""
    import scipy.stats

    def regressor(r, f):
        cfg = r["config"]
        return {"N": cfg.N, "n": cfg.rank if cfg.sketch else cfg.n,
                "inv_lambda": 1.0 / r["lam_bar"], "kappa": r["kappa"]}[f]

    A = np.array([[1.0] + [math.log(regressor(r, f)) for f in factors] for r in rows])
    if np.linalg.matrix_rank(A) < A.shape[1]:
        raise AssumptionError("the configurations vary every factor of the fit independently",
                              f"design matrix of rank {np.linalg.matrix_rank(A)} < {A.shape[1]}")
    samples = []
    for r in rows:
        t = np.asarray(r[key], float)
        if not np.all(np.isfinite(t)):
            raise AssumptionError(f"every seed has a finite {key} (succeeds within the budget)",
                                  f"{r['config'].case}: {int(np.sum(~np.isfinite(t)))} seeds fail")
        samples.append(np.log(t))
    agg = getattr(np, stat)

    def coefficients(*s):
        return np.linalg.lstsq(A, np.array([agg(x) for x in s]), rcond=None)[0][1:]

    est = coefficients(*samples)
    boot = scipy.stats.bootstrap(tuple(samples), coefficients, n_resamples=n_resamples,
                                 vectorized=False, paired=False, confidence_level=confidence,
                                 method="percentile", random_state=np.random.default_rng(seed))
    lo, hi = boot.confidence_interval
    return {f: (float(est[i]), float(lo[i]), float(hi[i])) for i, f in enumerate(factors)}


def exponent_verdict(ci, target: float, band=(-0.25, 0.5)) -> str:
    """What an exponent interval ``ci = (estimate, low, high)`` says about a claimed law
    m ∝ f^target (up to logarithms): ``"supports"`` when the interval meets
    [target + band[0], target + band[1]]; ``"contradicts (grows faster)"`` when it lies above (the
    quantity grows faster than the law allows); ``"cannot decide (grows slower)"`` when it lies
    below — the law is not tight at these sizes, and a sufficient width or an upper bound with an
    unknown constant is not refuted by a smaller growth."""
    _, lo, hi = ci
    if lo > target + band[1]:
        return "contradicts (grows faster)"
    if hi < target + band[0]:
        return "cannot decide (grows slower)"
    return "supports"


def check_exponent(ledger, claim_id, ci, *, target, statement, source, case, seeds=None,
                   band=(-0.25, 0.5), depends_on=(), note=""):
    """A fitted exponent with its bootstrap interval ``ci = (estimate, low, high)`` against the
    claimed exponent ``target``, a *reproduction*: reproduced when the interval meets
    [target + band[0], target + band[1]] (the upper allowance absorbs the logarithms of Õ; the
    band is our criterion), i.e. low ≤ target + band[1] and high ≥ target + band[0]."""
    est, lo, hi = ci
    return ledger.check(claim_id, kind="reproduction", lhs=np.array([lo, -hi]), rel="<=",
                        rhs=np.array([target + band[1], -(target + band[0])]),
                        statement=statement, source=source, provenance="reconstruction",
                        hypothesis_met=None, case=case, seeds=seeds, depends_on=depends_on,
                        note=(note + f" exponent {est:.3f}, 95% bootstrap CI [{lo:.3f}, {hi:.3f}],"
                              f" claimed {target:g} (band [{target + band[0]:g}, "
                              f"{target + band[1]:g}]); verdict "
                              f"{exponent_verdict(ci, target, band)}").strip())

"""Du et al. 2019, Lemma 3.2: H(W) stays close to H(W(0)) for every W in the ball
‖w_r − w_r(0)‖ ≤ R — the events A_ir, adversarial perturbations, and a certificate over the
whole ball."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.special
import torch

from .. import kernels
from ..config import DTYPE, few_threads, to_numpy
from ..errors import AssumptionError
from ..ledger import must_fail as _must_fail
from ..models import TwoLayerReLU
from .concentration import m_lemma31
from .controls import CONTROL, SOURCE
from .model import _t

#: [D] the constant c in Lemma 3.2's radius R = c δ λ0 / n² that makes the Markov step give λ0/4.
C_LEMMA32 = math.sqrt(2 * math.pi) / 16


def R_lemma32(n: int, lam0: float, delta: float, c: float = C_LEMMA32) -> float:
    """Lemma 3.2's radius R = c δ λ0 / n² (c = √(2π)/16 is our derivation [D])."""
    if not (0 < delta < 1) or lam0 <= 0 or n < 1 or c <= 0:
        raise AssumptionError("0 < delta < 1, lambda0 > 0, n >= 1, c > 0 (Du et al. Lemma 3.2)",
                              f"n = {n}, lambda0 = {lam0}, delta = {delta}, c = {c}")
    return c * delta * lam0 / n ** 2


def anticoncentration_bound(R) -> np.ndarray:
    """Lemma 3.2's step P_{z~N(0,1)}(|z| < R) ≤ 2R/√(2π)."""
    return 2 * np.asarray(R, dtype=np.float64) / math.sqrt(2 * math.pi)


def anticoncentration_exact(R) -> np.ndarray:
    """P_{z~N(0,1)}(|z| < R) = erf(R/√2) (exact)."""
    return scipy.special.erf(np.asarray(R, dtype=np.float64) / math.sqrt(2))


def near_boundary(X, W, R: float) -> torch.Tensor:
    """The events A_ir = {|w_r(0)ᵀx_i| < R} (Du et al. Lemma 3.2 proof): a bool (n, m) tensor.
    For unit x_i, A_ir holds iff some w with ‖w − w_r(0)‖ ≤ R has a different pattern
    1{wᵀx_i ≥ 0} (up to the boundary case |w_r(0)ᵀx_i| = R)."""
    return (_t(X) @ _t(W).T).abs() < R


def pattern_changes(X, W0, W) -> torch.Tensor:
    """Bool (n, m): 1{w_r(0)ᵀx_i ≥ 0} ≠ 1{w_rᵀx_i ≥ 0} (the activation patterns that changed)."""
    X = _t(X)
    return (X @ _t(W0).T >= 0) != (X @ _t(W).T >= 0)


def max_distance(W0, W) -> float:
    """max_r ‖w_r − w_r(0)‖₂."""
    return float((_t(W) - _t(W0)).norm(dim=1).max())


def _least_norm_flip(X, w, idx, Z, R):
    """Least-norm Δ with x_iᵀ(w + Δ) = −sign(x_iᵀw)·ε for i ∈ idx (None if ‖Δ‖ > R)."""
    z = Z[idx]
    eps = min(1e-3 * R, 0.5 * (R - float(z.abs().max())))
    target = torch.where(z >= 0, -eps, eps).to(DTYPE)
    delta = torch.linalg.pinv(X[idx]) @ (target - z)
    return delta if float(delta.norm()) <= R else None


def adversarial_perturbation(X, W0, R: float, mode: str = "flip", v=None, max_subset: int = 6,
                             _Z=None, _H0=None) -> torch.Tensor:
    """A W with ‖w_r − w_r(0)‖₂ ≤ R for every r, chosen to change H(W) as much as it can.

    Only neurons with near-boundary inputs A_r = {i : |w_r(0)ᵀx_i| < R} can change (Lemma 3.2's
    events). For such a neuron:

    * ``mode="flip"``: the least-norm Δ with x_iᵀ(w_r(0)+Δ) = −s_i ε for every i ∈ A_r (every
      near-boundary pattern flips; s_i the old side); if ‖Δ‖ > R the input farthest from its
      boundary is dropped and the solve repeated;
    * ``mode="off"``: the same for the *active* i ∈ A_r only (switches neurons off, lowering H);
    * ``mode="eigen"``: over the subsets T of A_r (its ``max_subset`` nearest inputs), the
      feasible least-norm flip of T that minimises the neuron's share ‖Σ_i v_i 1{w_rᵀx_i ≥ 0} x_i‖²
      of vᵀHv, with v the bottom eigenvector of H(W(0)) by default — an attack on λ_min(H).

    ε is half the slack R − max |w_r(0)ᵀx_i| over the targeted inputs, capped at 10⁻³R.
    """
    if mode not in ("flip", "off", "eigen"):
        raise ValueError(f"mode must be 'flip', 'off' or 'eigen', got {mode!r}")
    X, W0 = _t(X), _t(W0)
    W = W0.clone()
    Z = X @ W0.T if _Z is None else _Z                   # (n, m)
    A = Z.abs() < R
    if mode == "off":
        A &= Z >= 0
    if mode == "eigen" and v is None:
        H0 = to_numpy(kernels.gram(X, W0)) if _H0 is None else _H0
        v = scipy.linalg.eigh(0.5 * (H0 + H0.T), subset_by_index=[0, 0])[1][:, 0]
    if mode == "eigen":
        v = _t(v)
    for r in torch.nonzero(A.any(dim=0)).flatten().tolist():
        idx = torch.nonzero(A[:, r]).flatten()
        idx = idx[torch.argsort(Z[idx, r].abs())]        # nearest to the boundary first
        if mode == "eigen":
            idx = idx[:max_subset]
            best, best_val = None, float(((v * (Z[:, r] >= 0)) @ X).pow(2).sum())
            k = idx.numel()
            for mask in range(1, 2 ** k):
                sub = idx[[b for b in range(k) if mask >> b & 1]]
                delta = _least_norm_flip(X, W0[r], sub, Z[:, r], R)
                if delta is None:
                    continue
                val = float(((v * (X @ (W0[r] + delta) >= 0)) @ X).pow(2).sum())
                if val < best_val:
                    best, best_val = delta, val
            if best is not None:
                W[r] = W0[r] + best
            continue
        while idx.numel():
            delta = _least_norm_flip(X, W0[r], idx, Z[:, r], R)
            if delta is not None:
                W[r] = W0[r] + delta
                break
            idx = idx[:-1]
    dist = (W - W0).norm(dim=1)
    if float(dist.max()) > R:
        raise AssertionError(f"perturbation left the radius: {float(dist.max())} > {R}")
    return W


def anticoncentration_counts(X, m: int, seeds, R) -> tuple[int, int]:
    """Events |w_r(0)ᵀx_{r mod n}| < R over neurons and seeds (one input per neuron, so the
    trials are independent): (count, trials)."""
    X = _t(X)
    n = X.shape[0]
    count = trials = 0
    for s in seeds:
        W = TwoLayerReLU.init(m, X.shape[1], s, dev="cpu")["W"]
        z = (W * X[torch.arange(m) % n]).sum(1)
        count += int((z.abs() < R).sum())
        trials += m
    return count, trials


def check_anticoncentration(ledger, count: int, trials: int, R: float, factor: float = 1.0,
                            seeds=None):
    """Lemma 3.2's step P(|w_r(0)ᵀx_i| < R) ≤ 2R/√(2π), the event rate's Clopper–Pearson bound
    against the bound (``factor`` < 1 tightens it, for negative controls); one case per R."""
    bound = factor * float(anticoncentration_bound(R))
    if not 0 < bound < 1:
        raise ValueError(f"bound 2R/sqrt(2 pi) = {bound} must lie in (0, 1) for a binomial test")
    return ledger.check_probability(
        "du2019.lemma3.2.anticoncentration", kind="step", case=f"R={R:g}", failures=count,
        trials=trials, delta=bound,
        statement=r"P\big(|w_r(0)^\top x_i|<R\big)\le\frac{2R}{\sqrt{2\pi}}",
        source=f"{SOURCE}, Lemma 3.2 (proof; displayed constant as recalled [M])",
        provenance="recalled", hypothesis_met=None,
        seeds=seeds, control=CONTROL["anticoncentration"], depends_on=["du2019.init.moments"],
        note=f"R = {R:.4g}; exact erf(R/sqrt2) = {float(anticoncentration_exact(R)):.6g}")


@dataclass
class Lemma32Run:
    """One row per seed: the perturbed Gram matrix against H(0)."""
    R: float
    m: int
    lam0: float
    norm: np.ndarray          # ‖H − H(0)‖₂
    l1: np.ndarray            # Σ_ij |H_ij − H_ij(0)|
    lam_min: np.ndarray       # λ_min(H)
    lam_min0: np.ndarray      # λ_min(H(0))
    events: np.ndarray        # Σ_ir 1{A_ir}
    flips: np.ndarray         # Σ_ir 1{pattern changed}
    outside: np.ndarray       # flips outside the events A_ir (must be 0)
    dist: np.ndarray          # max_r ‖w_r − w_r(0)‖


@few_threads()   # many small products: intra-op threads only add overhead
def lemma32_runs(X, m: int, seeds, R: float, modes=("flip",), radius_factor: float = 1.0) -> dict:
    """Per seed: draw W(0), perturb it adversarially within ``radius_factor``·R with each of
    ``modes`` (:func:`adversarial_perturbation`) and measure the quantities of Lemma 3.2.
    ``radius_factor`` > 1 leaves the lemma's ball (a negative control for the event equivalence).
    Only the moved neurons are re-evaluated, so H = H(0) + (its change) costs O(n² · moved).
    Returns {mode: Lemma32Run}."""
    X = _t(X)
    lam0 = kernels.lambda_min(kernels.h_infinity(X))
    keys = ("norm", "l1", "lam_min", "lam_min0", "events", "flips", "outside", "dist")
    rows = {mode: {k: [] for k in keys} for mode in modes}
    for s in seeds:
        W0 = TwoLayerReLU.init(m, X.shape[1], s, dev="cpu")["W"]
        Z = X @ W0.T
        S0 = Z >= 0
        H0 = to_numpy(kernels.gram(X, W0))
        lam_min0 = kernels.lambda_min(H0)
        A = Z.abs() < R
        events = int(A.sum())
        for mode in modes:
            W = adversarial_perturbation(X, W0, radius_factor * R, mode, _Z=Z, _H0=H0)
            moved = torch.nonzero((W != W0).any(dim=1)).flatten()
            S1 = X @ W[moved].T >= 0
            S0c = S0[:, moved]
            # H restricted to the moved neurons, weighted by their share of the m neurons
            dH = (to_numpy(kernels.gram(X, W[moved]) - kernels.gram(X, W0[moved]))
                  * moved.numel() / m) if moved.numel() else np.zeros_like(H0)
            H = H0 + dH
            F = S1 != S0c
            row = rows[mode]
            row["norm"].append(kernels.spectral_norm(dH))
            row["l1"].append(float(np.abs(dH).sum()))
            row["lam_min"].append(kernels.lambda_min(H))
            row["lam_min0"].append(lam_min0)
            row["events"].append(events)
            row["flips"].append(int(F.sum()))
            row["outside"].append(int((F & ~A[:, moved]).sum()))
            row["dist"].append(float((W[moved] - W0[moved]).norm(dim=1).max()) if moved.numel() else 0.0)
    return {mode: Lemma32Run(R=R, m=m, lam0=lam0, **{k: np.asarray(v) for k, v in rows[mode].items()})
            for mode in modes}


def lemma32_run(X, m: int, seeds, R: float, mode: str = "flip", radius_factor: float = 1.0) -> Lemma32Run:
    """:func:`lemma32_runs` for a single adversary ``mode``."""
    return lemma32_runs(X, m, seeds, R, (mode,), radius_factor)[mode]


def check_lemma32(ledger, run: Lemma32Run, delta: float, n: int, c: float = C_LEMMA32,
                  seeds=None, parts=("events", "markov", "norm", "lambda_min"),
                  expect="hold"):
    """Lemma 3.2 over seeds:

    * ``events`` (identity, ``du2019.lemma3.2.events``) — patterns change only inside the events
      A_ir (Cauchy–Schwarz: true for every perturbation inside the ball);
    * ``markov`` (step, ``du2019.lemma3.2.markov``) — Σ|H_ij − H_ij(0)| ≤ 4n²R/(√(2π)δ) with
      probability ≥ 1 − δ [restated]; hypothesis: the perturbation stays in the ball (computed);
    * ``norm`` (step, ``du2019.lemma3.2``) — ‖H − H(0)‖₂ < λ0/4 w.p. ≥ 1 − δ; hypothesis
      R ≤ cδλ0/n² (c = √(2π)/16 [D]); with ``expect="violation"`` the counterexample
      ``du2019.lemma3.2.large_R`` (R far above it on purpose);
    * ``lambda_min`` (step, ``du2019.lemma3.2.lambda_min``) — λ_min(H) > λ0/2 w.p. ≥ 1 − δ;
      hypothesis R ≤ cδλ0/n² and m ≥ 8n² log(2n²/δ)/λ0² [D] (Lemma 3.1 gives λ_min(H(0)) ≥ ¾λ0).
    """
    R_ok = bool(run.R <= R_lemma32(n, run.lam0, delta, c) * (1 + 1e-12))
    m_ok = bool(run.m >= m_lemma31(n, run.lam0, delta))
    in_ball = bool(run.dist.max() <= run.R * (1 + 1e-12))
    src = f"{SOURCE}, Lemma 3.2"
    note = f"R = {run.R:.4g}, m = {run.m}, adversarial perturbation"
    deps = ["du2019.lemma3.2.anticoncentration", "du2019.lemma3.2.events",
            "du2019.lemma3.2.markov", "du2019-lemma-3-2"]
    prob = dict(trials=len(run.norm), delta=delta, seeds=seeds, control=CONTROL["lemma3.2"],
                note=note, provenance="restated")
    out = []
    if "events" in parts:
        out.append(ledger.check(
            "du2019.lemma3.2.events", kind="identity", lhs=run.outside, rel="==", rhs=0,
            statement=r"\mathbb I\{w_r^\top x_i\ge0\}\ne\mathbb I\{w_r(0)^\top x_i\ge0\},"
                      r"\ \|w_r-w_r(0)\|\le R\ \Rightarrow\ |w_r(0)^\top x_i|<R",
            source=f"{src} (proof: event A_ir; Cauchy-Schwarz)", provenance="paper",
            hypothesis_met=None, seeds=seeds, note=note))
    if "markov" in parts:
        bound = 4 * n ** 2 * run.R / (math.sqrt(2 * math.pi) * delta)
        out.append(ledger.check_probability(
            "du2019.lemma3.2.markov", kind="step", failures=int((run.l1 > bound).sum()),
            statement=r"P\Big(\sum_{ij}|H_{ij}-H_{ij}(0)|\le\frac{4n^2R}{\sqrt{2\pi}\delta}\Big)"
                      r"\ge1-\delta",
            source=f"{src} (proof, Markov step; displayed constant as recalled [M])",
            hypothesis_met=in_ball,
            depends_on=["du2019.lemma3.2.anticoncentration", "du2019.lemma3.2.events"],
            **{**prob, "provenance": "recalled"}))
    if "norm" in parts:
        failures = int((run.norm >= run.lam0 / 4).sum())
        statement = (r"P\big(\|H-H(0)\|_2<\lambda_0/4\ \ \forall\,\|w_r-w_r(0)\|\le R\big)"
                     r"\ge1-\delta")
        if _must_fail(expect):
            out.append(ledger.check_probability(
                "du2019.lemma3.2.large_R", kind="counterexample", failures=failures,
                statement=statement + r"\ \ (R\gg c\delta\lambda_0/n^2)",
                source=f"{src} (radius hypothesis dropped)", hypothesis_met=R_ok,
                **{**prob, "control": None}))
        else:
            out.append(ledger.check_probability(
                "du2019.lemma3.2", kind="step", failures=failures, statement=statement,
                source=f"{src} (c = sqrt(2 pi)/16: our derivation)", hypothesis_met=R_ok,
                depends_on=deps, **prob))
    if "lambda_min" in parts:
        out.append(ledger.check_probability(
            "du2019.lemma3.2.lambda_min", kind="step",
            failures=int((run.lam_min <= run.lam0 / 2).sum()),
            statement=r"P\big(\lambda_{\min}(H)>\lambda_0/2\big)\ge1-\delta",
            source=f"{src} (with Lemma 3.1)", hypothesis_met=R_ok and m_ok,
            depends_on=["du2019.lemma3.2", "du2019.lemma3.1"], **prob))
    return out



# ------------------------------------------------------------------------------------------
# Lemma 3.2 certified over the whole ball
# ------------------------------------------------------------------------------------------
def certificate_matrix(X, W0, R: float) -> np.ndarray:
    """The entrywise bound of Lemma 3.2's proof, for *every* W with ‖w_r − w_r(0)‖₂ ≤ R:

        |H_ij(W) − H_ij(W(0))| ≤ M_ij = |x_iᵀx_j| (1/m) Σ_r 1{A_ir ∪ A_jr},
        A_ir = {|w_r(0)ᵀx_i| ≤ R}

    (for unit x_i the pattern 1{w_rᵀx_i ≥ 0} can change only on A_ir, and the r-th term of H_ij
    only if one of its two patterns does). Since M ≥ |H − H(0)| entrywise,
    ‖H − H(0)‖₂ ≤ ‖M‖₂ (Perron–Frobenius) over the whole ball. Σ_r 1{A_ir ∪ A_jr} is computed
    as c_i + c_j − (BBᵀ)_ij with B_ir = 1{A_ir} and c_i = Σ_r B_ir."""
    X, W0 = _t(X), _t(W0)
    return to_numpy(_certificate(X @ W0.T, (X @ X.T).abs(), R))


def _certificate(Z: torch.Tensor, absK: torch.Tensor, R: float) -> torch.Tensor:
    B = (Z.abs() <= R).to(DTYPE)                       # (n, m): the events A_ir
    c = B.sum(1)
    return absK * (c[:, None] + c[None, :] - B @ B.T) / Z.shape[1]


def certified_radius(X, W0, level: float, R_min: float = 1e-12, R_max: float = 10.0,
                     iters: int = 60) -> float:
    """The largest R in [R_min, R_max] (bisection in log R, ``iters`` halvings) with
    ‖M(R)‖₂ < ``level``, so that every W in that ball has ‖H − H(0)‖₂ < level
    (:func:`certificate_matrix`; ‖M(R)‖₂ is non-decreasing in R). 0 when R_min already fails."""
    X, W0 = _t(X), _t(W0)
    Z, absK = X @ W0.T, (X @ X.T).abs()

    def ok(R):
        return kernels.spectral_norm(to_numpy(_certificate(Z, absK, R))) < level
    if not ok(R_min):
        return 0.0
    if ok(R_max):
        return float(R_max)
    lo, hi = math.log(R_min), math.log(R_max)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ok(math.exp(mid)) else (lo, mid)
    return math.exp(lo)


@dataclass
class CertificateRuns:
    """Per seed at radius R and width m: ‖M‖₂ (:func:`certificate_matrix`), λ_min(H(0)), and the
    certified radius for the level λ0/4 (:func:`certified_radius`; NaN when not computed)."""
    R: float
    m: int
    lam0: float
    norm_M: np.ndarray
    lam_min0: np.ndarray
    R_cert: np.ndarray


@few_threads()   # many small products: intra-op threads only add overhead
def certificate_runs(X, m: int, seeds, R: float, radius: bool = False) -> CertificateRuns:
    """:class:`CertificateRuns` over ``seeds`` (initializations :meth:`TwoLayerReLU.init`);
    ``radius=True`` also finds each seed's certified radius for λ0/4."""
    X = _t(X)
    lam0 = kernels.lambda0(X)
    norm, lm0, rc = [], [], []
    for s in seeds:
        W0 = TwoLayerReLU.init(m, X.shape[1], int(s), dev="cpu")["W"]
        norm.append(kernels.spectral_norm(certificate_matrix(X, W0, R)))
        lm0.append(kernels.lambda_min(kernels.gram(X, W0)))
        rc.append(certified_radius(X, W0, lam0 / 4) if radius else float("nan"))
    return CertificateRuns(R=float(R), m=int(m), lam0=lam0, norm_M=np.asarray(norm),
                       lam_min0=np.asarray(lm0), R_cert=np.asarray(rc))


def check_certificate(ledger, cert: CertificateRuns, delta: float, n: int, c: float = C_LEMMA32,
                      seeds=None, expect="hold"):
    """Lemma 3.2 certified over the whole ball, as probabilities over initializations (one case
    per (R, m)): ``du2019.lemma3.2.certificate`` — P(‖M‖₂ ≥ λ0/4) ≤ δ, so that with probability
    ≥ 1 − δ *every* W in the ball has ‖H − H(0)‖₂ < λ0/4; and
    ``du2019.lemma3.2.certificate.lambda_min`` — P(λ_min(H(0)) − ‖M‖₂ ≤ λ0/2) ≤ δ (then
    λ_min(H) > λ0/2 on the whole ball). Hypothesis (computed): R ≤ cδλ0/n² and, for the second,
    m ≥ m_{3.1}. With ``expect="violation"``: the counterexample
    ``du2019.lemma3.2.certificate.large_R`` (the first part at R far above the lemma's radius)."""
    R_ok = bool(cert.R <= R_lemma32(n, cert.lam0, delta, c) * (1 + 1e-12))
    m_ok = bool(cert.m >= m_lemma31(n, cert.lam0, delta))
    src = f"{SOURCE}, Lemma 3.2 (certificate: the proof's entrywise bound, our computation)"
    case = f"R={cert.R:.3g}, m={cert.m}"
    kw = dict(trials=len(cert.norm_M), delta=delta, seeds=seeds, case=case,
              provenance="derived",
              note=f"R = {cert.R:.4g}, m = {cert.m}; max ||M||_2 = {cert.norm_M.max():.3g}, "
                   f"lambda0/4 = {cert.lam0 / 4:.3g}")
    statement = (r"P\big(\|M\|_2<\lambda_0/4\big)\ge1-\delta,\ M_{ij}=|x_i^\top x_j|\tfrac1m"
                 r"\sum_r\mathbb I\{A_{ir}\cup A_{jr}\}\ \Rightarrow\ \|H-H(0)\|_2<\lambda_0/4"
                 r"\ \forall\,\|w_r-w_r(0)\|\le R")
    failures = int((cert.norm_M >= cert.lam0 / 4).sum())
    if _must_fail(expect):
        return ledger.check_probability(
            "du2019.lemma3.2.certificate.large_R", kind="counterexample", failures=failures,
            statement=statement + r"\ \ (R\gg c\delta\lambda_0/n^2)", source=src,
            hypothesis_met=R_ok, **kw)
    return (ledger.check_probability(
                "du2019.lemma3.2.certificate", kind="step", failures=failures,
                statement=statement, source=src, hypothesis_met=R_ok,
                control=CONTROL["certificate"],
                depends_on=["du2019.lemma3.2.anticoncentration", "du2019-lemma-3-2"], **kw),
            ledger.check_probability(
                "du2019.lemma3.2.certificate.lambda_min", kind="step",
                failures=int((cert.lam_min0 - cert.norm_M <= cert.lam0 / 2).sum()),
                statement=r"P\big(\lambda_{\min}(H(0))-\|M\|_2>\lambda_0/2\big)\ge1-\delta"
                          r"\ \Rightarrow\ \lambda_{\min}(H)>\lambda_0/2\ \forall\,"
                          r"\|w_r-w_r(0)\|\le R",
                source=src, hypothesis_met=R_ok and m_ok, control=CONTROL["certificate"],
                depends_on=["du2019.lemma3.2.certificate", "du2019.lemma3.1"], **kw))


@few_threads()   # many small products: intra-op threads only add overhead
def check_certificate_seeds(ledger, X, cert: CertificateRuns, seeds, delta: float, n: int,
                            c: float = C_LEMMA32, certify: bool = True, W_override=None):
    """Lemma 3.2's certificate at each concrete initialization, proved in ball arithmetic (one
    case per (R, m); the failure counts behind ``du2019.lemma3.2.certificate`` are then exact):

    * ``du2019.lemma3.2.certificate.seeds`` — ‖M‖₂ < λ0/4 at every seed, hence
      ‖H − H(0)‖₂ < λ0/4 for every W in the ball;
    * ``du2019.lemma3.2.certificate.lambda_min.seeds`` — λ_min(H(0)) − ‖M‖₂ > λ0/2 at every
      seed, hence λ_min(H) > λ0/2 on the whole ball.

    ``cert`` holds the float values (:func:`certificate_runs` on the same ``seeds``); ``certify``
    attaches :func:`ntkbook.du2019.certificates.lemma32_certificate` per seed, combined (the
    events |w_r(0)ᵀx_i| ≤ R decided rigorously — a tie leaves it undecided —, ‖M‖₂ bounded above
    against a LOWER bound of λ0/4, λ_min(H(0)) bounded below against an UPPER bound of λ0/2).
    Hypothesis (computed): R ≤ cδλ0/n², and m ≥ m_{3.1} for the second. ``W_override`` =
    {seed: W} replaces an initialization (negative controls)."""
    from .certificates import combine, lambda0_bounds, lemma32_certificate
    X = _t(X)
    seeds = [int(s) for s in seeds]
    if len(seeds) != len(cert.norm_M):
        raise ValueError(f"{len(seeds)} seeds for {len(cert.norm_M)} values of ||M||_2")
    R_ok = bool(cert.R <= R_lemma32(n, cert.lam0, delta, c) * (1 + 1e-12))
    m_ok = bool(cert.m >= m_lemma31(n, cert.lam0, delta))
    c1 = c2 = None
    if certify:
        c0 = lambda0_bounds(X)
        pairs = []
        for s in seeds:
            W = (W_override or {}).get(s)
            if W is None:
                W = TwoLayerReLU.init(cert.m, X.shape[1], s, dev="cpu")["W"]
            pairs.append(lemma32_certificate(X, W, cert.R, c0.lower, c0.upper))
        c1 = combine([p[0] for p in pairs], "‖M‖₂ < λ0/4 at each seed")
        c2 = combine([p[1] for p in pairs], "λ_min(H(0)) − ‖M‖₂ > λ0/2 at each seed")
    case = f"R={cert.R:.3g}, m={cert.m}"
    src = f"{SOURCE}, Lemma 3.2 (certificate: the proof's entrywise bound, seed by seed)"
    kw = dict(kind="step", case=case, source=src, provenance="derived", seeds=seeds,
              control=CONTROL["certificate_seeds"],
              note=f"R = {cert.R:.4g}, m = {cert.m}, {len(seeds)} seeds")
    return (ledger.check("du2019.lemma3.2.certificate.seeds", lhs=cert.norm_M, rel="<",
                         rhs=cert.lam0 / 4, hypothesis_met=R_ok, certificate=c1,
                         statement=r"\|M\|_2<\lambda_0/4\ \text{at each initialization}\ "
                                   r"\Rightarrow\ \|H-H(0)\|_2<\lambda_0/4\ \forall\,"
                                   r"\|w_r-w_r(0)\|\le R",
                         depends_on=["du2019.lemma3.2.anticoncentration", "du2019-lemma-3-2"],
                         **kw),
            ledger.check("du2019.lemma3.2.certificate.lambda_min.seeds",
                         lhs=cert.lam_min0 - cert.norm_M, rel=">", rhs=cert.lam0 / 2,
                         hypothesis_met=R_ok and m_ok, certificate=c2,
                         statement=r"\lambda_{\min}(H(0))-\|M\|_2>\lambda_0/2\ \text{at each "
                                   r"initialization}\ \Rightarrow\ \lambda_{\min}(H)>\lambda_0/2",
                         depends_on=["du2019.lemma3.2.certificate.seeds", "du2019.lemma3.1"],
                         **kw))

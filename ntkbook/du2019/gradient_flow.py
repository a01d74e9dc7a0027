"""Du et al. 2019, Theorem 3.2 (gradient flow) with Lemmas 3.3–3.4, and Theorem 3.3 (joint
training of both layers)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .. import kernels
from ..config import few_threads, to_numpy
from ..errors import AssumptionError
from ..ledger import must_fail as _must_fail
from ..models import TwoLayerReLU
from .controls import CONTROL, SOURCE
from .model import _t
from .stability import C_LEMMA32, R_lemma32, max_distance, pattern_changes


def R_prime_flow(n: int, m: int, resid0: float, lam0: float) -> float:
    """Lemma 3.3's radius R' = 2√n ‖y − u(0)‖₂ / (√m λ0) (display [M]/[D] in the catalog)."""
    if lam0 <= 0 or m < 1:
        raise AssumptionError("lambda0 > 0 and m >= 1 (Du et al. Lemma 3.3)", f"lambda0 = {lam0}, m = {m}")
    return 2 * math.sqrt(n) * float(resid0) / (math.sqrt(m) * lam0)


def m_R_prime_below_R(n: int, resid0: float, lam0: float, delta: float, c: float = C_LEMMA32) -> int:
    """Smallest integer m with R' < R (Lemma 3.4's hypothesis), R' = 2√n r/(√m λ0), R = cδλ0/n²:
    m > 4 n⁵ r² / (c² δ² λ0⁴)."""
    R = R_lemma32(n, lam0, delta, c)
    bound = (2 * math.sqrt(n) * float(resid0) / (lam0 * R)) ** 2
    return int(math.floor(bound)) + 1


@dataclass
class FlowRun:
    """A gradient-flow run of the two-layer net, recorded on a time grid."""
    t: np.ndarray              # times
    resid2: np.ndarray         # ‖y − u(t)‖²
    lam_min_H: np.ndarray      # λ_min(H(t)) (with a_r(t)² when a is trained)
    lam_min_G: np.ndarray      # λ_min(G(t)) (joint training; NaN otherwise)
    quad_H: np.ndarray         # (y−u)ᵀH(y−u)
    quad_HG: np.ndarray        # (y−u)ᵀ(H+G)(y−u)
    dist_w: np.ndarray         # max_r ‖w_r(t) − w_r(0)‖
    dist_a: np.ndarray         # max_r |a_r(t) − a_r(0)|
    balance: np.ndarray        # max_r |(a_r² − ‖w_r‖²)(t) − (a_r² − ‖w_r‖²)(0)|
    dH: np.ndarray             # ‖H(t) − H(0)‖₂
    flips: np.ndarray          # Σ_ir pattern changes since t = 0
    max_w: np.ndarray          # max_r sup_{s≤t} ‖w_r(s)‖
    max_a: np.ndarray          # max_r sup_{s≤t} |a_r(s)|
    lam0: float
    m: int
    n: int
    train_a: bool

    @property
    def resid0(self) -> float:
        return float(math.sqrt(self.resid2[0]))


@few_threads()   # many small products: intra-op threads only add overhead
def flow_run(X, y, m: int, seed: int, t_max: float, dt: float, train_a: bool = False,
             every: int = 1, method: str = "rk4") -> FlowRun:
    """Integrate dθ/dt = −∇L(θ) with ``ntkbook.training.gradient_flow`` (RK4 by default) and
    record the quantities of Lemmas 3.3–3.4 and Thm 3.3 every ``every`` steps."""
    from ..training import gradient_flow
    X, y = _t(X), _t(y)
    net = TwoLayerReLU(train_a=train_a)
    p0 = net.init(m, X.shape[1], seed, dev="cpu")
    W0, a0 = p0["W"].clone(), p0["a"].clone()
    bal0 = a0 ** 2 - W0.pow(2).sum(1)
    lam0 = kernels.lambda_min(kernels.h_infinity(X))
    H0 = to_numpy(kernels.gram(X, W0))
    rec = {k: [] for k in ("resid2", "lam_min_H", "lam_min_G", "quad_H", "quad_HG", "dist_w", "dist_a",
                           "balance", "dH", "flips", "max_w", "max_a")}
    sup = {"w": W0.norm(dim=1).clone(), "a": a0.abs().clone()}

    def metrics(params, k):
        W, a = params["W"].detach(), params["a"].detach()
        sup["w"] = torch.maximum(sup["w"], W.norm(dim=1))
        sup["a"] = torch.maximum(sup["a"], a.abs())
        r = y - TwoLayerReLU.forward({"W": W, "a": a}, X)
        H = to_numpy(kernels.gram(X, W, a if train_a else None))
        rn = to_numpy(r)
        rec["resid2"].append(float(rn @ rn))
        rec["lam_min_H"].append(kernels.lambda_min(H))
        rec["quad_H"].append(float(rn @ H @ rn))
        if train_a:
            G = to_numpy(kernels.feature_gram(X, W))
            rec["lam_min_G"].append(kernels.lambda_min(G))
            rec["quad_HG"].append(float(rn @ (H + G) @ rn))
        else:
            rec["lam_min_G"].append(np.nan)
            rec["quad_HG"].append(float(rn @ H @ rn))
        rec["dist_w"].append(max_distance(W0, W))
        rec["dist_a"].append(float((a - a0).abs().max()))
        rec["balance"].append(float((a ** 2 - W.pow(2).sum(1) - bal0).abs().max()))
        rec["dH"].append(kernels.spectral_norm(to_numpy(kernels.gram(X, W)) - H0))
        rec["flips"].append(int(pattern_changes(X, W0, W).sum()))
        rec["max_w"].append(float(sup["w"].max()))
        rec["max_a"].append(float(sup["a"].max()))
        return 0.0

    traj = gradient_flow(lambda p: net.loss(p, X, y), p0, t_max, dt, trainable=net.trainable,
                         record={"_": metrics}, every=every, method=method)
    if traj.diverged:
        raise AssumptionError("a finite gradient flow (dt small enough)", f"the loss diverged at dt = {dt}")
    return FlowRun(t=np.asarray(traj.steps, dtype=np.float64) * dt, lam0=lam0, m=m, n=X.shape[0],
                   train_a=train_a, **{k: np.asarray(v, dtype=np.float64) for k, v in rec.items()})


def check_decay(ledger, run: FlowRun, claim, *, kind, hypothesis_met, source, control,
                provenance="paper", rate_factor: float = 1.0, case=None, seeds=None, note="",
                depends_on=()):
    """‖y − u(t)‖² ≤ exp(−λ0 t)‖y − u(0)‖² at every recorded t > 0 (``rate_factor`` > 1 makes
    the bound false, for negative controls). ``claim`` and ``kind`` are the caller's (Lemma 3.3's
    step, Theorem 3.3's conclusion)."""
    rhs = np.exp(-rate_factor * run.lam0 * run.t) * run.resid2[0]
    pos = run.t > 0                                  # at t = 0 the two sides are equal
    return ledger.check(claim, kind=kind, lhs=run.resid2[pos], rel="<=", rhs=rhs[pos],
                        statement=r"\|y-u(t)\|_2^2\le e^{-\lambda_0t}\|y-u(0)\|_2^2",
                        source=source, provenance=provenance, hypothesis_met=hypothesis_met,
                        case=case, seeds=seeds, rtol=1e-9, note=note, control=control,
                        depends_on=depends_on)


def lemma33_hypothesis(run: FlowRun) -> bool:
    """Lemma 3.3's hypothesis λ_min(H(s)) ≥ λ0/2 on the recorded grid."""
    return bool(np.all(run.lam_min_H >= run.lam0 / 2))


def thm32_hypothesis(run: FlowRun, delta: float, c: float = C_LEMMA32) -> bool:
    """The width hypothesis of Theorems 3.2/3.3 as the proof uses it: Lemma 3.4's R' < R at this
    run's width and residual (R' of Lemma 3.3, R = cδλ0/n² of Lemma 3.2)."""
    return bool(R_prime_flow(run.n, run.m, run.resid0, run.lam0)
                < R_lemma32(run.n, run.lam0, delta, c))


def check_lemma33(ledger, run: FlowRun, radius_factor: float = 1.0, rate_factor: float = 1.0,
                  seeds=None):
    """Lemma 3.3 (steps of Theorem 3.2): if λ_min(H(s)) ≥ λ0/2 on [0, t] (computed on the grid)
    then the decay holds (``du2019.lemma3.3``) and max_r ‖w_r(t) − w_r(0)‖ ≤ R' =
    2√n‖y − u(0)‖/(√m λ0) (``du2019.lemma3.3.radius``); ``rate_factor`` > 1 or
    ``radius_factor`` < 1 make them false (negative controls)."""
    hyp = lemma33_hypothesis(run)
    Rp = radius_factor * R_prime_flow(run.n, run.m, run.resid0, run.lam0)
    src = f"{SOURCE}, Lemma 3.3"
    return (check_decay(ledger, run, "du2019.lemma3.3", kind="step", hypothesis_met=hyp,
                        source=f"{src} (display as recalled [M])", provenance="recalled",
                        rate_factor=rate_factor, seeds=seeds,
                        control=CONTROL["lemma3.3"], depends_on=["du2019-lemma-3-3"],
                        note="hypothesis lambda_min(H(s)) >= lambda0/2 checked on the time grid"),
            ledger.check("du2019.lemma3.3.radius", kind="step", lhs=run.dist_w, rel="<=", rhs=Rp,
                         statement=r"\max_r\|w_r(t)-w_r(0)\|_2\le R'="
                                   r"\frac{2\sqrt n\|y-u(0)\|_2}{\sqrt m\lambda_0}",
                         source=f"{src} (display reconstructed: our derivation)",
                         provenance="derived", hypothesis_met=hyp, seeds=seeds,
                         control=CONTROL["lemma3.3"], depends_on=["du2019.lemma3.3"],
                         note=f"R' = {Rp:.4g}"))


def check_joint(ledger, run: FlowRun, seeds=None, tol_balance=1e-4):
    """Theorem 3.3 (App. A.1) on a joint-training flow, three identities: G(t) = FFᵀ/m ⪰ 0 and
    hence (y−u)ᵀ(H+G)(y−u) ≥ (y−u)ᵀH(y−u) at every recorded t (true by construction), and
    a_r² − ‖w_r‖² conserved by the flow (to integration error) [D]."""
    if not run.train_a:
        raise AssumptionError("joint training of both layers (Du et al. Sec. 3.2)",
                              "run has a fixed")
    src = f"{SOURCE}, Theorem 3.3 / App. A.1 (displays of H and G as recalled [M])"
    return (ledger.check("du2019.thm3.3.G_psd", kind="identity", lhs=run.lam_min_G, rel=">=",
                         rhs=-1e-12, statement=r"\lambda_{\min}(G(t))\ge0\ \ (G=FF^\top/m)",
                         source=src, provenance="recalled", hypothesis_met=None, seeds=seeds),
            ledger.check("du2019.thm3.3.H_plus_G", kind="identity", lhs=run.quad_HG, rel=">=",
                         rhs=run.quad_H, statement=r"(y-u)^\top(H+G)(y-u)\ge(y-u)^\top H(y-u)",
                         source=src, provenance="recalled", hypothesis_met=None, seeds=seeds),
            check_balance(ledger, run, tol_balance, seeds=seeds))


def check_balance(ledger, run: FlowRun, tol=1e-4, expect="hold", seeds=None):
    """[D] an identity of gradient flow: a_r² − ‖w_r‖² is conserved (d/dt a_r² = d/dt ‖w_r‖² =
    −(2/√m) a_r Σ_i (u_i − y_i) σ(w_rᵀx_i)): max over r and recorded t of its drift ≤ ``tol``
    (the integration error of RK4). ``expect="violation"``: the counterexample
    ``du2019.thm3.3.balance_gd`` — a finite GD step (the flow hypothesis dropped) breaks it."""
    kw = dict(lhs=run.balance, rel="<=", rhs=tol,
              statement=r"a_r(t)^2-\|w_r(t)\|_2^2=a_r(0)^2-\|w_r(0)\|_2^2",
              source="conservation law of gradient flow (our derivation)", provenance="derived",
              seeds=seeds, note=f"max over r and recorded t of the drift; tolerance {tol}")
    if _must_fail(expect):
        return ledger.check("du2019.thm3.3.balance_gd", kind="counterexample",
                            hypothesis_met=False, **kw)
    return ledger.check("du2019.thm3.3.balance", kind="identity", hypothesis_met=None, **kw)


def joint_drift_bounds(run: FlowRun) -> tuple[np.ndarray, np.ndarray]:
    """[D] If ‖y − u(s)‖ ≤ e^{−λ0 s/2}‖y − u(0)‖ on [0, t] then, from |∂L/∂a_r| ≤ √(n/m)
    sup‖w_r‖‖y−u‖ and ‖∂L/∂w_r‖ ≤ √(n/m) sup|a_r| ‖y−u‖ (unit inputs),
    |a_r(t) − a_r(0)| ≤ 2√n sup_s‖w_r(s)‖ ‖y−u(0)‖/(√m λ0) and
    ‖w_r(t) − w_r(0)‖ ≤ 2√n sup_s|a_r(s)| ‖y−u(0)‖/(√m λ0). Returns (R_a'(t), R_w'(t)) on the grid."""
    base = 2 * math.sqrt(run.n) * run.resid0 / (math.sqrt(run.m) * run.lam0)
    return base * run.max_w, base * run.max_a


def check_joint_drift(ledger, run: FlowRun, factor: float = 1.0, seeds=None):
    """[D] the drift bounds of :func:`joint_drift_bounds` (steps of Theorem 3.3; ``factor`` < 1
    tightens them). Hypothesis (computed): the decay e^{−λ0 t} held on the recorded grid."""
    Ra, Rw = joint_drift_bounds(run)
    hyp = bool(np.all(run.resid2 <= np.exp(-run.lam0 * run.t) * run.resid2[0] * (1 + 1e-9)))
    src = f"{SOURCE}, App. A.1 (Lemma A.6-type bound; constants our derivation)"
    kw = dict(kind="step", rel="<=", source=src, provenance="derived", hypothesis_met=hyp,
              seeds=seeds, control=CONTROL["thm3.3"], depends_on=["du2019.thm3.3.balance"])
    return (ledger.check("du2019.thm3.3.a_drift", lhs=run.dist_a, rhs=factor * Ra,
                         statement=r"|a_r(t)-a_r(0)|\le\frac{2\sqrt n\,\sup_s\|w_r(s)\|\,"
                                   r"\|y-u(0)\|}{\sqrt m\lambda_0}", **kw),
            ledger.check("du2019.thm3.3.w_drift", lhs=run.dist_w, rhs=factor * Rw,
                         statement=r"\|w_r(t)-w_r(0)\|\le\frac{2\sqrt n\,\sup_s|a_r(s)|\,"
                                   r"\|y-u(0)\|}{\sqrt m\lambda_0}", **kw))


def check_lemma34(ledger, run: FlowRun, delta: float, c: float = C_LEMMA32,
                  expect_hypothesis="violation", seeds=None, certify_with=None):
    """Lemma 3.4 on a flow: its conclusion λ_min(H(t)) ≥ λ0/2 at every recorded t (a step of
    Theorem 3.2; hypothesis met iff R' < R, computed), and its hypothesis R' < R itself —
    recorded as a counterexample by default (the run drops it: R' < R needs
    m ≥ :func:`m_R_prime_below_R`, ~10¹² at the book's sizes); ``expect_hypothesis="hold"``
    records it as an assumption of the run. ``certify_with=(X, y, seed)`` (the run's data and
    initialization seed) attaches to the counterexample a certificate that R' ≥ R for the exact
    initialization (:func:`ntkbook.du2019.certificates.radius_gap_certificate`)."""
    R = R_lemma32(run.n, run.lam0, delta, c)
    Rp = R_prime_flow(run.n, run.m, run.resid0, run.lam0)
    m_star = m_R_prime_below_R(run.n, run.resid0, run.lam0, delta, c)
    src = f"{SOURCE}, Lemma 3.4"
    bad = _must_fail(expect_hypothesis)
    cert = None
    if certify_with is not None and bad:
        from .certificates import lambda0_bounds, radius_gap_certificate
        Xc, yc, seed = certify_with
        p0 = TwoLayerReLU.init(run.m, _t(Xc).shape[1], int(seed), dev="cpu")
        c0 = lambda0_bounds(Xc)
        cert = radius_gap_certificate(Xc, yc, p0["W"], p0["a"], c0.lower, c0.upper, delta, c)
    return (ledger.check("du2019.lemma3.4.lambda_min", kind="step", lhs=run.lam_min_H, rel=">=",
                         rhs=run.lam0 / 2,
                         statement=r"\lambda_{\min}(H(t))\ge\lambda_0/2\ \ \forall t", source=src,
                         provenance="paper", hypothesis_met=bool(Rp < R), seeds=seeds,
                         control=CONTROL["lemma3.4"],
                         depends_on=["du2019.lemma3.2", "du2019.lemma3.3.radius",
                                     "du2019-lemma-3-4"]),
            ledger.check("du2019.lemma3.4.hypothesis",
                         kind="counterexample" if bad else "assumption", lhs=Rp, rel="<",
                         rhs=R, statement=r"R'<R\ \ \text{(Lemma 3.4's hypothesis)}",
                         source=f"{src} (hypothesis; c = sqrt(2 pi)/16 ours)", provenance="paper",
                         hypothesis_met=None, seeds=seeds,
                         control=None if bad else CONTROL["lemma3.4"], certificate=cert,
                         note=f"m = {run.m}; R' < R first at m = {m_star:.3g} for this residual"))


def _decay_failures(runs, rate_factor: float) -> int:
    """The runs on which ‖y − u(t)‖² ≤ exp(−rate_factor·λ0 t)‖y − u(0)‖² fails at some recorded t."""
    return int(sum(not np.all(r.resid2 <= np.exp(-rate_factor * r.lam0 * r.t) * r.resid2[0]
                              * (1 + 1e-9)) for r in runs))


def check_thm32(ledger, runs, delta: float, rate_factor: float = 1.0, seeds=None, note=""):
    """Theorem 3.2 as a probability: the seeds (flows) on which ‖y − u(t)‖² ≤ exp(−λ0 t)‖y −
    u(0)‖² fails at some recorded t, Clopper–Pearson bound against δ (``rate_factor`` > 1
    makes the bound false). Hypothesis (computed): R' < R on every run."""
    return ledger.check_probability(
        "du2019.thm3.2", kind="conclusion", failures=_decay_failures(runs, rate_factor),
        trials=len(runs), delta=delta,
        statement=r"P\big(\|y-u(t)\|_2^2\le e^{-\lambda_0t}\|y-u(0)\|_2^2\ \forall t\big)"
                  r"\ge1-\delta",
        source=f"{SOURCE}, Theorem 3.2 (width: the paper's; rate as recalled [M])",
        provenance="recalled",
        hypothesis_met=all(thm32_hypothesis(r, delta) for r in runs), seeds=seeds, note=note,
        control=CONTROL["thm3.2"],
        depends_on=["du2019.lemma3.3", "du2019.lemma3.3.radius", "du2019.lemma3.4.lambda_min",
                    "du2019.lemma3.4.hypothesis", "du2019.lemma3.1", "du2019.lemma3.2",
                    "du2019.lemma3.2.certificate", "du2019.lemma3.1.seeds",
                    "du2019.lemma3.2.certificate.seeds", "du2019.assumption.data",
                    "du2019-thm-3-2"])


def check_thm33(ledger, runs, delta: float, rate_factor: float = 1.0, seeds=None, note=""):
    """Theorem 3.3 (both layers trained) as a probability over seeds, like :func:`check_thm32`
    on joint-training flows (``train_a=True``). Hypothesis (computed): R' < R on every run."""
    if not all(r.train_a for r in runs):
        raise AssumptionError("joint training of both layers (Du et al. Sec. 3.2)",
                              "a run has a fixed")
    return ledger.check_probability(
        "du2019.thm3.3", kind="conclusion", failures=_decay_failures(runs, rate_factor),
        trials=len(runs), delta=delta,
        statement=r"P\big(\|y-u(t)\|_2^2\le e^{-\lambda_0t}\|y-u(0)\|_2^2\ \forall t\big)"
                  r"\ge1-\delta\ \ (W\text{ and }a\text{ trained})",
        source=f"{SOURCE}, Theorem 3.3 (width as recalled [M], unverified)",
        provenance="recalled",
        hypothesis_met=all(thm32_hypothesis(r, delta) for r in runs), seeds=seeds, note=note,
        control=CONTROL["thm3.3"],
        depends_on=["du2019.thm3.3.G_psd", "du2019.thm3.3.H_plus_G", "du2019.thm3.3.a_drift",
                    "du2019.thm3.3.w_drift", "du2019.lemma3.1", "du2019.lemma3.2",
                    "du2019.lemma3.4.hypothesis", "du2019-thm-3-2"])


def fitted_decay_rate(run: FlowRun, start_fraction: float = 0.5) -> float:
    """Least-squares rate ρ of ‖y − u(t)‖² ≈ C e^{−ρ t} over the last part of the run
    (t ≥ ``start_fraction``·t_max)."""
    late = run.t >= start_fraction * run.t[-1]
    return float(-np.polyfit(run.t[late], np.log(run.resid2[late]), 1)[0])


def check_flow_rate(ledger, run: FlowRun, delta: float = 0.1, factor: float = 1.0, seeds=None):
    """Catalog Du-8, a scaling claim: the fitted late-time decay rate of ‖y − u(t)‖² is at least
    λ0 (``factor`` > 1 demands a faster rate, for negative controls). Hypothesis (computed):
    :func:`thm32_hypothesis`."""
    rate = fitted_decay_rate(run)
    return ledger.check("du2019.thm3.2.rate", kind="scaling", lhs=rate, rel=">=",
                        rhs=factor * run.lam0,
                        statement=r"-\tfrac{d}{dt}\log\|y-u(t)\|_2^2\ \text{(fitted, late half)}"
                                  r"\ \ge\lambda_0",
                        source=f"{SOURCE}, Theorem 3.2 (rate as recalled [M])",
                        provenance="recalled",
                        hypothesis_met=thm32_hypothesis(run, delta), seeds=seeds,
                        control=CONTROL["rate"], depends_on=["du2019.thm3.2"],
                        note=f"fitted rate {rate:.4f}; 2 min_t lambda_min(H(t)) = "
                             f"{2 * run.lam_min_H.min():.4f}")


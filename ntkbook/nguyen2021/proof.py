"""Nguyen 2021, proof of Theorem 2.2: every quantity the proof bounds along a GD run
(:class:`ProofTrace`), their float64 resolutions, and the recording of the proof's steps.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ..errors import AssumptionError
from ..kernels import sigma_min, spectral_norm
from ..ledger import FALSIFIABLE
from ..models import DeepReLU
from ..training import gradients
from .theorem22 import (
    CONTROL_A,
    SOURCE,
    Theorem22,
    _check_inputs,
    hypothesis_met_corrected,
    proof_constants,
    theorem22,
)

EPS = float(np.finfo(np.float64).eps)


@dataclass
class ProofTrace:
    """Every quantity of the proof of Thm 2.2 at every iteration k = 0..K (arrays indexed by k;
    per-layer arrays have shape (K+1, L); one-step arrays have length K, for the step k → k+1)."""
    t: Theorem22
    eta: float
    phi: np.ndarray            # Φ(θ_k)
    W_norm: np.ndarray         # ‖W_l^k‖₂
    W_fro: np.ndarray          # ‖W_l^k‖_F
    F_fro: np.ndarray          # ‖F_{L−1}^k‖_F
    sigma: np.ndarray          # σ_min(F_{L−1}^k)
    drift: np.ndarray          # ‖W_l^k − W_l^0‖_F
    drift_spec: np.ndarray     # ‖W_l^k − W_l^0‖₂
    grad_sum: np.ndarray       # η Σ_{s<k} ‖∇_{W_l}Φ(θ_s)‖_F
    geom_bound: np.ndarray     # η ‖X‖ λ̄_{1→L} λ̄_l^{-1} Σ_{s<k} u^s ‖F_L^0 − Y‖_F
    drift_bound: np.ndarray    # 16/α0² ‖X‖ λ̄_{1→L} λ̄_l^{-1} ‖F_L^0 − Y‖_F  (per l, constant in k)
    F_drift: np.ndarray        # ‖F_{L−1}^k − F_{L−1}^0‖_F
    F_drift_mid: np.ndarray    # ‖X‖ λ̄_{1→L−1} Σ_{l<L} λ̄_l^{-1} ‖W_l^k − W_l^0‖₂   (by (5))
    F_drift_bound: float       # 16/α0² ‖X‖² λ̄_{1→L−1} λ̄_{1→L} Q2 √(2Φ0)            (≤ α0/2 by (8))
    identity_lhs: np.ndarray   # 2Φ(θ_{k+1})
    identity_rhs: np.ndarray   # 2Φ_k + ‖ΔF_L‖² + 2tr((F_L^{k+1} − G)Rᵀ) + 2tr((G − F_L^k)Rᵀ)
    termA: np.ndarray          # ‖F_L^{k+1} − F_L^k‖_F
    termA_mid: np.ndarray      # ‖X‖ λ̄_{1→L} Σ λ̄_l^{-1} ‖W_l^{k+1} − W_l^k‖₂
    termA_bound: np.ndarray    # η q1 ‖F_L^k − Y‖_F
    termB: np.ndarray          # tr((F_L^{k+1} − G)(F_L^k − Y)ᵀ)
    termB_mid: np.ndarray      # ‖F_{L−1}^{k+1} − F_{L−1}^k‖_F ‖W_L^{k+1}‖₂ ‖F_L^k − Y‖_F
    termB_bound: np.ndarray    # η q2 ‖F_L^k − Y‖_F²
    termC: np.ndarray          # tr((G − F_L^k)(F_L^k − Y)ᵀ)
    termC_formula: np.ndarray  # −η tr((F_{L−1}^k)ᵀ R Rᵀ F_{L−1}^k)
    termC_bound: np.ndarray    # −η α0²/4 ‖F_L^k − Y‖_F²
    q1: float
    q2: float
    widths: tuple = ()
    diverged: bool = False

    @property
    def steps(self) -> int:
        return self.phi.size - 1

    @property
    def rho(self) -> float:
        """The rate of (11): 1 − η α0²/8."""
        return 1.0 - self.eta * self.t.alpha0 ** 2 / 8

    @property
    def hypothesis_met(self) -> bool:
        """Theorem 2.2's hypotheses at θ0 with (9) as the proof needs it: n_{L−1} ≥ N, (7), (8),
        (9) as printed, (9*) (:func:`cond9_needed`) and η < (10)."""
        return bool(hypothesis_met_corrected(self.t) and self.eta < self.t.eta_bound)

    def bound11(self) -> np.ndarray:
        """Φ(θ0)(1 − ηα0²/8)^k, without rounding 1 − ηα0²/8 to 1."""
        r = self.eta * self.t.alpha0 ** 2 / 8
        return self.phi[0] * np.exp(np.arange(self.phi.size) * np.log1p(-min(r, 1 - 1e-16)))

    def chain(self) -> dict:
        """Factors of the final chain (N-11), per step: the actual ratio Φ_{k+1}/Φ_k, the printed
        first line 1 − ηα0²/4 + η²q1² + ηq2, the literal expansion 1 − ηα0²/2 + η²q1² + 2ηq2, the
        printed second line 1 − η(α0²/4 − 2q2) and the target 1 − ηα0²/8 (the constant factors
        are scalars: they do not depend on k)."""
        e, a2 = self.eta, self.t.alpha0 ** 2
        return {"actual": self.phi[1:] / self.phi[:-1],
                "printed": float(1 - e * a2 / 4 + e ** 2 * self.q1 ** 2 + e * self.q2),
                "literal": float(1 - e * a2 / 2 + e ** 2 * self.q1 ** 2 + 2 * e * self.q2),
                "second": float(1 - e * (a2 / 4 - 2 * self.q2)),
                "target": float(1 - e * a2 / 8)}

    def resolutions(self) -> dict:
        """The numerical resolution (absolute, float64) of each compared quantity, per iteration:
        eps times the magnitudes involved.

        * ``W`` (K+1, L): a weight drift ‖W_l^k − W_l^0‖: k updates each rounded to eps‖W_l‖_F
          (an update below the rounding of W_l is lost — it accumulates linearly in k);
        * ``F`` (K+1,): ‖F_{L−1}^k − F_{L−1}^0‖: the weight rounding carried through (5), plus the
          rounding of two forward passes, eps·(L−1)·√n_max·‖F_{L−1}‖_F each;
        * ``FL`` (K+1,): F_L^k = F_{L−1}^kW_L^k (the matmul's rounding and the inputs' errors);
        * ``loss`` (K+1,): Φ_k = ½‖F_L^k − Y‖²: ‖F_L^k − Y‖·FL plus eps·N·n_L·Φ_k;
        * ``mm`` (K,): a product F_{L−1}W_L^{k+1} against Rᵀ: eps·√n_{L−1}·‖F_{L−1}^k‖_F‖W_L^{k+1}‖_F·e_k
          (the identities with G = F_{L−1}^kW_L^{k+1} difference two such products).
        """
        L = self.t.L
        k = np.arange(self.phi.size, dtype=np.float64)
        n_max = max(self.widths) if self.widths else 1
        n_last = self.t.n_last
        Wmax = np.maximum.accumulate(self.W_fro, axis=0)
        res_W = EPS * (k[:, None] + 2) * Wmax
        lam = self.t.lam_bar
        prop = self.t.norm_X * self.t.lam_prod(1, L - 1) * np.sum(res_W[:, :L - 1] / lam[:L - 1], axis=1)
        fwd = EPS * (L - 1) * math.sqrt(n_max) * np.maximum.accumulate(self.F_fro)
        res_F = prop + 2 * fwd
        WL = self.W_fro[:, L - 1]
        res_FL = (EPS * math.sqrt(n_last) * self.F_fro * WL + (prop + fwd) * self.W_norm[:, L - 1]
                  + self.F_fro * res_W[:, L - 1])
        e = np.sqrt(2 * self.phi)
        N, nL = self.t.N, (self.widths[-1] if self.widths else 1)
        res_loss = e * res_FL + EPS * N * nL * self.phi
        K = self.phi.size - 1
        mm = EPS * math.sqrt(n_last) * self.F_fro[:K] * WL[1:K + 1] * e[:K]
        return {"W": res_W, "F": res_F, "FL": res_FL, "loss": res_loss, "mm": mm}


def loss_resolution(model: DeepReLU, params: dict, X, Y, k: int) -> float:
    """The float64 resolution of Φ(θ_k) after k GD steps — the ``loss`` entry of
    :meth:`ProofTrace.resolutions` at one iterate (current norms in place of running maxima)."""
    L = model.L
    with torch.no_grad():
        F = model.features(params, X)
        e = float(torch.linalg.norm(F[L] - Y))
        Ff = float(torch.linalg.norm(F[L - 1]))
    Wf = np.array([float(torch.linalg.norm(params[f"W{l}"])) for l in range(1, L + 1)])
    Ws = np.array([spectral_norm(params[f"W{l}"]) for l in range(1, L + 1)])
    res_W = EPS * (k + 2) * Wf
    nX = float(torch.linalg.norm(X))
    prop = nX * float(np.prod(Ws[:L - 1])) * float(np.sum(res_W[:L - 1] / Ws[:L - 1]))
    fwd = EPS * (L - 1) * math.sqrt(max(model.widths)) * Ff
    res_FL = EPS * math.sqrt(model.widths[L - 1]) * Ff * Wf[L - 1] + (prop + fwd) * Ws[L - 1] + Ff * res_W[L - 1]
    return float(e * res_FL + EPS * X.shape[0] * model.widths[-1] * 0.5 * e ** 2)


def gd_step(model: DeepReLU, params: dict, X, Y, eta: float) -> tuple[dict, dict]:
    """One GD step θ_{k+1} = θ_k − η∇Φ(θ_k) (all layers trained); returns (new params, gradients)."""
    _, g = gradients(lambda p: model.loss(p, X, Y), params, model.trainable)
    return {k: (params[k] - eta * g[k]).detach() for k in params}, g


def proof_trace(model: DeepReLU, params: dict, X, Y, C, eta: float, steps: int) -> ProofTrace:
    """Run GD from θ0 = ``params`` with step ``eta`` for ``steps`` iterations and record, at EVERY
    iteration, every quantity the proof of Thm 2.2 bounds (see :class:`ProofTrace`)."""
    _check_inputs(model, params, X, Y)
    if not (eta > 0 and math.isfinite(eta)):
        raise AssumptionError("eta > 0 (Nguyen 2021, (10))", f"eta = {eta}")
    t = theorem22(model, params, X, Y, C)
    if t.alpha0 <= 0:
        raise AssumptionError("alpha_0 = sigma_min(F_{L-1}(theta_0)) > 0 (needs n_{L-1} >= N)",
                              f"alpha0 = {t.alpha0}, n_(L-1) = {t.n_last}, N = {t.N}")
    L, lam, nX = model.L, t.lam_bar, t.norm_X
    pc = proof_constants(t)
    q1, q2 = pc["q1"], pc["q2"]
    P1L, P1L1 = t.lam_prod(1, L), t.lam_prod(1, L - 1)
    res0 = t.sqrt_2phi0
    u2 = 1 - eta * t.alpha0 ** 2 / 8
    u = math.sqrt(u2) if u2 > 0 else float("nan")
    drift_bound = 16 / t.alpha0 ** 2 * nX * P1L / lam * res0
    F_drift_bound = 16 / t.alpha0 ** 2 * nX ** 2 * P1L1 * P1L * np.sum(1 / lam[:L - 1] ** 2) * res0

    P0 = {k: v.detach().clone() for k, v in params.items()}
    with torch.no_grad():
        F0 = model.features(P0, X)
    rec = {k: [] for k in ("phi", "W_norm", "W_fro", "F_fro", "sigma", "drift", "drift_spec",
                           "grad_sum", "geom_bound", "F_drift", "F_drift_mid", "identity_lhs",
                           "identity_rhs", "termA", "termA_mid", "termA_bound", "termB", "termB_mid",
                           "termB_bound", "termC", "termC_formula", "termC_bound")}
    p = P0
    gsum = np.zeros(L)
    geom = 0.0
    diverged = False
    with torch.no_grad():
        F = model.features(p, X)
    for k in range(steps + 1):
        R = F[L] - Y
        e = float(torch.linalg.norm(R))
        rec["phi"].append(0.5 * e ** 2)
        rec["W_norm"].append([spectral_norm(p[f"W{l}"]) for l in range(1, L + 1)])
        rec["W_fro"].append([float(torch.linalg.norm(p[f"W{l}"])) for l in range(1, L + 1)])
        rec["F_fro"].append(float(torch.linalg.norm(F[L - 1])))
        rec["sigma"].append(sigma_min(F[L - 1]))
        dW0 = [p[f"W{l}"] - P0[f"W{l}"] for l in range(1, L + 1)]
        rec["drift"].append([float(torch.linalg.norm(d)) for d in dW0])
        ds = [spectral_norm(d) for d in dW0]
        rec["drift_spec"].append(ds)
        rec["grad_sum"].append(gsum.copy())
        rec["geom_bound"].append(eta * nX * P1L / lam * geom * res0)
        rec["F_drift"].append(float(torch.linalg.norm(F[L - 1] - F0[L - 1])))
        rec["F_drift_mid"].append(nX * P1L1 * float(np.sum(np.array(ds[:L - 1]) / lam[:L - 1])))
        if k == steps:
            break
        if not math.isfinite(e) or e > 1e150:
            diverged = True
            break
        p_new, g = gd_step(model, p, X, Y, eta)
        gsum += np.array([float(torch.linalg.norm(g[f"W{l}"])) for l in range(1, L + 1)]) * eta
        geom += u ** k if u == u else float("nan")
        with torch.no_grad():
            Fn = model.features(p_new, X)
            G = F[L - 1] @ p_new[f"W{L}"]
            dFL = Fn[L] - F[L]
            rec["identity_lhs"].append(float((Fn[L] - Y).pow(2).sum()))
            tB = float(((Fn[L] - G) * R).sum())
            tC = float(((G - F[L]) * R).sum())
            rec["identity_rhs"].append(e ** 2 + float(dFL.pow(2).sum()) + 2 * tB + 2 * tC)
            rec["termA"].append(float(torch.linalg.norm(dFL)))
            dWk = [spectral_norm(p_new[f"W{l}"] - p[f"W{l}"]) for l in range(1, L + 1)]
            rec["termA_mid"].append(nX * P1L * float(np.sum(np.array(dWk) / lam)))
            rec["termA_bound"].append(eta * q1 * e)
            rec["termB"].append(tB)
            rec["termB_mid"].append(float(torch.linalg.norm(Fn[L - 1] - F[L - 1]))
                                    * spectral_norm(p_new[f"W{L}"]) * e)
            rec["termB_bound"].append(eta * q2 * e ** 2)
            rec["termC"].append(tC)
            rec["termC_formula"].append(-eta * float((F[L - 1].T @ R).pow(2).sum()))
            rec["termC_bound"].append(-eta * t.alpha0 ** 2 / 4 * e ** 2)
        p, F = p_new, Fn
    arr = {k: np.asarray(v, dtype=np.float64) for k, v in rec.items()}
    return ProofTrace(t=t, eta=float(eta), drift_bound=np.asarray(drift_bound),
                      F_drift_bound=float(F_drift_bound), q1=q1, q2=q2,
                      widths=tuple(model.widths), diverged=diverged, **arr)


TRACE_STEPS = {
    "eq11": ("nguyen2021.eq11", "conclusion",
             ["nguyen2021.chain.printed", "nguyen2021.chain.eq10", "nguyen2021.chain.eq9",
              "nguyen2021.eq12.sigma_min", "nguyen2021.eq12.W_norm"]),
    "eq12.W_norm": ("nguyen2021.eq12.W_norm", "step",          # (12)'s first line, and (13)
                    ["nguyen2021.weyl_drift", "nguyen2021.drift.actual_C"]),
    "eq12.sigma_min": ("nguyen2021.eq12.sigma_min", "step",
                       ["nguyen2021.F_drift.eq5", "nguyen2021.F_drift.bound", "nguyen2021.F_drift.eq8"]),
    "drift.triangle": ("nguyen2021.drift.triangle", "identity", []),
    "drift.eq4": ("nguyen2021.drift.eq4", "step", ["nguyen2021.eq4", "nguyen2021.eq10"]),
    "drift.geom_sum": ("nguyen2021.drift.geom_sum", "identity", []),
    "drift.C": ("nguyen2021.drift.C", "assumption", ["nguyen2021.eq7"]),
    "drift.actual_C": ("nguyen2021.drift.actual_C", "step",
                       ["nguyen2021.drift.triangle", "nguyen2021.drift.eq4", "nguyen2021.drift.geom_sum",
                        "nguyen2021.drift.C"]),
    "weyl_drift": ("nguyen2021.weyl_drift", "identity", []),
    "F_drift.eq5": ("nguyen2021.F_drift.eq5", "step", ["nguyen2021.eq5", "nguyen2021.eq12.W_norm"]),
    "F_drift.bound": ("nguyen2021.F_drift.bound", "step",
                      ["nguyen2021.drift.eq4", "nguyen2021.drift.geom_sum"]),
    "F_drift.eq8": ("nguyen2021.F_drift.eq8", "assumption", ["nguyen2021.eq8"]),
    "step.identity": ("nguyen2021.step.identity", "identity", []),
    "step.termA.eq5": ("nguyen2021.step.termA.eq5", "step", ["nguyen2021.eq5", "nguyen2021.eq12.W_norm"]),
    "step.termA": ("nguyen2021.step.termA", "step", ["nguyen2021.step.termA.eq5", "nguyen2021.eq4"]),
    "step.termB.eq5": ("nguyen2021.step.termB.eq5", "identity", []),
    "step.termB": ("nguyen2021.step.termB", "step",
                   ["nguyen2021.step.termB.eq5", "nguyen2021.eq5", "nguyen2021.eq4",
                    "nguyen2021.eq12.W_norm"]),
    "step.termC.identity": ("nguyen2021.step.termC.identity", "identity", []),
    "step.termC": ("nguyen2021.step.termC", "step",
                   ["nguyen2021.step.termC.identity", "nguyen2021.step.termC.trace_bound",
                    "nguyen2021.eq12.sigma_min"]),
    "chain.printed": ("nguyen2021.chain.printed", "step",   # follows from the literal line under (9*)
                      ["nguyen2021.chain.literal", "nguyen2021.chain.eq9",
                       "nguyen2021.errata.chain_line1"]),
    "chain.literal": ("nguyen2021.chain.literal", "step",
                      ["nguyen2021.step.identity", "nguyen2021.step.termA", "nguyen2021.step.termB",
                       "nguyen2021.step.termC"]),
    "chain.eq10": ("nguyen2021.chain.eq10", "assumption", ["nguyen2021.eq10"]),
    "chain.eq9": ("nguyen2021.chain.eq9", "assumption", ["nguyen2021.eq9.needed"]),
}


TRACE_BEYOND = {"eq11": "nguyen2021.eq11.beyond", "eq12.W_norm": "nguyen2021.eq12.W_norm.beyond",
                "eq12.sigma_min": "nguyen2021.eq12.sigma_min.beyond"}


TRACE_COUNTER = {"eq11": "nguyen2021.eq11.counterexample",
                 "eq12.W_norm": "nguyen2021.eq12.W_norm.counterexample"}


TRACE_CONTROLS = {
    "eq11": "test_step_size_beyond_stability_breaks_the_proof",
    "eq12.W_norm": "test_step_size_beyond_stability_breaks_the_proof",
    "eq12.sigma_min": "test_large_step_breaks_sigma_min_and_the_third_term",
    "drift.eq4": "test_step_size_beyond_stability_breaks_the_proof",
    "drift.C": "test_conditions_7_8_9_violated_break_their_steps",
    "drift.actual_C": "test_step_size_beyond_stability_breaks_the_proof",
    "F_drift.eq5": "test_tightened_constants_break_the_steps",
    "F_drift.bound": "test_step_size_beyond_stability_breaks_the_proof",
    "F_drift.eq8": "test_conditions_7_8_9_violated_break_their_steps",
    "step.termA.eq5": "test_tightened_constants_break_the_steps",
    "step.termA": "test_tightened_constants_break_the_steps",
    "step.termB": "test_step_size_beyond_stability_breaks_the_proof",
    "step.termC": "test_large_step_breaks_sigma_min_and_the_third_term",
    "chain.printed": "test_tightened_constants_break_the_steps",
    "chain.literal": "test_tightened_constants_break_the_steps",
    "chain.eq10": "test_step_size_beyond_stability_breaks_the_proof",
    "chain.eq9": "test_conditions_7_8_9_violated_break_their_steps",
}


def _tightened(name, rel, rhs, tighten, tr):
    """The right-hand side of a step with its constant strengthened by ``tighten``."""
    if name == "eq11":
        r = tighten * tr.eta * tr.t.alpha0 ** 2 / 8
        k = np.arange(1, tr.phi.size) if tr.phi.size > 1 else np.zeros(1)
        return tr.phi[0] * np.exp(k * np.log1p(-min(r, 1 - 1e-16)))
    if name in ("chain.printed", "chain.literal"):      # the decrease -ηα0²/4 (-ηα0²/2) x tighten
        c = 4 if name == "chain.printed" else 2
        return rhs - (tighten - 1) * tr.eta * tr.t.alpha0 ** 2 / c
    if rel == ">=":
        return rhs * tighten
    return np.where(rhs >= 0, rhs / tighten, rhs * tighten)


def check_proof_trace(ledger, case: str, tr: ProofTrace, *, variant: str | None = None,
                      only=None, note: str = "", tighten: float = 1.0) -> dict:
    """Record every step of the proof of Thm 2.2 along the run ``tr`` (catalog N-5 … N-11) under
    the literal ids of ``TRACE_STEPS``, with the run as ``case``; ``only`` restricts to some
    step names. ``hypothesis_met`` is computed (:attr:`ProofTrace.hypothesis_met`).

    Kinds: the conclusion (11); the proof's steps (the invariants (12), the drift, F-drift and
    term bounds, the chain's first line); identities, true by construction (the triangle
    inequality, the geometric sum, Weyl (13), the decomposition with G, Cauchy–Schwarz, the third
    term's formula); and the hypotheses in the form the proof uses them (assumptions, evaluated
    once: (7) per layer, (8), η ≤ q2/q1², (9*) as 16q2 ≤ α0²).

    ``variant="beyond"`` records (11) and (12) of a run outside the hypotheses under their own ids
    (``TRACE_BEYOND``), ``variant="counterexample"`` as claims that must fail
    (``TRACE_COUNTER``). Comparisons carry the run's resolution (:meth:`ProofTrace.resolutions`):
    at rounding level they are *unresolved*; (11) carries its trivial value Φ(θ0) (``trivial=``):
    where the certified decrease is within the loss's resolution the element is vacuous.

    ``tighten`` > 1 strengthens the constant of every step and of (11) by that factor (a bound
    B ≥ 0 becomes B/tighten, a negative one B·tighten, a lower bound B·tighten, a contraction
    factor's decrease ηα0²/4 (/2) is multiplied by tighten, the rate ηα0²/8 becomes tighten·ηα0²/8): the negative
    control of steps that no broken hypothesis reaches."""
    t = tr.t
    S = f"{SOURCE}, proof of Thm 2.2"
    n = f"eta = {tr.eta:.4g}, {tr.steps} steps" + (f"; {note}" if note else "")
    a0 = t.alpha0
    K = len(tr.termA)
    res = tr.resolutions()
    hyp = tr.hypothesis_met
    one = tr.phi.size > 1
    b11 = tr.bound11()
    res11 = res["loss"]
    items = {
        "eq11": (tr.phi[1:] if one else tr.phi, "<=", b11[1:] if one else b11,
                 res11[1:] if one else res11,
                 r"\Phi(\theta_k)\le(1-\eta\alpha_0^2/8)^k\Phi(\theta_0)", f"{SOURCE}, Thm 2.2, eq. (11)"),
        "eq12.W_norm": (tr.W_norm, "<=", np.broadcast_to(t.lam_bar, tr.W_norm.shape), res["W"],
                        r"\|W_l^r\|_2\le\bar\lambda_l", f"{S}, eqs. (12) and (13)"),
        "eq12.sigma_min": (tr.sigma, ">=", np.full(tr.sigma.shape, a0 / 2), res["F"],
                           r"\sigma_{\min}(F_{L-1}^r)\ge\alpha_0/2", f"{S}, eq. (12)"),
        "drift.triangle": (tr.drift, "<=", tr.grad_sum, res["W"],
                           r"\|W_l^{k}-W_l^0\|_F\le\eta\sum_{s<k}\|\nabla_{W_l}\Phi(\theta_s)\|_F",
                           f"{S}, drift (triangle)"),
        "drift.eq4": (tr.grad_sum, "<=", tr.geom_bound, None,
                      r"\eta\sum_s\|\nabla_{W_l}\Phi(\theta_s)\|_F\le\eta\|X\|_F\bar\lambda_{1\to L}"
                      r"\bar\lambda_l^{-1}\sum_s u^s\|F_L^0-Y\|_F", f"{S}, drift via (4) and (12)"),
        "drift.geom_sum": (tr.geom_bound, "<=", np.broadcast_to(tr.drift_bound, tr.geom_bound.shape),
                           None, r"\eta\sum_{s\le k}u^s\le16/\alpha_0^2", f"{S}, geometric sum"),
        "drift.C": (tr.drift_bound, "<=", t.C, None,
                    r"\frac{16}{\alpha_0^2}\|X\|_F\bar\lambda_{1\to L}\bar\lambda_l^{-1}"
                    r"\|F_L^0-Y\|_F\le C_l", f"{S}, by (7)"),
        "drift.actual_C": (tr.drift, "<=", np.broadcast_to(t.C, tr.drift.shape), res["W"],
                           r"\|W_l^{k}-W_l^0\|_F\le C_l", f"{S}, drift"),
        "weyl_drift": (tr.W_norm, "<=", tr.W_norm[:1] + tr.drift, res["W"],
                       r"\|W_l^{k}\|_2\le\|W_l^0\|_2+\|W_l^k-W_l^0\|_F",
                       f"{S}, Weyl's inequality before (13)"),
        "F_drift.eq5": (tr.F_drift, "<=", tr.F_drift_mid, res["F"],
                        r"\|F_{L-1}^{k}-F_{L-1}^0\|_F\le\|X\|_F\bar\lambda_{1\to L-1}\sum_{l<L}"
                        r"\bar\lambda_l^{-1}\|W_l^{k}-W_l^0\|_2", f"{S}, by (5)"),
        "F_drift.bound": (tr.F_drift_mid, "<=", np.full(tr.F_drift_mid.shape, tr.F_drift_bound),
                          res["F"], r"\dots\le\frac{16}{\alpha_0^2}\|X\|_F^2\bar\lambda_{1\to L-1}"
                          r"\bar\lambda_{1\to L}\sum_{l<L}\bar\lambda_l^{-2}\sqrt{2\Phi(\theta_0)}",
                          f"{S}, drift bound"),
        "F_drift.eq8": (tr.F_drift_bound, "<=", a0 / 2, None,
                        r"\frac{16}{\alpha_0^2}\|X\|_F^2\bar\lambda_{1\to L-1}\bar\lambda_{1\to L}"
                        r"Q_2\sqrt{2\Phi(\theta_0)}\le\alpha_0/2", f"{S}, by (8)"),
        "chain.eq10": (tr.eta * tr.q1 ** 2, "<=", tr.q2, None,
                       r"\eta q_1^2\le q_2\ (\Leftrightarrow 1-\eta\frac{\alpha_0^2}4+\eta^2q_1^2+\eta q_2"
                       r"\le1-\eta(\frac{\alpha_0^2}4-2q_2))", f"{S}, final chain 'by (10)'"),
        "chain.eq9": (16 * tr.q2, "<=", a0 ** 2, None,
                      r"16q_2\le\alpha_0^2\ (\Leftrightarrow 1-\eta(\frac{\alpha_0^2}4-2q_2)\le"
                      r"1-\eta\frac{\alpha_0^2}8)", f"{S}, final chain 'by (9)', i.e. (9*)"),
    }
    if K:
        ch = tr.chain()
        d_phi = (res["loss"][1:] + res["loss"][:-1]) / tr.phi[:-1]
        e = np.sqrt(2 * tr.phi[:-1])
        mm = res["mm"]
        FLs = res["FL"][:-1] + res["FL"][1:]
        dW = EPS * 2 * tr.W_fro[:-1]
        res_mid = t.norm_X * t.lam_prod(1, t.L) * np.sum(dW / t.lam_bar, axis=1)
        items.update({
            "step.identity": (tr.identity_lhs, "==", tr.identity_rhs,
                              4 * e * (FLs + 2 * mm) + 4 * EPS * t.N * tr.widths[-1] * (tr.phi[:-1] + tr.phi[1:]),
                              r"2\Phi(\theta_{k+1})=2\Phi(\theta_k)+\|F_L^{k+1}-F_L^k\|_F^2"
                              r"+2\mathrm{tr}(F_L^{k+1}-G)(F_L^k-Y)^\top+2\mathrm{tr}(G-F_L^k)(F_L^k-Y)^\top",
                              f"{S}, decomposition with G = F_(L-1)^k W_L^(k+1)"),
            "step.termA.eq5": (tr.termA, "<=", tr.termA_mid, FLs + res_mid,
                               r"\|F_L^{k+1}-F_L^k\|_F\le\|X\|_F\bar\lambda_{1\to L}\sum_l\bar\lambda_l^{-1}"
                               r"\|W_l^{k+1}-W_l^k\|_2", f"{S}, by (5)"),
            "step.termA": (tr.termA_mid, "<=", tr.termA_bound, res_mid,
                           r"\dots\le\eta\|X\|_F^2\bar\lambda_{1\to L}^2Q_1\|F_L^k-Y\|_F", f"{S}, by (4)"),
            "step.termB.eq5": (tr.termB, "<=", tr.termB_mid, 2 * mm,
                               r"\mathrm{tr}(F_L^{k+1}-G)(F_L^k-Y)^\top\le\|F_{L-1}^{k+1}-F_{L-1}^k\|_F"
                               r"\|W_L^{k+1}\|_2\|F_L^k-Y\|_F", f"{S}, Cauchy-Schwarz"),
            "step.termB": (tr.termB_mid, "<=", tr.termB_bound,
                           (res["F"][:-1] + res["F"][1:]) * tr.W_norm[1:, -1] * e,
                           r"\dots\le\eta\|X\|_F^2\bar\lambda_{1\to L-1}^2\bar\lambda_L^2Q_2\|F_L^k-Y\|_F^2",
                           f"{S}, by (5), (13)"),
            "step.termC.identity": (tr.termC, "==", tr.termC_formula, 3 * mm,
                                    r"\mathrm{tr}(G-F_L^k)(F_L^k-Y)^\top=-\eta\,\mathrm{tr}"
                                    r"((F_{L-1}^k)^\top RR^\top F_{L-1}^k)", f"{S}, third term"),
            "step.termC": (tr.termC, "<=", tr.termC_bound, 3 * mm,
                           r"\mathrm{tr}(G-F_L^k)(F_L^k-Y)^\top\le-\eta\frac{\alpha_0^2}4\|F_L^k-Y\|_F^2",
                           f"{S}, third term"),
            "chain.printed": (ch["actual"], "<=", np.full(K, ch["printed"]), d_phi,
                              r"\Phi(\theta_{k+1})\le[1-\eta\alpha_0^2/4+\eta^2Q_1^2+\eta Q_2]\Phi(\theta_k)",
                              f"{S}, final chain, line 1 as printed"),
            "chain.literal": (ch["actual"], "<=", np.full(K, ch["literal"]), d_phi,
                              r"\Phi(\theta_{k+1})\le[1-\eta\alpha_0^2/2+\eta^2Q_1^2+2\eta Q_2]\Phi(\theta_k)",
                              f"{S}, line 1 expanded literally (our derivation)"),
        })
    prov = {"chain.literal": "derived", "chain.eq9": "derived"}
    ids = {"beyond": TRACE_BEYOND, "counterexample": TRACE_COUNTER}.get(variant)
    if variant is not None and ids is None:
        raise ValueError(f"variant must be None, 'beyond' or 'counterexample', got {variant!r}")
    out = {}
    for name, (lhs, rel, rhs, resolution, stmt, src) in items.items():
        if only is not None and name not in only:
            continue
        claim_id, kind, deps = TRACE_STEPS[name]
        if tighten != 1.0 and kind in ("step", "conclusion"):
            rhs = _tightened(name, rel, np.asarray(rhs, dtype=np.float64), tighten, tr)
        if variant is not None:
            if name not in ids:
                raise ValueError(f"step {name!r} has no {variant} id (see TRACE_BEYOND, TRACE_COUNTER)")
            claim_id, deps = ids[name], []
            kind = "counterexample" if variant == "counterexample" else kind
        control = TRACE_CONTROLS.get(name)
        out[name] = ledger.check(
            claim_id, kind=kind, case=case, lhs=np.asarray(lhs, dtype=np.float64), rel=rel,
            rhs=np.asarray(rhs, dtype=np.float64), statement=stmt, source=src,
            provenance=prov.get(name, "paper"),
            hypothesis_met=None if kind in ("identity", "assumption") else hyp,
            rtol=1e-9 if rel == "==" else 1e-12, resolution=resolution,
            trivial=tr.phi[0] if name == "eq11" else None,
            note=n + (f"; constants tightened x{tighten:g}" if tighten != 1.0 else ""),
            control=CONTROL_A + control if control and kind in FALSIFIABLE else None,
            depends_on=deps)
    return out


def check_loss_decreased(ledger, losses, *, hypothesis_met: bool, case=None, note: str = ""):
    """Φ(θ_k) ≤ Φ(θ0) at every recorded iterate k ≥ 1 of a run — all that (11) says when α0 = 0 —
    recorded as ``nguyen2021.eq11.decrease`` (kind conclusion; ``hypothesis_met`` computed by the
    caller)."""
    losses = np.asarray(losses, dtype=np.float64)
    return ledger.check("nguyen2021.eq11.decrease", kind="conclusion", case=case, lhs=losses[1:], rel="<=",
                        rhs=losses[0], rtol=1e-12,
                        statement=r"\Phi(\theta_k)\le\Phi(\theta_0)\ \text{((11) with }\alpha_0=0\text{)}",
                        source=f"{SOURCE}, (11), observed", provenance="paper",
                        hypothesis_met=hypothesis_met,
                        control=CONTROL_A + "test_loss_decrease_fails_for_a_diverging_step",
                        note=(note + f"; Phi_K/Phi_0 = {losses[-1] / losses[0]:.3g}").strip("; "))


def status_count(ledger, status: str) -> int:
    """How many of ``ledger``'s records have ``status`` (any kind)."""
    return sum(1 for r in ledger.records if r.status == status)


def kind_status_count(ledger, kind: str, *statuses) -> int:
    """How many of ``ledger``'s records are of ``kind`` (and, if given, of one of ``statuses``):
    the counts the pages' closing summaries glue into their prose."""
    return sum(1 for r in ledger.records if r.kind == kind and (not statuses or r.status in statuses))

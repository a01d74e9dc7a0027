"""Nguyen 2021, Theorem 2.2 on runs that train: initial points inside the hypotheses (7), (8),
(9*), (10) from which gradient descent at η = 0.99 × (10) reaches Φ_K ≤ 10⁻⁶ Φ_0 with every hidden
layer moving far above its float64 resolution, and the ceiling on the certified rate,

    η α0²/8 ≤ α0⁴/(128 q1²) < 1/(128 N²)            (our derivation, checked with sympy),

which follows from (9*) (16 q2 ≤ α0²), (10) (η ≤ q2/q1²), α0² ≤ ‖X‖_F² λ̄²_{1→L−1}/N and
q1 ≥ ‖X‖_F² λ̄²_{1→L−1}.
"""
from __future__ import annotations

import numpy as np
import sympy as sp
import torch

from ..config import generator
from ..errors import AssumptionError
from ..models import DeepReLU
from .beta_scaling import best_rate_beta_init
from .proof import ProofTrace
from .theorem22 import SOURCE, Theorem22, hypothesis_met_corrected, proof_constants

#: the loss reduction a run must reach to count as trained (the issue's criterion)
TRAINED = 1e-6
#: how many times its float64 resolution every hidden layer must move
MOTION = 100.0
CONTROL_C = "tests/test_nguyen2021_c.py::"


def orthonormal_data(N: int, seed: int) -> torch.Tensor:
    """N orthonormal inputs in R^N: the rows of a random orthogonal matrix (QR of a seeded
    Gaussian matrix, float64). ‖x_i‖₂ = 1 as for unit-sphere data."""
    Q, _ = torch.linalg.qr(torch.randn(N, N, generator=generator(seed), dtype=torch.float64))
    return Q


def aligned_init(model: DeepReLU, X, seed: int) -> dict:
    """A θ0 with W_1 = X⁻¹ = Xᵀ (orthonormal X, so XW_1 = I and F_1 = I), W_l = I for
    2 ≤ l ≤ L−1 and W_L LeCun: then F_{L−1}(θ0) = I, so α0 = 1 = ‖X‖_F ∏_{l<L}‖W_l‖₂/√N —
    the largest α0/(‖X‖_F λ̄_{1→L−1}) any θ0 can have, which puts the certified rate of the
    β-scaled point near the ceiling 1/(128N²). Theorem 2.2 admits any θ0 with α0 > 0.
    Needs n_0 = n_1 = … = n_{L−1} = N and X orthonormal."""
    N = X.shape[0]
    if set(model.widths[:-1]) != {N}:
        raise AssumptionError("n_0 = ... = n_(L-1) = N (aligned initialization)",
                              f"widths {model.widths}, N = {N}")
    eye = torch.eye(N, dtype=X.dtype)
    if not torch.allclose(X @ X.T, eye, atol=1e-12):
        raise AssumptionError("orthonormal inputs X X^T = I (aligned initialization)",
                              f"max |XX^T - I| = {float((X @ X.T - eye).abs().max()):.2e}")
    p = model.init(seed)
    p["W1"] = X.T.clone()
    for l in range(2, model.L):
        p[f"W{l}"] = eye.clone()
    return p


def smallest_beta_init(model: DeepReLU, params: dict, X, Y, betas, C_last):
    """§3.1's β-scaling at the SMALLEST β of the ascending grid ``betas`` for which some C_L in
    ``C_last`` meets (7), (8), (9), (9*) (the C_L with the largest certified rate there). A
    larger β only shrinks the hidden layers' relative motion (their drift is of order
    ‖Y‖²/β^{3(L−1)} while ‖W_l‖ grows like β). Returns (θ̃0, β, C, theorem22)."""
    for b in np.sort(np.asarray(betas, dtype=np.float64)):
        try:
            return best_rate_beta_init(model, params, X, Y, [float(b)], C_last)
        except AssumptionError:
            continue
    raise AssumptionError("(7)-(9*) reachable by beta-scaling (Sec. 3.1)", "no beta in the grid works")


#: the grids of the trained runs (β of §3.1 and C_L), and their data seeds
TRAINED_BETAS = 2.0 ** np.arange(0, 14, 0.25)
TRAINED_C_LAST = 10.0 ** np.arange(-2, 5, 0.125)
TRAINED_SEEDS = {"X": 5, "Y": 2, "W": 0}


def trained_point(L: int, N: int = 3):
    """The θ0 of the trained run of depth L (page 03), regenerated exactly: X =
    :func:`orthonormal_data` (N, seed 5), Y = ``data.labels(N, seed=2, outputs=1)``, widths
    [N]*L + [1], base point :func:`aligned_init` (seed 0), then :func:`smallest_beta_init` on the
    grids :data:`TRAINED_BETAS` × :data:`TRAINED_C_LAST`. Deterministic (seeded CPU float64
    draws). Returns (model, θ0, β, C, theorem22, X, Y)."""
    from .. import data
    X = orthonormal_data(N, seed=TRAINED_SEEDS["X"])
    Y = data.labels(N, seed=TRAINED_SEEDS["Y"], outputs=1)
    model = DeepReLU([N] * L + [1])
    base = aligned_init(model, X, seed=TRAINED_SEEDS["W"])
    p0, beta, C, t = smallest_beta_init(model, base, X, Y, TRAINED_BETAS, TRAINED_C_LAST)
    return model, p0, beta, C, t, X, Y


def float_hex(params: dict) -> dict:
    """Each weight matrix of θ0 as nested lists of ``float.hex`` strings: the exact float64
    numbers, reloadable with ``float.fromhex``."""
    return {k: [[float(x).hex() for x in row] for row in v.detach().cpu().numpy().tolist()]
            for k, v in params.items()}


def hidden_motion(tr: ProofTrace) -> np.ndarray:
    """For each hidden layer l < L: max over k of ‖W_l^k − W_l^0‖_F divided by its float64
    resolution at the same k (:meth:`ProofTrace.resolutions`, k ε ‖W_l‖_F): > 1 is motion, not
    rounding."""
    res = tr.resolutions()["W"][:, :-1]
    drift = tr.drift[:, :-1]
    ratio = np.divide(drift, res, out=np.zeros_like(drift), where=res > 0)
    return ratio.max(axis=0)


def check_motion(ledger, tr: ProofTrace, *, case=None, need: float = MOTION):
    """Every hidden layer of the run moved by at least ``need`` times its float64 resolution
    (``nguyen2021.thm2.2.trained.motion``, kind assumption: the condition under which the run's
    checks of the proof's hidden-layer steps compare motion rather than rounding)."""
    m = hidden_motion(tr)
    return ledger.check("nguyen2021.thm2.2.trained.motion", kind="assumption", case=case, lhs=m,
                        rel=">=", rhs=need, rtol=0.0,
                        statement=r"\max_k\|W_l^k-W_l^0\|_F/\mathrm{res}_k(W_l)\ge100\ (l<L)",
                        source="our criterion for a run that trains every layer",
                        provenance="derived", hypothesis_met=None,
                        control=CONTROL_C + "test_trained_run_and_its_controls",
                        note="drift/resolution " + ", ".join(f"W{l + 1}: {v:.3g}"
                                                            for l, v in enumerate(m)))


def check_trained(ledger, claim_id: str, tr: ProofTrace, *, case=None, target: float = TRAINED):
    """The run reached Φ_K ≤ ``target`` · Φ_0 (kind conclusion, ``claim_id`` one of
    ``nguyen2021.thm2.2.trained.L2`` / ``.L3`` — the depth is part of what is tested: whether a
    depth-L point inside the hypotheses trains within the budget). ``hypothesis_met`` is
    :attr:`ProofTrace.hypothesis_met`; the resolution is the float64 resolution of Φ_K over Φ_0."""
    res = float(tr.resolutions()["loss"][-1] / tr.phi[0])
    return ledger.check(claim_id, kind="conclusion", case=case, lhs=tr.phi[-1] / tr.phi[0],
                        rel="<=", rhs=target, rtol=0.0, resolution=res,
                        statement=r"\Phi(\theta_K)\le10^{-6}\,\Phi(\theta_0)\ \text{(GD at }"
                                  r"\eta=0.99\times(10)\text{, all layers trained)}",
                        source=f"{SOURCE}, Thm 2.2, (11), on a run that trains",
                        provenance="paper", hypothesis_met=bool(tr.hypothesis_met),
                        control=CONTROL_C + "test_trained_run_and_its_controls",
                        depends_on=["nguyen2021.eq11"],
                        note=f"{tr.steps} steps, eta = {tr.eta:.3e}, "
                             f"Phi_K/Phi_0 = {tr.phi[-1] / tr.phi[0]:.3e}")


def ceiling_sympy() -> dict:
    """sympy: the ceiling on the certified per-step decrease. With η at its bound q2/q1² (10),
    q2 at its bound α0²/16 (9*) and α0² at its bound q1/N (α0² ≤ ‖X‖_F²λ̄²_{1→L−1}/N ≤ q1/N),
    ηα0²/8 becomes 1/(128N²); the expression is increasing in each of η, q2 and α0², so every
    point inside the hypotheses lies below it. Returns the substituted expressions and the
    partial derivatives (all positive for positive symbols)."""
    eta, a2, q1, q2, N = sp.symbols("eta alpha0sq q1 q2 N", positive=True)
    rate = eta * a2 / 8
    at10 = rate.subs(eta, q2 / q1 ** 2)
    at9 = sp.simplify(at10.subs(q2, a2 / 16))                    # α0⁴/(128 q1²)
    at_fro = sp.simplify(at9.subs(a2, q1 / N))                   # 1/(128 N²)
    return {"rate": rate, "eq10": at10, "eq9*": at9, "ceiling": at_fro,
            "d_eta": sp.diff(rate, eta), "d_q2": sp.diff(at10, q2), "d_a2": sp.diff(at9, a2),
            "symbols": (eta, a2, q1, q2, N)}


def ceiling_parts(t: Theorem22) -> dict:
    """The two inequalities behind the ceiling at θ0 (true by construction): α0² ≤
    ‖F_{L−1}‖_F²/N ≤ ‖X‖_F² λ̄²_{1→L−1}/N and q1 ≥ ‖X‖_F² λ̄²_{1→L−1}."""
    base = t.norm_X ** 2 * t.lam_prod(1, t.L - 1) ** 2
    return {"alpha0_sq": t.alpha0 ** 2, "alpha0_sq_max": base / t.N,
            "q1": proof_constants(t)["q1"], "q1_min": base}


def check_ceiling(ledger, t: Theorem22, eta: float, *, case=None, measured: float | None = None,
                  factor: float = 1.0, enclosure=None):
    """The certified per-step decrease ηα0²/8 of (11) is below 1/(128N²)
    (``nguyen2021.thm2.2.ceiling``, kind step, our derivation: (9*), (10) and the two
    inequalities of :func:`ceiling_parts`); ``measured`` — the observed mean per-step decrease
    of the run — goes into the note beside it. ``factor`` < 1 lowers the ceiling (the negative
    control). hypothesis_met: n_{L−1} ≥ N, (7), (8), (9), (9*) and η < (10) at θ0. ``enclosure``
    (:func:`ntkbook.nguyen2021.certified.enclose_theorem22` at θ0) certifies ηα0²/8 < ceiling."""
    hyp = bool(hypothesis_met_corrected(t) and eta < t.eta_bound)
    ceiling = 1.0 / (128 * t.N ** 2)
    note = f"ceiling 1/(128N^2) = {ceiling:.4e}, certified/ceiling = {eta * t.alpha0 ** 2 / 8 / ceiling:.3f}"
    if measured is not None:
        note += f"; measured per-step decrease {measured:.4e}"
    cert = None
    if enclosure is not None:
        from fractions import Fraction

        from flint import arb, fmpq

        from .certified import decide
        frac = Fraction(factor) / (128 * t.N ** 2)
        cert = decide(arb(float(eta)) * enclosure.alpha0 ** 2 / 8, "<",
                      arb(fmpq(frac.numerator, frac.denominator)),
                      f"η α0²/8 < {float(factor):g}/(128 N²) at θ0 (exact float64 weights, "
                      f"η = {eta!r}, digest {enclosure.digest})", inputs=enclosure.digest,
                      method=enclosure.method, seconds=enclosure.seconds)
    return ledger.check("nguyen2021.thm2.2.ceiling", kind="step", case=case, certificate=cert,
                        lhs=eta * t.alpha0 ** 2 / 8, rel="<", rhs=factor * ceiling, rtol=0.0,
                        statement=r"\eta\alpha_0^2/8\le\alpha_0^4/(128q_1^2)<1/(128N^2)",
                        source="our derivation from (9*), (10) of Thm 2.2 (sympy-checked)",
                        provenance="derived", hypothesis_met=hyp,
                        control=CONTROL_C + "test_ceiling_holds_and_lowered_ceiling_fails",
                        depends_on=["nguyen2021.eq9.needed", "nguyen2021.eq10"], note=note)


def check_ceiling_parts(ledger, t: Theorem22, *, case=None):
    """:func:`ceiling_parts` as ``nguyen2021.thm2.2.ceiling.parts`` (kind identity: σ_min² is at
    most the mean squared singular value, ‖F_{L−1}‖_F ≤ ‖X‖_F∏‖W_l‖₂ ≤ ‖X‖_Fλ̄_{1→L−1}, and q1's
    l = L term is ‖X‖_F²λ̄²_{1→L−1})."""
    c = ceiling_parts(t)
    return ledger.check("nguyen2021.thm2.2.ceiling.parts", kind="identity", case=case,
                        lhs=[c["alpha0_sq"], c["q1_min"]], rel="<=",
                        rhs=[c["alpha0_sq_max"], c["q1"]], rtol=1e-12,
                        statement=r"\alpha_0^2\le\|X\|_F^2\bar\lambda_{1\to L-1}^2/N,\ "
                                  r"q_1\ge\|X\|_F^2\bar\lambda_{1\to L-1}^2",
                        source="our derivation (the ceiling's two inequalities)",
                        provenance="derived", hypothesis_met=None)

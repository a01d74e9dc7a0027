"""Du et al. 2019, Section 4: discrete gradient descent (Theorem 4.1) and every step of its
proof — Condition 4.1, Corollary 4.1, Lemma 4.1, the decomposition u(k+1) − u(k) = I₁ + I₂ and
the chain of inequalities. Constants marked [D] are our derivation, [S] restated by later work,
[M] recollections."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .. import data, kernels
from ..config import DTYPE, few_threads
from ..errors import AssumptionError
from ..ledger import must_fail as _must_fail
from ..models import TwoLayerReLU
from ..training import gradient_descent
from .concentration import m_lemma31
from .controls import CONTROL, SOURCE
from .model import _t
from .stability import C_LEMMA32, R_lemma32

#: [D] Lemma 4.1's constant from anti-concentration + Markov: E Σ_i|S_i^⊥| ≤ 2mnR/√(2π), so
#: Σ_i|S_i^⊥| ≤ C m n R/δ with C = 2/√(2π) w.p. ≥ 1 − δ. (Later work [S] states 1/√(2π).)
C_LEMMA41 = 2 / math.sqrt(2 * math.pi)


#: Corollary 4.1's constant: R' = 4√n‖y − u(0)‖₂/(√m λ0) [M]/[S].
C_COR41 = 4.0


#: the quadratic term ‖u(k+1) − u(k)‖² ≤ η² n² ‖y − u(k)‖² [S] (constant 1).
C_QUAD = 1.0


#: what Theorem 4.1's conclusion rests on (its proof graph)
THM41_STEPS = ["du2019.cond4.1", "du2019.cor4.1", "du2019.lemma4.1", "du2019.lemma4.1.hperp",
               "du2019.lemma4.1.hperp_C", "du2019.eq.I2", "du2019.eq.I2_C",
               "du2019.eq.decomposition", "du2019.eq.quadratic", "du2019.lemma3.2.gd",
               "du2019.eq.chain", "du2019.lemma3.1", "du2019.lemma3.2",
               "du2019.lemma3.2.certificate", "du2019.lemma3.1.seeds",
               "du2019.lemma3.2.certificate.seeds", "du2019.thm3.1", "du2019.assumption.data",
               "du2019-thm-4-1"]


def eta_theorem(lam0: float, n: int, c: float) -> float:
    """Theorem 4.1's step size η = c λ0 / n² (the paper: η = O(λ0/n²), c unspecified)."""
    if lam0 <= 0 or n < 1 or c <= 0:
        raise AssumptionError("lambda0 > 0, n >= 1, c > 0 (Du et al. Thm 4.1, eta = O(lambda0/n^2))",
                              f"lambda0 = {lam0}, n = {n}, c = {c}")
    return c * lam0 / n ** 2


def c_max_chain(n: int, C41: float = C_LEMMA41, c32: float = C_LEMMA32,
                c_quad: float = C_QUAD) -> float:
    """[D] The largest c in η = cλ0/n² for which the §4 chain closes with the chapter's constants.

    With R = c32 δλ0/n², Lemma 4.1 gives 2η‖H^⊥‖₂ ≤ 2C41 c32 ηλ0 and
    2‖I₂‖/‖y − u‖ ≤ 2C41 c32 ηλ0/√n, and the quadratic term adds c_quad η²n²; the chain
    1 − ηλ0 + (these) ≤ 1 − ηλ0/2 needs ηn² ≤ λ0 (1/2 − 2C41 c32 (1 + 1/√n)) / c_quad. With
    C41 c32 = 1/8 and c_quad = 1 that is c ≤ 1/4 − 1/(4√n) (not the 1/2 one gets by
    dropping the H^⊥ and I₂ terms)."""
    return (0.5 - 2 * C41 * c32 * (1 + 1 / math.sqrt(n))) / c_quad


def thm41_hypothesis(n: int, m: int, lam0: float, eta: float, m_thm: float) -> bool:
    """Theorem 4.1's hypothesis with our explicit constants, computed: m ≥ m_thm
    (:func:`m_theorem`) and η ≤ c_max λ0/n² (:func:`c_max_chain`)."""
    return bool(m >= m_thm and eta <= c_max_chain(n) * lam0 / n ** 2 * (1 + 1e-12))


def rate(eta: float, lam0: float, k) -> np.ndarray:
    """Theorem 4.1's contraction (1 − ηλ0/2)^k."""
    return (1 - eta * lam0 / 2) ** np.asarray(k, dtype=np.float64)


def R_prime_gd(n: int, m: int, resid0: float, lam0: float) -> float:
    """Corollary 4.1's radius R' = 4√n ‖y − u(0)‖₂ / (√m λ0)."""
    if lam0 <= 0 or m < 1:
        raise AssumptionError("lambda0 > 0 and m >= 1 (Du et al. Cor. 4.1)", f"lambda0 = {lam0}, m = {m}")
    return C_COR41 * math.sqrt(n) * float(resid0) / (math.sqrt(m) * lam0)


def m_theorem(n: int, lam0: float, y_sq: float, delta: float, c: float = C_LEMMA32) -> float:
    """[D] An explicit width for Theorem 4.1. The proof needs R' < R with R' of Corollary 4.1 and
    R = c(δ/3)λ0/n² of Lemma 3.2; Markov bounds ‖y − u(0)‖² ≤ 3(‖y‖² + n/2)/δ (E u_i(0)² = ½,
    E u_i(0) = 0); δ is split in three (Lemma 3.1, Lemma 3.2, Markov). Then
    m > 16 n ‖y − u(0)‖²/(λ0² R²) = 432 n⁵ (‖y‖² + n/2) / (c² λ0⁴ δ³),
    and also m ≥ m_{3.1} = 8n² log(2n²/(δ/3))/λ0² (Lemma 3.1 at δ/3)."""
    if not (0 < delta < 1) or lam0 <= 0 or n < 1:
        raise AssumptionError("0 < delta < 1, lambda0 > 0 (Du et al. Thm 4.1)",
                              f"n = {n}, lambda0 = {lam0}, delta = {delta}")
    m_r = 432 * n ** 5 * (float(y_sq) + n / 2) / (c ** 2 * lam0 ** 4 * delta ** 3)
    m_31 = 8 * n ** 2 * math.log(2 * n ** 2 / (delta / 3)) / lam0 ** 2
    return max(m_r, m_31)


@dataclass
class GDProofRun:
    """A GD run of Theorem 4.1 with, per iteration k = 0 … K−1, the quantities of its proof.
    Arrays indexed by k refer to the step k → k+1."""
    n: int
    m: int
    eta: float
    lam0: float
    seed: int
    radius: str
    resid_sq: np.ndarray        # ‖y − u(k)‖², k = 0 … K (length K+1)
    dist: np.ndarray            # max_r ‖w_r(k+1) − w_r(0)‖₂
    R: np.ndarray               # the radius defining S_i^⊥ at step k
    s_perp: np.ndarray          # Σ_i |S_i^⊥|
    hperp_norm: np.ndarray      # ‖H^⊥(k)‖₂
    I2_norm: np.ndarray         # ‖I₂(k)‖₂
    I2_sum: np.ndarray          # (η√n/m) ‖u(k) − y‖ Σ_i|S_i^⊥|  (the proof's intermediate bound on ‖I₂‖)
    du_sq: np.ndarray           # ‖u(k+1) − u(k)‖²
    identity_err: np.ndarray    # ‖u(k+1) − u(k) − (I₁ + I₂)‖₂
    du_norm: np.ndarray         # ‖u(k+1) − u(k)‖₂
    lam_min: np.ndarray         # λ_min(H(k))
    chain_rhs: np.ndarray       # (1 − ηλ0 + 2η‖H^⊥‖ + 2‖I₂‖/‖y−u‖ + ‖Δu‖²/‖y−u‖²)‖y−u(k)‖²
    diverged: bool = False

    @property
    def K(self) -> int:
        return len(self.resid_sq) - 1

    @property
    def resid0(self) -> float:
        return math.sqrt(self.resid_sq[0])


def _proof_quantities(X, y, a, Ws, eta, R):
    """The §4 decomposition for every step k → k+1 at once (Ws is (K+1, m, d)):
    S_i^⊥(k) = {r : |w_r(0)ᵀx_i| < R_k} (the events A_ir), H^⊥_ij(k) = (1/m)x_iᵀx_j Σ_{r∈S_i^⊥}
    1{w_r(k)ᵀx_i ≥ 0, w_r(k)ᵀx_j ≥ 0}, I₁ = −η(H(k) − H^⊥(k))(u(k) − y) and
    I₂^i = (1/√m) Σ_{r∈S_i^⊥} a_r[σ(w_r(k+1)ᵀx_i) − σ(w_r(k)ᵀx_i)]."""
    K1, m, _ = Ws.shape
    n = X.shape[0]
    Z = Ws @ X.T                                              # (K+1, m, n)
    u = (torch.relu(Z) * a[None, :, None]).sum(1) / math.sqrt(m)   # (K+1, n)
    Rt = torch.as_tensor(R, dtype=DTYPE)[:, None, None]
    perp = ((Z[0].T.abs())[None] < Rt).to(DTYPE)             # (K, n, m): r ∈ S_i^⊥(k)
    S = (Z[:-1] >= 0).to(DTYPE).transpose(1, 2)              # (K, n, m)
    G = X @ X.T
    H = G * (S @ S.transpose(1, 2)) / m
    Hperp = G * ((S * perp) @ S.transpose(1, 2)) / m          # row i sums over r ∈ S_i^⊥
    e = (u[:-1] - y)[:, :, None]                              # (K, n, 1)
    I1 = (-eta * (H - Hperp) @ e)[:, :, 0]
    dsig = (torch.relu(Z[1:]) - torch.relu(Z[:-1])).transpose(1, 2)   # (K, n, m)
    I2 = (dsig * perp) @ a / math.sqrt(m)
    du = u[1:] - u[:-1]
    r = (u[:-1] - y).norm(dim=1)
    count = perp.sum((1, 2))
    return u, dict(
        s_perp=count.numpy(),
        hperp_norm=torch.linalg.matrix_norm(Hperp, ord=2).numpy(),
        I2_norm=I2.norm(dim=1).numpy(),
        I2_sum=(eta * math.sqrt(n) / m * r * count).numpy(),
        du_sq=du.pow(2).sum(1).numpy(),
        du_norm=du.norm(dim=1).numpy(),
        identity_err=(du - I1 - I2).norm(dim=1).numpy(),
        lam_min=torch.linalg.eigvalsh(0.5 * (H + H.transpose(1, 2)))[:, 0].numpy(),
    )


@few_threads()   # thousands of tiny matrix products: intra-op threads only add overhead
def gd_proof_run(X, y, m: int, seed: int, eta: float, steps: int, lam0: float | None = None,
                 radius="realized") -> GDProofRun:
    """Run Theorem 4.1's GD (``ntkbook.training.gradient_descent`` with the paper's eq. (3)
    gradient) and compute at every step the proof's quantities.

    ``radius`` defines S_i^⊥ = {r : |w_r(0)ᵀx_i| < R}: ``"realized"`` uses the running
    R_k = max_{j ≤ k+1} max_r ‖w_r(j) − w_r(0)‖ — the smallest radius for which the proof's
    "patterns outside S_i^⊥ do not change" step is valid (the paper's R = cδλ0/n² is not reached at
    any width we can run, since R' ≫ R there); a float fixes R (e.g. Lemma 3.2's)."""
    X, y = _t(X), _t(y)
    data.validate(X, y)
    n, d = X.shape
    lam0 = kernels.lambda0(X) if lam0 is None else lam0
    net = TwoLayerReLU(train_a=False)
    params = net.init(m, d, seed, dev="cpu")
    W0, a = params["W"].clone(), params["a"]
    traj = gradient_descent(lambda p: net.loss(p, X, y), params, eta, steps, trainable=("W",),
                            keep_params=True, grad=lambda p: {"W": TwoLayerReLU.grad_W(p, X, y)})
    if traj.diverged or len(traj.history) < 2:
        raise AssumptionError("a finite GD run (eta = O(lambda0/n^2), Du et al. Thm 4.1)",
                              f"GD diverged with eta = {eta:.4g}")
    Ws = torch.stack([h["W"] for h in traj.history])
    dists = (Ws - W0[None]).norm(dim=2).max(dim=1).values.numpy()
    if radius == "realized":
        R = np.maximum.accumulate(dists)[1:]
    else:
        R = np.full(len(Ws) - 1, float(radius))
    u, col = _proof_quantities(X, y, a, Ws, eta, R)
    resid_sq = (u - y).pow(2).sum(1).numpy()
    rr = resid_sq[:-1]
    chain_rhs = (1 - eta * lam0 + 2 * eta * col["hperp_norm"]) * rr + 2 * col["I2_norm"] * np.sqrt(rr) \
        + col["du_sq"]
    return GDProofRun(n=n, m=m, eta=eta, lam0=lam0, seed=seed,
                      radius=radius if isinstance(radius, str) else f"R = {float(radius):.3g}",
                      resid_sq=resid_sq, dist=dists[1:], R=R, chain_rhs=chain_rhs,
                      diverged=traj.diverged, **col)


@few_threads()   # thousands of tiny matrix products: intra-op threads only add overhead
def gd_losses(X, y, m: int, seed: int, eta: float, steps: int) -> np.ndarray:
    """‖y − u(k)‖² for k = 0 … steps (plain GD, eq. (3) gradient); inf after a divergence."""
    X, y = _t(X), _t(y)
    net = TwoLayerReLU(train_a=False)
    params = net.init(m, X.shape[1], seed, dev="cpu")
    with np.errstate(over="ignore"):
        traj = gradient_descent(lambda p: net.loss(p, X, y), params, eta, steps, trainable=("W",),
                                grad=lambda p: {"W": TwoLayerReLU.grad_W(p, X, y)})
    out = np.full(steps + 1, np.inf)
    L = 2 * traj.losses
    out[: len(L)] = L
    out[~np.isfinite(out)] = np.inf
    return out


def check_gd_rate(ledger, losses, eta: float, lam0: float, *, hypothesis_met, expect="hold",
               case=None, seeds=None, note="", provenance="restated", floor: float = 1e-20):
    """Theorem 4.1's conclusion on single runs: ‖y − u(k)‖² ≤ (1 − ηλ0/2)^k ‖y − u(0)‖² at every
    k (one row per run), id ``du2019.thm4.1.practical``; with ``expect="violation"`` the
    counterexample ``du2019.thm4.1.large_step`` (a step far above the hypothesis on purpose).
    Steps where the bound has fallen below ``floor``·‖y − u(0)‖² are not compared: there the
    loss sits at float64 round-off (relative 1e-32), which no inequality can resolve."""
    L = np.atleast_2d(np.asarray(losses, dtype=np.float64))
    k = np.arange(L.shape[1])
    rhs = np.broadcast_to(rate(eta, lam0, k)[None, :] * L[:, :1], L.shape)
    lhs = np.where(np.isfinite(L), L, np.finfo(np.float64).max)
    keep = rhs[0] >= floor * L[0, 0]
    keep[0] = L.shape[1] == 1          # k = 0 is an equality; compare it only if it is all there is
    kw = dict(lhs=lhs[:, keep], rel="<=", rhs=rhs[:, keep],
              statement=r"\|y-u(k)\|_2^2\le(1-\eta\lambda_0/2)^k\|y-u(0)\|_2^2\ \forall k",
              source=f"{SOURCE}, Theorem 4.1", provenance=provenance,
              hypothesis_met=hypothesis_met, case=case, seeds=seeds,
              note=(note + f" eta = {eta:.4g}; {int(keep.sum())} steps compared"
                    f" (bound above {floor:g} of the initial loss).").strip())
    if _must_fail(expect):
        return ledger.check("du2019.thm4.1.large_step", kind="counterexample", **kw)
    return ledger.check("du2019.thm4.1.practical", kind="conclusion",
                        control=CONTROL["practical"], depends_on=["du2019.thm4.1"], **kw)


def check_rate_probability(ledger, losses, eta: float, lam0: float, delta: float, seeds, *,
                           hypothesis_met, case=None, note=""):
    """Theorem 4.1's conclusion as a probability statement (``du2019.thm4.1``): over the rows
    of ``losses`` (one per seed, one configuration), the rate (1 − ηλ0/2)^k fails at some k in
    at most a fraction δ (Clopper–Pearson bound)."""
    holds = rate_holds(losses, eta, lam0)
    return ledger.check_probability(
        "du2019.thm4.1", kind="conclusion", failures=int((~holds).sum()), trials=int(holds.size),
        delta=delta,
        statement=r"P\big(\exists k:\|y-u(k)\|^2>(1-\eta\lambda_0/2)^k\|y-u(0)\|^2\big)\le\delta",
        source=f"{SOURCE}, Theorem 4.1", provenance="restated", hypothesis_met=hypothesis_met,
        case=case, seeds=list(seeds), note=note, control=CONTROL["thm4.1"],
        depends_on=THM41_STEPS)


def empirical_constants(run: GDProofRun, delta: float) -> dict:
    """The smallest constant C making each displayed inequality of the §4 proof hold at every step
    (the worst case over k of lhs / (the bound without C)); nan where the bound's base is 0."""
    n, m, eta, lam0 = run.n, run.m, run.eta, run.lam0
    r = np.sqrt(run.resid_sq[:-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = {
            "cor4.1": run.dist / (math.sqrt(n) * run.resid0 / (math.sqrt(m) * lam0)),
            "lemma4.1": run.s_perp / (m * n * run.R / delta),
            "hperp": run.hperp_norm / (n ** 2 * run.R / delta),
            "I2": run.I2_norm / (eta * n ** 1.5 * run.R / delta * r),
            "quad": run.du_sq / (eta ** 2 * n ** 2 * r ** 2),
        }
    return {k: float(np.nanmax(v)) if np.any(np.isfinite(v)) else float("nan") for k, v in ratios.items()}


def check_proof(ledger, run: GDProofRun, delta: float, *, m_thm: float, constants=None,
                only=None, seeds=None):
    """Check every inequality of the §4 proof at every step of ``run`` (one claim each):

    * ``cond4.1`` (step) — the induction step ‖y − u(k+1)‖² ≤ (1 − ηλ0/2)‖y − u(k)‖²;
      hypothesis: Theorem 4.1's (:func:`thm41_hypothesis`);
    * ``cor4.1`` (step) — max_r ‖w_r(k+1) − w_r(0)‖ ≤ 4√n‖y − u(0)‖/(√m λ0) [S]; hypothesis:
      Condition 4.1 at every recorded k (computed);
    * ``lemma4.1.event`` (step) — Σ_i|S_i^⊥| ≤ C m n R/δ, C = 2/√(2π) [D], at this seed: the event
      of Lemma 4.1 occurred (its probability: :func:`check_lemma41`);
    * ``lemma4.1.hperp`` (identity) — ‖H^⊥(k)‖₂ ≤ Σ_ij|H^⊥_ij| ≤ (n/m)Σ_i|S_i^⊥| (true by
      construction) and ``lemma4.1.hperp_C`` (step) ‖H^⊥(k)‖₂ ≤ C n² R/δ;
    * ``eq.I2`` (identity) — ‖I₂‖ ≤ (η√n/m)‖u − y‖Σ_i|S_i^⊥| (Lipschitz σ and the gradient bound)
      and ``eq.I2_C`` (step) ‖I₂‖ ≤ C η n^{3/2} R ‖u − y‖/δ;
    * ``eq.decomposition`` (identity) — u(k+1) − u(k) = I₁ + I₂ at the realized radius;
    * ``eq.quadratic`` (identity) — ‖u(k+1) − u(k)‖² ≤ η² n² ‖y − u(k)‖² [S] (true for every
      step: |σ(a) − σ(b)| ≤ |a − b| and ‖∂L/∂w_r‖ ≤ √(n/m)‖y − u‖);
    * ``lemma3.2.gd`` (step) — λ_min(H(k)) ≥ λ0/2; hypothesis: the weights inside Lemma 3.2's
      radius and m ≥ m_{3.1} (computed);
    * ``eq.chain`` (step) — ‖y − u(k+1)‖² ≤ (1 − ηλ0 + 2η‖H^⊥‖₂)‖y − u(k)‖² + 2‖I₂‖‖y − u(k)‖
      + ‖Δu‖²; hypothesis: λ_min(H(k)) ≥ λ0/2 at every k (computed).

    ``constants`` overrides any C (keys ``cor4.1``, ``lemma4.1``, ``quad``, and ``hperp_sum``/
    ``I2_sum`` multiplying the constant-free intermediate bounds), to tighten it in a negative
    control; ``only`` restricts to a subset of the names above. Returns {name: record}.
    """
    C = {"cor4.1": C_COR41, "lemma4.1": C_LEMMA41, "quad": C_QUAD, "hperp_sum": 1.0,
         "I2_sum": 1.0}
    C.update(constants or {})
    n, m, eta, lam0 = run.n, run.m, run.eta, run.lam0
    if run.diverged:
        raise AssumptionError("a finite GD run (eta = O(lambda0/n^2), Du et al. Thm 4.1)",
                              f"GD diverged with eta = {eta:.4g}")
    r2 = run.resid_sq[:-1]
    r = np.sqrt(r2)
    hyp_thm = thm41_hypothesis(n, m, lam0, eta, m_thm)
    cond_all = bool(rate_holds(run.resid_sq, eta, lam0)[0])
    lam_ok = bool(np.all(run.lam_min >= lam0 / 2))
    in_ball = bool(run.dist.max() <= R_lemma32(n, lam0, delta)
                   and m >= m_lemma31(n, lam0, delta))
    # the bounds through Σ|S_i^⊥| are 0 ≤ 0 while S_i^⊥ is empty: compare where it is not
    ne = run.s_perp > 0 if np.any(run.s_perp > 0) else np.ones_like(run.s_perp, bool)
    ctl = CONTROL["constant"]
    src = f"{SOURCE}, Section 4"
    checks = {
        "cond4.1": dict(
            claim="du2019.cond4.1", kind="step", hypothesis_met=hyp_thm, control=CONTROL["narrow"],
            lhs=run.resid_sq[1:], rel="<=", rhs=(1 - eta * lam0 / 2) * r2,
            statement=r"\|y-u(k+1)\|^2\le(1-\tfrac{\eta\lambda_0}2)\|y-u(k)\|^2",
            source=f"{SOURCE}, Condition 4.1 (induction step)", provenance="restated",
            depends_on=["du2019.eq.chain"]),
        "cor4.1": dict(
            claim="du2019.cor4.1", kind="step", hypothesis_met=cond_all, control=ctl,
            lhs=run.dist, rel="<=",
            rhs=C["cor4.1"] * math.sqrt(n) * run.resid0 / (math.sqrt(m) * lam0),
            statement=rf"\max_r\|w_r(k+1)-w_r(0)\|\le {C['cor4.1']:.4g}\sqrt n\|y-u(0)\|"
                      r"/(\sqrt m\lambda_0)",
            source=f"{SOURCE}, Corollary 4.1", provenance="restated",
            depends_on=["du2019.assumption.data", "du2019.init.moments"]),
        "lemma4.1.event": dict(
            claim="du2019.lemma4.1.event", kind="step", hypothesis_met=None, control=ctl,
            lhs=run.s_perp, rel="<=", rhs=C["lemma4.1"] * m * n * run.R / delta,
            statement=rf"\sum_i|S_i^\perp|\le {C['lemma4.1']:.4g}\,mnR/\delta\ \text{{(this seed)}}",
            source=f"{SOURCE}, Lemma 4.1", provenance="derived",
            depends_on=["du2019.lemma4.1"]),
        "lemma4.1.hperp": dict(
            claim="du2019.lemma4.1.hperp", kind="identity", hypothesis_met=None,
            lhs=run.hperp_norm[ne], rel="<=", rhs=C["hperp_sum"] * n / m * run.s_perp[ne],
            statement=r"\|H^\perp(k)\|_2\le\sum_{ij}|H^\perp_{ij}|\le\frac nm\sum_i|S_i^\perp|",
            source=src, provenance="derived"),
        "lemma4.1.hperp_C": dict(
            claim="du2019.lemma4.1.hperp_C", kind="step", hypothesis_met=None, control=ctl,
            lhs=run.hperp_norm, rel="<=", rhs=C["lemma4.1"] * n ** 2 * run.R / delta,
            statement=rf"\|H^\perp(k)\|_2\le {C['lemma4.1']:.4g}\,n^2R/\delta",
            source=src, provenance="derived",
            depends_on=["du2019.lemma4.1.hperp", "du2019.lemma4.1.event"]),
        "eq.I2": dict(
            claim="du2019.eq.I2", kind="identity", hypothesis_met=None,
            lhs=run.I2_norm[ne], rel="<=", rhs=C["I2_sum"] * run.I2_sum[ne],
            statement=r"\|I_2\|_2\le\frac{\eta\sqrt n}{m}\|u(k)-y\|\sum_i|S_i^\perp|",
            source=src, provenance="derived"),
        "eq.I2_C": dict(
            claim="du2019.eq.I2_C", kind="step", hypothesis_met=None, control=ctl,
            lhs=run.I2_norm, rel="<=", rhs=C["lemma4.1"] * eta * n ** 1.5 * run.R / delta * r,
            statement=rf"\|I_2\|_2\le {C['lemma4.1']:.4g}\,\eta n^{{3/2}}R\|u(k)-y\|/\delta",
            source=src, provenance="derived",
            depends_on=["du2019.eq.I2", "du2019.lemma4.1.event"]),
        "eq.decomposition": dict(
            claim="du2019.eq.decomposition", kind="identity", hypothesis_met=None,
            lhs=run.identity_err, rel="<=", rhs=1e-9 * (run.du_norm + 1e-300) + 1e-14,
            statement=r"u(k+1)-u(k)=I_1+I_2,\ I_1=-\eta(H(k)-H^\perp(k))(u(k)-y)",
            source=f"{src} (at the realized radius)", provenance="derived"),
        "eq.quadratic": dict(
            claim="du2019.eq.quadratic", kind="identity", hypothesis_met=None,
            lhs=run.du_sq, rel="<=", rhs=C["quad"] * eta ** 2 * n ** 2 * r2,
            statement=rf"\|u(k+1)-u(k)\|^2\le {C['quad']:.4g}\,\eta^2n^2\|y-u(k)\|^2",
            source=f"{SOURCE}, Section 4 (quadratic term)", provenance="restated"),
        "lemma3.2.gd": dict(
            claim="du2019.lemma3.2.gd", kind="step", hypothesis_met=in_ball,
            control=CONTROL["narrow"], lhs=run.lam_min, rel=">=",
            rhs=np.full_like(run.lam_min, lam0 / 2),
            statement=r"\lambda_{\min}(H(k))\ge\lambda_0/2",
            source=f"{SOURCE}, Lemma 3.2 along GD (conclusion as restated [S])",
            provenance="restated",
            depends_on=["du2019.lemma3.2.lambda_min", "du2019.lemma3.2", "du2019.lemma3.1",
                        "du2019.cor4.1"]),
        "eq.chain": dict(
            claim="du2019.eq.chain", kind="step", hypothesis_met=lam_ok, control=CONTROL["narrow"],
            lhs=run.resid_sq[1:], rel="<=", rhs=run.chain_rhs,
            statement=r"\|y-u(k+1)\|^2\le(1-\eta\lambda_0+2\eta\|H^\perp\|_2)\|y-u(k)\|^2"
                      r"+2\|I_2\|\|y-u(k)\|+\|u(k+1)-u(k)\|^2",
            source=src, provenance="derived",
            depends_on=["du2019.eq.decomposition", "du2019.lemma4.1.hperp_C", "du2019.eq.I2_C",
                        "du2019.eq.quadratic", "du2019.lemma3.2.gd"]),
    }
    note = (f"n = {n}, m = {m}, eta = {eta:.4g} (= {eta * n**2 / lam0:.3g} lambda0/n^2), "
            f"S_perp radius: {run.radius}")
    seeds = seeds if seeds is not None else run.seed
    out = {}
    for name, spec in checks.items():
        if only is not None and name not in only:
            continue
        extra = (" Compared at the steps with some S_i^perp non-empty."
                 if name in ("lemma4.1.hperp", "eq.I2") else "")
        claim = spec.pop("claim")
        out[name] = ledger.check(claim, note=note + extra, seeds=seeds, **spec)
    return out


def check_decomposition_paper_radius(ledger, run: GDProofRun, seeds=None):
    """The counterexample ``du2019.eq.decomposition.paper_R``: with S_i^⊥ built from the paper's
    R = cδλ0/n² (``run.radius`` a float) at a runnable width, R' < R is dropped and neurons
    outside S_i^⊥ change pattern: u(k+1) − u(k) = I₁ + I₂ must fail."""
    if run.radius == "realized":
        raise ValueError("run the proof with radius = the paper's R (a float) for this check")
    return ledger.check(
        "du2019.eq.decomposition.paper_R", kind="counterexample", lhs=run.identity_err,
        rel="<=", rhs=1e-9 * (run.du_norm + 1e-300) + 1e-14,
        statement=r"u(k+1)-u(k)=I_1+I_2\ \text{with}\ S_i^\perp\ \text{of the paper's}\ R",
        source=f"{SOURCE}, Section 4 (R' < R dropped)", provenance="derived",
        hypothesis_met=bool(run.dist.max() <= run.R.min()),
        seeds=seeds if seeds is not None else run.seed,
        note=f"n = {run.n}, m = {run.m}, S_perp radius: {run.radius}")


def lemma41_counts(X, m: int, seeds, R: float) -> np.ndarray:
    """Σ_i|S_i^⊥| = #{(i, r): |w_r(0)ᵀx_i| < R} for each initialization seed (Lemma 4.1 at a
    fixed radius R)."""
    X = _t(X)
    return np.array([int(((X @ TwoLayerReLU.init(m, X.shape[1], int(s), dev="cpu")["W"].T)
                          .abs() < R).sum()) for s in seeds])


def check_lemma41(ledger, counts, m: int, n: int, R: float, delta: float, seeds,
                  factor: float = 1.0):
    """Lemma 4.1 as a probability over initializations (``du2019.lemma4.1``, a step of
    Theorem 4.1): P(Σ_i|S_i^⊥| > C m n R/δ) ≤ δ with C = 2/√(2π) [D] (``factor`` < 1 tightens
    the constant, for the negative control)."""
    bound = factor * C_LEMMA41 * m * n * R / delta
    return ledger.check_probability(
        "du2019.lemma4.1", kind="step", failures=int((np.asarray(counts) > bound).sum()),
        trials=len(counts), delta=delta,
        statement=r"P\Big(\sum_i|S_i^\perp|\le\frac{C\,mnR}{\delta}\Big)\ge1-\delta,"
                  r"\ C=\tfrac{2}{\sqrt{2\pi}}",
        source=f"{SOURCE}, Lemma 4.1 (constant: our derivation)", provenance="derived",
        hypothesis_met=None, seeds=list(seeds), control=CONTROL["lemma4.1"],
        depends_on=["du2019.lemma3.2.anticoncentration", "du2019.init.moments"],
        note=f"R = {R:.4g} (fixed), m = {m}, bound {bound:.4g}; mean count "
             f"{float(np.mean(counts)):.4g}")


def divergence_threshold(X, y, m: int, seed: int, etas, steps: int, blowup: float = 1e3) -> float:
    """Smallest η in ``etas`` (ascending) at which GD blows up (final loss > blowup × initial, or
    non-finite); inf if none does."""
    for eta in sorted(etas):
        L = gd_losses(X, y, m, seed, eta, steps)
        if not np.isfinite(L[-1]) or L[-1] > blowup * L[0]:
            return float(eta)
    return float("inf")


@few_threads()   # thousands of tiny matrix products: intra-op threads only add overhead
def batched_gd_losses(X, y, m: int, seeds, eta: float, steps: int) -> np.ndarray:
    """‖y − u(k)‖² for several initializations at once (one row per seed, columns k = 0 … steps):
    the same iteration as :func:`gd_losses` (eq. (3) gradient), vectorized over seeds with
    batched matrix products. Initializations are :meth:`ntkbook.models.TwoLayerReLU.init` with each seed."""
    X, y = _t(X), _t(y)
    inits = [TwoLayerReLU.init(m, X.shape[1], int(s), dev="cpu") for s in seeds]
    W = torch.stack([p["W"] for p in inits])            # (S, m, d)
    a = torch.stack([p["a"] for p in inits])            # (S, m)
    sq = math.sqrt(m)
    out = []
    Xt = X.T
    for k in range(steps + 1):
        Z = W @ Xt                                        # (S, m, n)
        u = (torch.relu(Z) * a[:, :, None]).sum(1) / sq   # (S, n)
        e = u - y                                         # (S, n)
        out.append(e.pow(2).sum(1))
        if k == steps:
            break
        G = ((Z >= 0).to(DTYPE) * e[:, None, :]) @ X       # (S, m, d) = Σ_i e_i 1{w_rᵀx_i ≥ 0} x_i
        W = W - eta * G * (a[:, :, None] / sq)
    L = torch.stack(out, 1).numpy()
    L[~np.isfinite(L)] = np.inf
    return L


def rate_holds(losses, eta: float, lam0: float) -> np.ndarray:
    """Per row (columns k = 0, 1, …): does ‖y − u(k)‖² ≤ (1 − ηλ0/2)^k ‖y − u(0)‖² hold at every recorded k?"""
    L = np.atleast_2d(losses)
    k = np.arange(L.shape[1])
    bound = rate(eta, lam0, k)[None, :] * L[:, :1]
    return np.all(L <= bound * (1 + 1e-12), axis=1)


"""Du, Zhai, Póczos, Singh (ICLR 2019), Sections 4–5: discrete gradient descent (Theorem 4.1 and
every step of its proof), the width the theorem asks for against the width that suffices in
practice, and the experiment of Section 5 (Figure 1).

Conventions as in :mod:`ntkbook.du2019`: X is (n, d) with unit rows, W is (m, d) (row r is w_r),
a is (m,), the loss is L = Σ_i ½(u_i − y_i)², only W is trained. Constants marked [D] are our
derivation (catalog ``shared/theorems.md``), [S] restated by later work, [M] recollections.

The check functions take a :class:`ntkbook.ledger.Ledger` and are called both by the notebooks
(``book/du2019/05_*.md`` … ``07_*.md``) and by the negative controls in
``tests/test_du2019_b.py``, so the tests exercise the very code the book runs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from . import data, kernels
from .config import DTYPE, few_threads
from .errors import AssumptionError
from .models import TwoLayerReLU
from .training import gradient_descent, loglog_slope

SOURCE = "Du et al. 2019"
#: [D] Lemma 3.2's c = √(2π)/16 (same value as ``ntkbook.du2019.C_LEMMA32``).
C_LEMMA32 = math.sqrt(2 * math.pi) / 16
#: [D] Lemma 4.1's constant from anti-concentration + Markov: E Σ_i|S_i^⊥| ≤ 2mnR/√(2π), so
#: Σ_i|S_i^⊥| ≤ C m n R/δ with C = 2/√(2π) w.p. ≥ 1 − δ. (Later work [S] states 1/√(2π).)
C_LEMMA41 = 2 / math.sqrt(2 * math.pi)
#: Corollary 4.1's constant: R' = 4√n‖y − u(0)‖₂/(√m λ0) [M]/[S].
C_COR41 = 4.0
#: the quadratic term ‖u(k+1) − u(k)‖² ≤ η² n² ‖y − u(k)‖² [S] (constant 1).
C_QUAD = 1.0


def _t(x) -> torch.Tensor:
    return torch.as_tensor(x, dtype=DTYPE).cpu()


# ------------------------------------------------------------------------------------------
# step sizes, radii, widths
# ------------------------------------------------------------------------------------------
def eta_theorem(lam0: float, n: int, c: float) -> float:
    """Theorem 4.1's step size η = c λ0 / n² (the paper: η = O(λ0/n²), c unspecified)."""
    if lam0 <= 0 or n < 1 or c <= 0:
        raise AssumptionError("lambda0 > 0, n >= 1, c > 0 (Du et al. Thm 4.1, eta = O(lambda0/n^2))",
                              f"lambda0 = {lam0}, n = {n}, c = {c}")
    return c * lam0 / n ** 2


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


# ------------------------------------------------------------------------------------------
# one GD run with every quantity of the Section 4 proof
# ------------------------------------------------------------------------------------------
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


# ------------------------------------------------------------------------------------------
# checks of Theorem 4.1 and its proof
# ------------------------------------------------------------------------------------------
def check_rate(ledger, losses, eta: float, lam0: float, claim="du2019.thm4.1", hypothesis_met=False,
               expect="hold", seeds=None, note="", provenance="restated", floor: float = 1e-20):
    """Theorem 4.1: ‖y − u(k)‖² ≤ (1 − ηλ0/2)^k ‖y − u(0)‖² at every k (one row per run).
    Steps where the bound has fallen below ``floor``·‖y − u(0)‖² are not compared: there the loss
    sits at float64 round-off (relative 1e-32), which no inequality can resolve."""
    L = np.atleast_2d(np.asarray(losses, dtype=np.float64))
    k = np.arange(L.shape[1])
    rhs = np.broadcast_to(rate(eta, lam0, k)[None, :] * L[:, :1], L.shape)
    lhs = np.where(np.isfinite(L), L, np.finfo(np.float64).max)
    keep = rhs[0] >= floor * L[0, 0]
    keep[0] = L.shape[1] == 1          # k = 0 is an equality; compare it only if it is all there is
    return ledger.check(claim, lhs=lhs[:, keep], rel="<=", rhs=rhs[:, keep],
                        statement=r"\|y-u(k)\|_2^2\le(1-\eta\lambda_0/2)^k\|y-u(0)\|_2^2\ \forall k",
                        source=f"{SOURCE}, Theorem 4.1", provenance=provenance,
                        hypothesis_met=hypothesis_met, expect=expect, seeds=seeds,
                        note=(note + f" eta = {eta:.4g}; {int(keep.sum())} steps compared"
                              f" (bound above {floor:g} of the initial loss).").strip())


def check_rate_probability(ledger, losses, eta: float, lam0: float, claim: str, delta: float, seeds,
                           hypothesis_met=False, expect="hold", note=""):
    """Theorem 4.1 as a probability statement: over the rows of ``losses`` (one per seed), the rate
    (1 − ηλ0/2)^k fails at some k in at most a fraction δ (binomial test)."""
    holds = rate_holds(losses, eta, lam0)
    return ledger.check_probability(
        claim, failures=int((~holds).sum()), trials=int(holds.size), delta=delta,
        statement=r"P\big(\exists k:\|y-u(k)\|^2>(1-\eta\lambda_0/2)^k\|y-u(0)\|^2\big)\le\delta",
        source=f"{SOURCE}, Theorem 4.1", provenance="restated", hypothesis_met=hypothesis_met,
        expect=expect, seeds=list(seeds), note=note)


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


def check_proof(ledger, run: GDProofRun, delta: float, prefix="du2019", constants=None,
                hypothesis_met=False, expect="hold", only=None, seeds=None):
    """Check every inequality of the §4 proof at every step of ``run``:

    * ``cond4.1`` — the induction step ‖y − u(k+1)‖² ≤ (1 − ηλ0/2)‖y − u(k)‖² (Condition 4.1 at k+1
      from Condition 4.1 at k);
    * ``cor4.1`` — max_r ‖w_r(k+1) − w_r(0)‖ ≤ C √n‖y − u(0)‖/(√m λ0), paper C = 4;
    * ``lemma4.1`` — Σ_i |S_i^⊥| ≤ C m n R/δ, C = 2/√(2π) [D];
    * ``lemma4.1.hperp`` — ‖H^⊥(k)‖₂ ≤ (n/m)Σ_i|S_i^⊥| (the proof's step, exact) and
      ``lemma4.1.hperp_C`` ‖H^⊥(k)‖₂ ≤ C n² R/δ with Lemma 4.1's C;
    * ``eq.I2`` — ‖I₂‖ ≤ (η√n/m)‖u − y‖Σ_i|S_i^⊥| and ``eq.I2_C`` ‖I₂‖ ≤ C η n^{3/2} R ‖u − y‖/δ;
    * ``eq.decomposition`` — u(k+1) − u(k) = I₁ + I₂ (an identity, to rounding);
    * ``eq.quadratic`` — ‖u(k+1) − u(k)‖² ≤ C η² n² ‖y − u(k)‖², C = 1 [S];
    * ``lemma3.2.gd`` — λ_min(H(k)) ≥ λ0/2 (Lemma 3.2's conclusion, used by the chain);
    * ``eq.chain`` — ‖y − u(k+1)‖² ≤ (1 − ηλ0 + 2η‖H^⊥‖₂ + 2‖I₂‖/‖y − u‖ + ‖Δu‖²/‖y − u‖²)‖y − u(k)‖².

    ``constants`` overrides any C (keys ``cor4.1``, ``lemma4.1``, ``quad``, and ``hperp_sum``/``I2_sum``
    multiplying the constant-free intermediate bounds), to tighten it in a negative control; ``only`` restricts to a
    subset of the names above. Returns {name: record}.
    """
    C = {"cor4.1": C_COR41, "lemma4.1": C_LEMMA41, "quad": C_QUAD, "hperp_sum": 1.0, "I2_sum": 1.0}
    C.update(constants or {})
    n, m, eta, lam0 = run.n, run.m, run.eta, run.lam0
    r2 = run.resid_sq[:-1]
    r = np.sqrt(r2)
    kw = dict(hypothesis_met=hypothesis_met, expect=expect, seeds=seeds if seeds is not None else run.seed)
    note = f"n = {n}, m = {m}, eta = {eta:.4g} (= {eta * n**2 / lam0:.3g} lambda0/n^2), S_perp radius: {run.radius}"
    src = f"{SOURCE}, Section 4"
    checks = {
        "cond4.1": dict(lhs=run.resid_sq[1:], rel="<=", rhs=(1 - eta * lam0 / 2) * r2,
                        statement=r"\|y-u(k+1)\|^2\le(1-\tfrac{\eta\lambda_0}2)\|y-u(k)\|^2",
                        source=f"{SOURCE}, Condition 4.1 (induction step)", provenance="restated"),
        "cor4.1": dict(lhs=run.dist, rel="<=", rhs=C["cor4.1"] * math.sqrt(n) * run.resid0 / (math.sqrt(m) * lam0),
                       statement=rf"\max_r\|w_r(k+1)-w_r(0)\|\le {C['cor4.1']:.4g}\sqrt n\|y-u(0)\|/(\sqrt m\lambda_0)",
                       source=f"{SOURCE}, Corollary 4.1", provenance="restated"),
        "lemma4.1": dict(lhs=run.s_perp, rel="<=", rhs=C["lemma4.1"] * m * n * run.R / delta,
                         statement=rf"\sum_i|S_i^\perp|\le {C['lemma4.1']:.4g}\,mnR/\delta",
                         source=f"{SOURCE}, Lemma 4.1", provenance="derived"),
        "lemma4.1.hperp": dict(lhs=run.hperp_norm, rel="<=", rhs=C["hperp_sum"] * n / m * run.s_perp,
                               statement=r"\|H^\perp(k)\|_2\le\sum_{ij}|H^\perp_{ij}|\le\frac nm\sum_i|S_i^\perp|",
                               source=src, provenance="derived"),
        "lemma4.1.hperp_C": dict(lhs=run.hperp_norm, rel="<=", rhs=C["lemma4.1"] * n ** 2 * run.R / delta,
                                 statement=rf"\|H^\perp(k)\|_2\le {C['lemma4.1']:.4g}\,n^2R/\delta",
                                 source=src, provenance="derived"),
        "eq.I2": dict(lhs=run.I2_norm, rel="<=", rhs=C["I2_sum"] * run.I2_sum,
                      statement=r"\|I_2\|_2\le\frac{\eta\sqrt n}{m}\|u(k)-y\|\sum_i|S_i^\perp|",
                      source=src, provenance="derived"),
        "eq.I2_C": dict(lhs=run.I2_norm, rel="<=", rhs=C["lemma4.1"] * eta * n ** 1.5 * run.R / delta * r,
                        statement=rf"\|I_2\|_2\le {C['lemma4.1']:.4g}\,\eta n^{{3/2}}R\|u(k)-y\|/\delta",
                        source=src, provenance="derived"),
        "eq.decomposition": dict(lhs=run.identity_err, rel="<=", rhs=1e-9 * (run.du_norm + 1e-300) + 1e-14,
                                 statement=r"u(k+1)-u(k)=I_1+I_2,\ I_1=-\eta(H(k)-H^\perp(k))(u(k)-y)",
                                 source=src, provenance="derived"),
        "eq.quadratic": dict(lhs=run.du_sq, rel="<=", rhs=C["quad"] * eta ** 2 * n ** 2 * r2,
                             statement=rf"\|u(k+1)-u(k)\|^2\le {C['quad']:.4g}\,\eta^2n^2\|y-u(k)\|^2",
                             source=f"{SOURCE}, Section 4 (quadratic term)", provenance="restated"),
        "lemma3.2.gd": dict(lhs=run.lam_min, rel=">=", rhs=np.full_like(run.lam_min, lam0 / 2),
                            statement=r"\lambda_{\min}(H(k))\ge\lambda_0/2",
                            source=f"{SOURCE}, Lemma 3.2 along GD", provenance="paper"),
        "eq.chain": dict(lhs=run.resid_sq[1:], rel="<=", rhs=run.chain_rhs,
                         statement=r"\|y-u(k+1)\|^2\le(1-\eta\lambda_0+2\eta\|H^\perp\|_2)\|y-u(k)\|^2"
                                   r"+2\|I_2\|\|y-u(k)\|+\|u(k+1)-u(k)\|^2",
                         source=src, provenance="derived"),
    }
    if run.diverged:
        raise AssumptionError("a finite GD run (eta = O(lambda0/n^2), Du et al. Thm 4.1)",
                              f"GD diverged with eta = {eta:.4g}")
    # the bounds through Σ|S_i^⊥| are 0 ≤ 0 while S_i^⊥ is empty: compare the steps where it is not
    nonempty = run.s_perp > 0
    for name in ("lemma4.1.hperp", "eq.I2"):
        if nonempty.any():
            spec = checks[name]
            spec["lhs"], spec["rhs"] = spec["lhs"][nonempty], spec["rhs"][nonempty]
    out = {}
    for name, spec in checks.items():
        if only is not None and name not in only:
            continue
        extra = " Compared at the steps with some S_i^perp non-empty." if name in ("lemma4.1.hperp", "eq.I2") else ""
        out[name] = ledger.check(f"{prefix}.{name}", note=note + extra, **spec, **kw)
    return out


# ------------------------------------------------------------------------------------------
# practical step sizes and divergence
# ------------------------------------------------------------------------------------------
def divergence_threshold(X, y, m: int, seed: int, etas, steps: int, blowup: float = 1e3) -> float:
    """Smallest η in ``etas`` (ascending) at which GD blows up (final loss > blowup × initial, or
    non-finite); inf if none does."""
    for eta in sorted(etas):
        L = gd_losses(X, y, m, seed, eta, steps)
        if not np.isfinite(L[-1]) or L[-1] > blowup * L[0]:
            return float(eta)
    return float("inf")


# ------------------------------------------------------------------------------------------
# Section "how wide": GD over many seeds at once
# ------------------------------------------------------------------------------------------
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


@dataclass
class WidthSearch:
    """Result of :func:`smallest_width` for one data set."""
    n: int
    lam0: float
    eta: float
    steps: int
    m_star: int
    tried: dict = field(default_factory=dict)   # m -> fraction of seeds where the rate held


def smallest_width(X, y, seeds, eta: float, steps: int, lam0: float | None = None, level: float = 0.9,
                   m_max: int = 4096) -> WidthSearch:
    """The smallest m at which Theorem 4.1's conclusion — the rate at every k ≤ steps — holds in at
    least ``level`` of ``seeds``: doubling m = 1, 2, 4, … until it holds, then bisection between the
    last failing and the first passing width. Assumes the success fraction grows with m (``tried``
    keeps every evaluated width so this can be inspected)."""
    X, y = _t(X), _t(y)
    lam0 = kernels.lambda0(X) if lam0 is None else lam0
    tried = {}

    def ok(m):
        if m not in tried:
            L = batched_gd_losses(X, y, m, seeds, eta, steps)
            tried[m] = float(rate_holds(L, eta, lam0).mean())
        return tried[m] >= level

    hi = 1
    while not ok(hi):
        if hi >= m_max:
            raise AssumptionError(f"the rate holds in >= {level:.0%} of seeds below m_max",
                                  f"m_max = {m_max}: fraction {tried[hi]:.2f}")
        hi *= 2
    lo = hi // 2          # 0 when m = 1 already passes
    while lo >= 1 and hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return WidthSearch(n=X.shape[0], lam0=lam0, eta=eta, steps=steps, m_star=hi, tried=dict(sorted(tried.items())))


def check_width(ledger, X, y, m: int, seeds, eta: float, steps: int, lam0: float, m_thm: float,
                claim: str, delta: float = 0.1, expect="hold"):
    """Theorem 4.1's conclusion at width m as a probability statement over ``seeds``: the rate
    fails in at most a fraction δ of initializations (binomial test). ``hypothesis_met`` is
    m ≥ m_thm (the explicit width of :func:`m_theorem`)."""
    L = batched_gd_losses(X, y, m, seeds, eta, steps)
    return check_rate_probability(ledger, L, eta, lam0, claim, delta, seeds, hypothesis_met=bool(m >= m_thm),
                                  expect=expect,
                                  note=f"n = {_t(X).shape[0]}, m = {m}, K = {steps}, eta = {eta:.4g}, "
                                       f"theorem width {m_thm:.3g}")


# ------------------------------------------------------------------------------------------
# Section 5, Figure 1
# ------------------------------------------------------------------------------------------
@dataclass
class Fig1Run:
    m: int
    loss: np.ndarray            # L(W(k)) = Σ ½(u_i − y_i)², k = 0 … K
    pattern_frac: np.ndarray    # (1/mn) Σ_ir 1{sign change since k = 0}
    max_dist: np.ndarray        # max_r ‖w_r(k) − w_r(0)‖₂


def figure1_run(X, y, m: int, seed: int, eta: float, steps: int) -> Fig1Run:
    """Section 5: full-batch GD on the first layer (a fixed) for ``steps`` iterations, recording
    the three panels of Figure 1. Runs on :func:`ntkbook.config.device` (initialization is drawn on
    the CPU, so results do not depend on the device); small CPU problems run single-threaded."""
    n, d = _t(X).shape
    if n * d * m < 10 ** 8:
        return few_threads()(_figure1_run)(X, y, m, seed, eta, steps)
    return _figure1_run(X, y, m, seed, eta, steps)


def _figure1_run(X, y, m: int, seed: int, eta: float, steps: int) -> Fig1Run:
    """Section 5: full-batch GD on the first layer (a fixed) for ``steps`` iterations, recording
    the three panels of Figure 1. Runs on :func:`ntkbook.config.device` (initialization is drawn on
    the CPU, so results do not depend on the device)."""
    from .config import device
    from .metrics import max_neuron_distance, pattern_change_fraction
    dev = device()                       # a GPU when torch sees one (the paper's scale needs it)
    X, y = _t(X).to(dev), _t(y).to(dev)
    net = TwoLayerReLU(train_a=False)
    p0 = net.init(m, X.shape[1], seed, dev=dev)
    traj = gradient_descent(lambda p: net.loss(p, X, y), p0, eta, steps, trainable=("W",),
                            grad=lambda p: {"W": TwoLayerReLU.grad_W(p, X, y)},
                            record={"pattern": pattern_change_fraction(X, p0),
                                    "dist": max_neuron_distance(p0)})
    if traj.diverged or not traj.losses[-1] <= 1e3 * traj.losses[0]:
        raise AssumptionError("a convergent GD run (step size below the divergence threshold)",
                              f"GD blew up at m = {m}, eta = {eta}: loss {traj.losses[0]:.3g} -> {traj.losses[-1]:.3g}")
    return Fig1Run(m=m, loss=traj.losses, pattern_frac=traj.metric("pattern"), max_dist=traj.metric("dist"))


def check_trend(ledger, widths, values, claim, statement, expect="hold", tol=0.0, note=""):
    """A monotone trend in m: ``values`` (one per width, widths ascending) is non-increasing,
    allowing a relative slack ``tol``: v_{j+1} ≤ (1 + tol) v_j for every consecutive pair."""
    v = np.asarray(values, dtype=np.float64)
    order = np.argsort(widths)
    v = v[order]
    return ledger.check(claim, lhs=v[1:], rel="<=", rhs=(1 + tol) * v[:-1], statement=statement,
                        source=f"{SOURCE}, Section 5 / Figure 1", provenance="paper", hypothesis_met=None,
                        expect=expect, note=(note + f" widths {[int(w) for w in np.asarray(widths)[order]]}").strip())


def fitted_exponent(x, y) -> float:
    """Least-squares slope of log y against log x."""
    return loglog_slope(x, y)


def check_sufficient_width(ledger, m_star, m_thm, claim="du2019.thm4.1.width.sufficient", expect="hold"):
    """The explicit theorem width is sufficient in practice: m* ≤ m_thm for every n ([D] width)."""
    return ledger.check(claim, lhs=np.asarray(m_star, float), rel="<=", rhs=np.asarray(m_thm, float),
                        statement=r"m^*\le m_{\rm thm}=432n^5(\|y\|^2+n/2)/(c^2\lambda_0^4\delta^3)",
                        source=f"{SOURCE}, Theorem 4.1 (width, explicit constants ours)", provenance="derived",
                        hypothesis_met=None, expect=expect)


def check_exponent(ledger, widths, values, claim, target=-0.5, tol=0.15, statement="", expect="hold",
                   source=f"{SOURCE}, Section 5 / Figure 1", provenance="reconstruction", note=""):
    """A power law in m: the fitted log-log slope ŝ of ``values`` against ``widths`` satisfies
    |ŝ − target| ≤ tol (Figure 1's expected m^{-1/2} decay is our reconstruction)."""
    s = loglog_slope(widths, values)
    return ledger.check(claim, lhs=abs(s - target), rel="<=", rhs=tol,
                        statement=statement or rf"|\hat s-({target})|\le{tol}", source=source,
                        provenance=provenance, hypothesis_met=None, expect=expect,
                        note=(note + f" fitted slope {s:.4f}").strip())


def check_width_exponent(ledger, ns, m_star, m_thm, claim="du2019.thm4.1.width.exponent", expect="hold"):
    """The observed width grows more slowly in n than the theorem's: the fitted exponent of m* against
    n is below that of m_thm."""
    s_emp, s_thm = loglog_slope(ns, m_star), loglog_slope(ns, m_thm)
    return ledger.check(claim, lhs=s_emp, rel="<", rhs=s_thm,
                        statement=r"\hat s(m^*) < \hat s(m_{\rm thm})\ \ (m\propto n^{\hat s})",
                        source=f"{SOURCE}, Theorem 4.1 (width)", provenance="derived", hypothesis_met=None,
                        expect=expect, note=f"ns = {list(ns)}, fitted exponents {s_emp:.3f} vs {s_thm:.3f}")


def check_distance_radius(ledger, runs, n: int, lam0: float, claim="du2019.fig1.cor4.1", factor: float = 1.0,
                          hypothesis_met=False, expect="hold", note=""):
    """Corollary 4.1 along Figure-1 runs: max_r ‖w_r(k) − w_r(0)‖ ≤ factor · R' at every k and width,
    R' = 4√n‖y − u(0)‖/(√m λ0) with ‖y − u(0)‖ = √(2 L(0))."""
    lhs = np.concatenate([r.max_dist for r in runs])
    rhs = np.concatenate([np.full(len(r.max_dist), factor * R_prime_gd(n, r.m, math.sqrt(2 * r.loss[0]), lam0))
                          for r in runs])
    return ledger.check(claim, lhs=lhs, rel="<=", rhs=rhs,
                        statement=r"\max_r\|w_r(k)-w_r(0)\|\le 4\sqrt n\|y-u(0)\|/(\sqrt m\lambda_0)",
                        source=f"{SOURCE}, Corollary 4.1", provenance="restated", hypothesis_met=hypothesis_met,
                        expect=expect, note=(note + f" widths {[r.m for r in runs]}").strip())


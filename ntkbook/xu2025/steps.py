"""Step-size rules (catalog X-6): the adaptive η_t = 1/K̂(θ_t) and the baselines it is compared
with — a constant step tuned on a log grid (on selection seeds), the oracle 1/K_t (the measured
curvature along the step), Armijo backtracking and the constant 1/K̂(θ₀) — and the comparison of
iterations to ε over configurations × seeds (:func:`comparison`, through :func:`ntkbook.sweep.sweep`)."""
from __future__ import annotations

import math

import numpy as np
import torch

from ..config import few_threads
from ..errors import AssumptionError
from ..sweep import sweep
from ..widths import split_seeds
from .dynamics import init
from .local_bounds import global_minimum, grads, objective, smoothness_bound
from .losses import problem

#: the step-size rules compared on page 3
METHODS = ("adaptive", "tuned", "oracle", "armijo", "init")


def adaptive_step(loss, eta_max: float = math.inf):
    """η_t = 1/K̂(θ_t) (catalog X-6; K̂ from (H), our derivation) as ``eta(k, params, grads)``."""
    def eta(k, params, g):
        return min(1.0 / smoothness_bound(loss, params), eta_max)
    return eta


def rayleigh_closed(loss, params, g, us) -> np.ndarray:
    """q(u) = gᵀ∇²𝓛(θ − ug)g/‖g‖² in closed form: with W(u) = (W₂ − uG₂)(W₁ − uG₁),
    φ''(u) = D²ℓ(W(u))[W′(u)]² + ⟨∇ℓ(W(u)), 2G₂G₁⟩, W′(u) = −(G₂W₁ + W₂G₁) + 2uG₂G₁ (the same
    quantity as :func:`ntkbook.xu2025.local_bounds.rayleigh`, without automatic differentiation)."""
    u = torch.as_tensor(np.atleast_1d(np.asarray(us, dtype=np.float64)))[:, None, None]
    W1, W2, G1, G2 = params["W1"], params["W2"], g["W1"], g["W2"]
    A, B = G2 @ W1 + W2 @ G1, G2 @ G1
    W = W2 @ W1 - u * A + u ** 2 * B
    Wd = -A + 2 * u * B
    d2 = loss.hess_quad(W, Wd) + 2 * torch.sum(loss.grad(W) * B, dim=(-2, -1))
    gsq = sum(torch.sum(v ** 2) for v in g.values())
    return (d2 / gsq).numpy()


def oracle_step(loss, params, g, grid: int = 9, cap: float = 64.0) -> float:
    """η_t = 1/K_t, K_t the largest curvature gᵀ∇²𝓛(θ_t − ug)g/‖g‖² on the segment of the step
    (``grid`` points): the step the exact local smoothness allows — not computable from bounds,
    an oracle. The segment is [0, e] with e = 1/q₀ (q₀ the curvature at θ_t; ``cap``/K̂_t when
    q₀ ≤ 0 or larger); if eK_t > 1 the step 1/K_t lies inside it, so η_t·max_{[0,η_t]} q ≤ 1."""
    q0 = float(rayleigh_closed(loss, params, g, [0.0])[0])
    e = cap / smoothness_bound(loss, params)
    if q0 > 0:
        e = min(e, 1.0 / q0)
    K = float(rayleigh_closed(loss, params, g, np.linspace(0.0, e, grid)).max())
    return e if e * K <= 1.0 else 1.0 / K


@few_threads()
def iterations_to_eps(loss, params, rule, eps: float, steps: int, c_armijo: float = 0.5):
    """GD on 𝓛 from ``params`` until 𝓛_t − 𝓛* ≤ ε(𝓛₀ − 𝓛*); returns (iterations or None, steps
    taken, loss evaluations). ``rule`` is a float (a constant step), ``"adaptive"``, ``"oracle"`` or
    ``"armijo"`` (backtracking from twice the previous step, halving until the sufficient decrease
    𝓛(θ − ηg) ≤ 𝓛(θ) − c η‖g‖², c = ``c_armijo``). None: not reached within ``steps``, diverged
    (non-finite or above 10⁶ times the initial gap) or, after 20 steps, still above 𝓛₀.
    A lean loop with the closed-form gradients (:func:`grads`; the runs of the other pages use
    :func:`ntkbook.training.gradient_descent`)."""
    f = objective(loss)
    h = params["W1"].shape[0]
    p = {n: params[n].clone() for n in ("W1", "W2")}
    L_star = global_minimum(loss, h)
    val = start = float(f(p))
    stop = L_star + eps * (val - L_star)
    ceiling = L_star + 1e6 * (val - L_star)
    prev = 1.0 / smoothness_bound(loss, p)
    etas, evals = [], 1
    for t in range(steps):
        if val <= stop:
            return t, np.asarray(etas), evals
        g = grads(loss, p)
        if rule == "adaptive":
            eta = 1.0 / smoothness_bound(loss, p)
        elif rule == "oracle":
            eta = oracle_step(loss, p, g)
        elif rule == "armijo":
            gsq = float(sum(torch.sum(v ** 2) for v in g.values()))
            eta = 2.0 * prev
            while True:
                q = {n: p[n] - eta * g[n] for n in p}
                new, evals = float(f(q)), evals + 1
                if new <= val - c_armijo * eta * gsq or eta < 1e-12 * prev:
                    break
                eta *= 0.5
            prev = eta
        else:
            eta = float(rule)
        p = {n: p[n] - eta * g[n] for n in p}
        if rule != "armijo":
            new, evals = float(f(p)), evals + 1
        val = new
        etas.append(eta)
        if not math.isfinite(val) or val > ceiling or (t >= 20 and val > start):
            return None, np.asarray(etas), evals
    return (steps if val <= stop else None), np.asarray(etas), evals


def method_run(loss, params, method: str, eps: float, steps: int, eta_tuned: float | None = None):
    """One run of a method of :data:`METHODS` (``"init"``: the constant 1/K̂(θ₀); ``"tuned"``: the
    constant ``eta_tuned``)."""
    if method == "init":
        rule = 1.0 / smoothness_bound(loss, params)
    elif method == "tuned":
        if eta_tuned is None:
            raise AssumptionError("the tuned constant step is chosen on selection seeds first")
        rule = eta_tuned
    elif method in ("adaptive", "oracle", "armijo"):
        rule = method
    else:
        raise AssumptionError(f"a step-size method of {METHODS}", f"got {method!r}")
    return iterations_to_eps(loss, params, rule, eps, steps)


def _setting(config: dict, seed: int, loss_key: str):
    """The loss of the configuration (its problem seed ``config["problem"]``, fixed) and θ₀ of
    ``seed``."""
    losses, _ = problem(config["d"], config["k"], config["h"], config["N"], seed=config["problem"])
    return losses[loss_key], init(config["d"], config["h"], config["k"], seed, config["s"],
                                  config["r"])


def _tuning_runs(i: int, seed: int, configs, loss_key, grid_factors, eps, steps):
    """Iterations of every constant η = c/K̂₀ of the grid at one selection seed (K̂₀ of the first
    selection seed, passed in ``configs``). The grid is run from the largest c down, and a
    candidate that needs more than three times the best one so far on this seed is stopped and
    counts as never (it cannot be the tuned step unless every candidate is that slow)."""
    loss, p = _setting(configs[i], seed, loss_key)
    eta_ref = configs[i]["eta_ref"]
    out, best = {}, steps
    for c in sorted(grid_factors):
        n = iterations_to_eps(loss, p, c * eta_ref, eps, min(steps, 3 * best))[0]
        out[c] = n
        if n is not None:
            best = min(best, n)
    return [out[c] for c in grid_factors]


def tune_constant(outcomes, grid) -> tuple[float, int | None]:
    """The grid value with the smallest worst-case iterations over the selection seeds (a run that
    never reaches ε counts as +∞; ties go to the smaller step); returns (η, its worst case)."""
    its = np.array([[np.inf if n is None else n for n in row] for row in outcomes], float)
    med = np.max(its, axis=0)
    j = int(np.argmin(med))
    if not np.isfinite(med[j]):
        raise AssumptionError("some constant step of the grid reaches ε on the selection seeds",
                              f"grid {list(grid)}")
    return float(grid[j]), int(med[j])


def _test_runs(i: int, seed: int, configs, loss_key, eps, steps):
    loss, p = _setting(configs[i], seed, loss_key)
    out = {}
    for m in METHODS:
        n, etas, evals = method_run(loss, p, m, eps, steps, eta_tuned=configs[i]["eta_tuned"])
        out[m] = n
        out[m + "_evals"] = evals
        if m == "adaptive":
            out["eta0"], out["etaT"] = float(etas[0]), float(etas[-1])
    return out


def comparison(configs: list[dict], loss_key: str, *, n_select: int = 3, n_test: int = 10,
               eps: float = 1e-6, steps: int = 3000, grid_factors=None, n_jobs: int | None = 1,
               seed_start: int = 10):
    """Iterations to ε of every method of :data:`METHODS` over ``configs`` × held-out seeds.

    The constant step is tuned per configuration on ``n_select`` selection seeds
    (:func:`ntkbook.widths.split_seeds`; grid η = c/K̂(θ₀ of the first selection seed), c in
    ``grid_factors``, default 1/2, 1, …, 64; a candidate must reach ε within ``steps // 2`` on every
    selection seed), then every method runs on ``n_test`` other seeds. Each configuration is a
    dict with d, k, h, N (problem sizes), problem (the seed of Φ and X), s (init scale) and r
    (imbalance); the seeds vary θ₀. Returns
    (rows, selection seeds, test seeds): one row per configuration with the tuned step and
    ``{method: [iterations or None per test seed]}``."""
    grid_factors = np.geomspace(0.5, 64.0, 8) if grid_factors is None else grid_factors
    select, test = split_seeds(n_select, n_test, start=seed_start)
    cfgs = []
    for c in configs:
        loss, p = _setting(c, select[0], loss_key)
        cfgs.append(dict(c, eta_ref=1.0 / smoothness_bound(loss, p)))
    tun = sweep(_tuning_runs, seeds=select, sizes=range(len(cfgs)), n_jobs=n_jobs,
                configs=cfgs, loss_key=loss_key, grid_factors=list(grid_factors), eps=eps,
                steps=steps // 2)
    for i, c in enumerate(cfgs):
        grid = [f * c["eta_ref"] for f in grid_factors]
        c["eta_tuned"], c["tuned_select_worst"] = tune_constant([tun[i, s] for s in select], grid)
    res = sweep(_test_runs, seeds=test, sizes=range(len(cfgs)), n_jobs=n_jobs, configs=cfgs,
                loss_key=loss_key, eps=eps, steps=steps)
    rows = []
    for i, c in enumerate(cfgs):
        row = dict(c, loss=loss_key)
        for m in METHODS:
            row[m] = [res[i, s][m] for s in test]
            row[m + "_evals"] = [res[i, s][m + "_evals"] for s in test]
        row["eta0"] = [res[i, s]["eta0"] for s in test]
        row["etaT"] = [res[i, s]["etaT"] for s in test]
        rows.append(row)
    return rows, select, test

"""Du et al. 2019, Section 3 set-up: the two-layer ReLU net of eq. (1), its initialization,
Assumption 3.1 on the data, the gradient eq. (3) and the prediction dynamics eq. (7)."""
from __future__ import annotations

import math

import numpy as np
import torch

from .. import data, kernels
from ..config import as_tensor, to_numpy
from ..ledger import must_fail as _must_fail
from ..models import TwoLayerReLU
from .controls import CONTROL, SOURCE

#: "no two inputs parallel" is decided as 1 − max_{i≠j}|cos∠(x_i, x_j)| > PARALLEL_TOL (float64)
PARALLEL_TOL = 1e-12
_CPU = torch.device("cpu")


def tensor(x) -> torch.Tensor:
    """A float64 CPU tensor (the chapter's computations are small and run on the CPU)."""
    return as_tensor(x, _CPU)


_t = tensor


def non_parallel(X) -> bool:
    """Theorem 3.1's hypothesis, computed: no two inputs on one line (1 − max|cos| > tolerance)."""
    return bool(1.0 - data.max_abs_cosine(X)[0] > PARALLEL_TOL)


def check_data(ledger, X, y=None, C=None, *, case=None, depends_on=("du2019-assumption-3-1",)):
    """Du-4, an assumption of the run: no two inputs parallel, recorded as
    1 − max_{i≠j}|cos∠(x_i, x_j)| > :data:`PARALLEL_TOL` (a duplicated or antipodal input fails
    it); unit norms and |y_i| ≤ C are enforced by :func:`ntkbook.data.validate` (AssumptionError)."""
    data.validate(X, y, C=C, non_parallel=False)
    c, (i, j) = data.max_abs_cosine(X)
    return ledger.check("du2019.assumption.data", kind="assumption", lhs=1.0 - c, rel=">",
                        rhs=PARALLEL_TOL,
                        statement=r"1-\max_{i\ne j}|\cos\angle(x_i,x_j)|>10^{-12}"
                                  r"\ \ (\|x_i\|_2=1,\ |y_i|\le C\ \text{enforced})",
                        source=f"{SOURCE}, Sec. 3 and Thm 3.1", provenance="paper",
                        hypothesis_met=None, case=case, control=CONTROL["data"],
                        depends_on=depends_on,
                        note=f"closest pair ({i}, {j}), |cos| = {c:.6f}")


def check_homogeneity(ledger, X, params, scales):
    """Du-1, an identity: f(cW, a, x) = c f(W, a, x) for c > 0 (ReLU is positively
    1-homogeneous); it tests the model's code."""
    X = _t(X)
    f = TwoLayerReLU.forward
    u = f(params, X)
    err = [float((f({**params, "W": c * params["W"]}, X) - c * u).abs().max()) for c in scales]
    tol = [64 * np.finfo(np.float64).eps * abs(c) * (1 + float(u.abs().max()))
           * params["W"].shape[0] ** 0.5 for c in scales]
    return ledger.check("du2019.eq1.homogeneity", kind="identity", lhs=err, rel="<=", rhs=tol,
                        statement=r"f(cW,a,x)=c\,f(W,a,x)\ (c>0)", source=f"{SOURCE}, eq. (1)",
                        provenance="derived", hypothesis_met=None,
                        note=f"scales {list(scales)}")


def init_output_moments(X, m: int, seeds, w_std: float = 1.0) -> np.ndarray:
    """u_i(0) = f(W(0), a, x_i) over seeds: array (len(seeds), n). ``w_std`` ≠ 1 breaks Du-3."""
    X = _t(X)
    out = []
    for s in seeds:
        p = TwoLayerReLU.init(m, X.shape[1], s, dev="cpu")
        p["W"] = w_std * p["W"]
        out.append(to_numpy(TwoLayerReLU.forward(p, X)))
    return np.asarray(out)


def check_init_variance(ledger, U, z=5.0, seeds=None):
    """Du-1/Du-3, a step of our width derivation (Markov on ‖y − u(0)‖²): E[u_i(0)] = 0 and
    E[u_i(0)²] = E[σ(z)²] = 1/2 for unit x_i; the sample means over seeds must lie within z
    standard errors (per input i). A wrong initialization (w_std ≠ 1) breaks it."""
    U = np.asarray(U, dtype=np.float64)
    N = U.shape[0]
    sq = U ** 2
    dev = np.concatenate([np.abs(sq.mean(0) - 0.5) / (sq.std(0, ddof=1) / math.sqrt(N)),
                          np.abs(U.mean(0)) / (U.std(0, ddof=1) / math.sqrt(N))])
    return ledger.check("du2019.eq1.init_variance", kind="step", lhs=dev, rel="<=", rhs=z,
                        statement=r"|\overline{u_i(0)^2}-\tfrac12|,\ |\overline{u_i(0)}|"
                                  r"\ \le z\cdot\mathrm{SE}",
                        source=f"{SOURCE}, eq. (1) with w_r ~ N(0, I), a_r ~ unif{{±1}}",
                        provenance="derived", hypothesis_met=None, seeds=seeds,
                        control=CONTROL["init"], depends_on=["du2019.init.moments"],
                        note=f"{N} seeds, z = {z}: E[u_i(0)] = 0, E[u_i(0)^2] = 1/2")


def check_init_moments(ledger, W, a, z=5.0, seeds=None):
    """Du-3, an assumption of the run: entries of W have mean 0 and variance 1 (z-scores of the
    sample moments), a_r ∈ {±1} with mean 0."""
    Wn, an = to_numpy(W).ravel(), to_numpy(a).ravel()
    N = Wn.size
    z_mean = abs(Wn.mean()) * math.sqrt(N)                        # sd of entries = 1
    z_var = abs((Wn ** 2).mean() - 1) / math.sqrt(2.0 / N)        # Var(w²) = 2
    z_a = abs(an.mean()) * math.sqrt(an.size)
    not_sign = float(np.abs(np.abs(an) - 1).max())
    return ledger.check("du2019.init.moments", kind="assumption",
                        lhs=[z_mean, z_var, z_a, not_sign], rel="<=", rhs=[z, z, z, 1e-15],
                        statement=r"w_r\sim N(0,I_d),\ a_r\sim\mathrm{unif}\{\pm1\}"
                                  r"\ \text{(sample moments)}",
                        source=f"{SOURCE}, Thm 3.2 (initialization)", provenance="restated",
                        hypothesis_met=None, seeds=seeds, control=CONTROL["init"],
                        depends_on=["du2019-assumption-3-1"],
                        note="z-scores of mean(W), mean(W^2) - 1, mean(a); max ||a_r| - 1|")


def check_gradient_formula(ledger, X, y, params, expect="hold"):
    """Du-2, an identity of the code: autograd ∂L/∂W (σ'(0) = 0) against eq. (3) with the indicator
    1{w_rᵀx_i ≥ 0}. With ``expect="violation"`` the counterexample ``du2019.eq3.tie``: an exact
    tie w_rᵀx_i = 0 on purpose (the measure-zero case where the two differ)."""
    X, y = _t(X), _t(y)
    p = {k: _t(v) for k, v in params.items()}
    Wg = p["W"].clone().requires_grad_(True)
    loss = 0.5 * (TwoLayerReLU.forward({**p, "W": Wg}, X) - y).pow(2).sum()
    g_auto, = torch.autograd.grad(loss, Wg)
    g_formula = TwoLayerReLU.grad_W(p, X, y)
    err = float((g_auto - g_formula).abs().max())
    tol = 1e-12 * max(1.0, float(g_formula.abs().max()))
    ties = int(((X @ p["W"].T) == 0).sum())
    statement = (r"\nabla_W L\ (\text{autograd})=\tfrac1{\sqrt m}\sum_i(u_i-y_i)a_r x_i"
                 r"\mathbb I\{w_r^\top x_i\ge0\}")
    if _must_fail(expect):
        return ledger.check("du2019.eq3.tie", kind="counterexample", lhs=err, rel="<=", rhs=tol,
                            statement=statement + r"\ \text{with an exact tie}",
                            source=f"{SOURCE}, eq. (3)", provenance="paper",
                            hypothesis_met=ties == 0, note=f"{ties} exact ties w_r^T x_i = 0")
    return ledger.check("du2019.eq3.autograd", kind="identity", lhs=err, rel="<=", rhs=tol,
                        statement=statement, source=f"{SOURCE}, eq. (3)", provenance="paper",
                        hypothesis_met=None, note=f"{ties} exact ties w_r^T x_i = 0")


def prediction_dynamics(X, y, params, eta: float = 1e-8):
    """Du-5, eq. (7): (u(W − η∇L) − u(W))/η and H(W)(y − u) with H from ``kernels.gram(X, W, a)``
    (the a_r² factor is 1 under Du et al.'s a_r ∈ {±1})."""
    X, y = _t(X), _t(y)
    p = {k: _t(v) for k, v in params.items()}
    u = TwoLayerReLU.forward(p, X)
    g = TwoLayerReLU.grad_W(p, X, y)
    u1 = TwoLayerReLU.forward({**p, "W": p["W"] - eta * g}, X)
    H = kernels.gram(X, p["W"])
    return to_numpy((u1 - u) / eta), to_numpy(H @ (y - u))


def check_prediction_dynamics(ledger, X, y, params, eta=1e-8):
    """Du-5, an identity of the code: du/dt = H(t)(y − u) with H_ij = (1/m) x_iᵀx_j Σ_r 1{·}1{·},
    by a finite difference (exact up to rounding when no pattern flips within the step, since f
    is then linear in W)."""
    fd, pred = prediction_dynamics(X, y, params, eta)
    err = float(np.abs(fd - pred).max())
    tol = 1e-5 * max(1e-3, float(np.abs(pred).max()))
    return ledger.check("du2019.eq7", kind="identity", lhs=err, rel="<=", rhs=tol,
                        statement=r"\tfrac{d}{dt}u(t)=H(t)\,(y-u(t))", source=f"{SOURCE}, eq. (7)",
                        provenance="paper", hypothesis_met=None,
                        note=f"forward difference with eta = {eta}")


def glue_kind_counts(ledger, prefix: str) -> dict:
    """Glue (myst-nb) the number of this page's claims of each kind as ``<prefix>_<kind>``, the
    tests of the theorems (steps, conclusions, scalings, reproductions) by hypothesis flag — a
    computed True (``<prefix>_tests_met``), False (``_tests_beyond``), None (``_tests_none``) —
    their total (``_tests``) and the records a certificate proved (``_certified``)."""
    from myst_nb import glue

    from ..ledger import KINDS, TESTS
    counts = {k: sum(1 for r in ledger.records if r.kind == k) for k in KINDS}
    tests = [r for r in ledger.records if r.kind in TESTS]
    counts["tests"] = len(tests)
    counts["tests_met"] = sum(1 for r in tests if r.hypothesis_met is True)
    counts["tests_beyond"] = sum(1 for r in tests if r.hypothesis_met is False)
    counts["tests_none"] = sum(1 for r in tests if r.hypothesis_met is None)
    counts["certified"] = sum(1 for r in ledger.records if r.certified == "proved")
    for key, value in counts.items():
        glue(f"{prefix}_{key}", value, display=False)
    return counts


def glue_md(key: str, text: str) -> None:
    """Glue ``text`` as inline Markdown under ``key`` (myst-nb, the ``glue:md`` role): prose that
    quotes a computed phrase (a scale, a count "3 of 40") takes it from here."""
    from IPython.display import Markdown
    from myst_nb import glue
    glue(key, Markdown(text), display=False)


def status_text(records) -> str:
    """The status of a claim's records in words: the status of a single record, or a tally
    ("3 holds, 1 unresolved") over its cases."""
    from ..ledger import STATUSES
    tally: dict = {}
    for r in records:
        tally[r.status] = tally.get(r.status, 0) + 1
    if len(records) == 1:
        return records[0].status
    order = {s: i for i, s in enumerate(STATUSES)}
    return ", ".join(f"{k} {s}" for s, k in sorted(tally.items(), key=lambda x: order[x[0]]))


def certificate_summary(records) -> str:
    """What the certificates of a claim's records established: the certificate in words for a
    single record (:func:`ntkbook.du2019.certificates.certificate_text`), a tally of verdicts
    over its cases ("certificates: 2 proved, 1 undecided of 3 cases")."""
    from .certificates import certificate_text
    if len(records) == 1:
        return certificate_text(records[0])
    tally: dict = {}
    for r in records:
        key = r.certified or "not certified"
        tally[key] = tally.get(key, 0) + 1
    n = len(records)
    if tally.get("proved") == n:
        return f"certificates proved in all {n} cases"
    order = ("proved", "undecided", "disproved", "not certified")
    return "certificates: " + ", ".join(f"{tally[k]} {k}" for k in order if k in tally) + \
        f" of {n} cases"


def glue_statuses(ledger, prefix: str) -> dict:
    """Glue the status of every claim of this page as Markdown, ``<prefix>_st_<claim>`` with
    the claim id after the chapter's ``du2019.`` and dots as underscores (``du2019.fig1.loss_trend``
    → ``<prefix>_st_fig1_loss_trend``; cases tallied, :func:`status_text`), what its
    certificates established as ``<prefix>_cert_<claim>`` (:func:`certificate_summary`) and the
    ledger's headline as ``<prefix>_headline``: prose that states a finding quotes it from here, never by hand
    (the ``glue:md`` role)."""
    from IPython.display import Markdown
    from myst_nb import glue

    from ..ledger import headline
    groups: dict = {}
    for r in ledger.records:
        groups.setdefault(r.base_id or r.id, []).append(r)
    out = {}
    for claim, recs in groups.items():
        short = claim.split(".", 1)[1].replace(".", "_")
        out[short] = text = status_text(recs)
        glue(f"{prefix}_st_{short}", Markdown(f"*{text}*"), display=False)
        glue(f"{prefix}_cert_{short}", Markdown(certificate_summary(recs)), display=False)
    glue(f"{prefix}_headline", Markdown(headline(ledger.records)), display=False)
    return out

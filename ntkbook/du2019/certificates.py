"""Du et al. 2019: rigorous certificates of the chapter's deterministic claims, in ball
arithmetic (:mod:`ntkbook.certify`, python-flint's ``arb``), about the exact float64 inputs.

* :func:`lambda0_bounds` — an enclosure lo ≤ λ0 = λ_min(H∞(X)) ≤ hi (H∞ entry by entry in ball
  arithmetic, Rump's verified Cholesky; :func:`ntkbook.certify.lambda0_certificate`), and
  :func:`lambda0_relation`, the certificate of ``λ0 rel t`` it decides (Theorem 3.1 with the
  eigensolver's resolution as t, or its negation for a counterexample);
* :func:`signs` — the signs of w_rᵀx_i (or the events |w_rᵀx_i| ≤ R) decided rigorously: every
  product is a ball, and a ball that contains 0 (or R) leaves the certificate *undecided*;
* :func:`h0_certificate` — λ_min(H(0)) ≥ ¾λ0 at a concrete W(0) (Lemma 3.1's event): H(0)
  enclosed from the decided patterns, its least eigenvalue bounded below, against an *upper*
  bound of ¾λ0;
* :func:`lemma32_certificate` — Lemma 3.2's certificate at a concrete W(0): the events
  A_ir = {|w_r(0)ᵀx_i| ≤ R} decided, the matrix M enclosed entrywise from above, ‖M‖₂ bounded
  above (:func:`ntkbook.certify.norm2_upper`) against a *lower* bound of λ0/4 — and
  λ_min(H(0)) − ‖M‖₂ > λ0/2 against an upper bound of λ0/2;
* :func:`combine` — one certificate for a record that checks several seeds (proved only when
  every seed's certificate is).

**How the signs are decided.** z = Xwᵀ is computed in float64 (BLAS); for *any* summation order,
with or without fused multiply-adds, |fl(xᵀw) − xᵀw| ≤ γ_d Σ_k |x_k w_k| with γ_d = du/(1 − du)
(Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1), and Σ|x_k w_k| is itself
bounded from the float product |X||W|ᵀ; so z lies in the ball [fl(z) − ρ, fl(z) + ρ] with
ρ = 2γ_d·fl(|X||W|ᵀ) + 10⁻³⁰⁰ rounded up (the last term covers underflow), every endpoint rounded
outward. Where that ball decides the sign (or the comparison with R), it is decided; every other
product is recomputed as a flint ``arb`` dot product of the exact floats (106 bits: each term is
exact), and decided by ball comparisons only. A ball that still contains 0 — an exact tie, e.g.
a neuron w_r = 0 — leaves the sign undecided and the certificate *undecided*.
"""
from __future__ import annotations

import math
import time

import numpy as np
from flint import arb, arb_mat

from .. import certify
from ..certify import Certificate
from ..config import to_numpy

#: λ0 is certified up to this many inputs — every size the book uses, Figure 1's n = 1000 included
#: (the Rump test multiplies n×n ball matrices: `make bench` measures ≈ 10 s at n = d = 1000 on
#: this project's idle 2-core machine)
CERTIFY_MAX_N = 1000
_U = 2.0 ** -53
_TINY = 1e-300


def _up(x: float) -> float:
    return math.nextafter(x, math.inf)


def _arb_upper(x: arb) -> float:
    """The smallest float ≥ every point of the ball x."""
    f = float(x.upper())
    return f if arb(f) >= x.upper() else _up(f)


def _arb_lower(x: arb) -> float:
    """The largest float ≤ every point of the ball x."""
    f = float(x.lower())
    return f if arb(f) <= x.lower() else math.nextafter(f, -math.inf)


# -- λ0 ------------------------------------------------------------------------------------------
def lambda0_bounds(X) -> Certificate:
    """The certificate of λ0 = λ_min(H∞(X)) > 0 with its enclosure [lower, upper] (floats rounded
    outward; None when H∞ cannot be enclosed, e.g. arb's arccos of a ball that reaches ±1 for an
    exactly parallel or antipodal pair)."""
    return certify.lambda0_certificate(to_numpy(X))


def lambda0_relation(X, rel: str, t: float, bounds: Certificate | None = None) -> Certificate:
    """Decide ``λ0 rel t`` (rel in ">", ">=", "<=", "<") from the enclosure of
    :func:`lambda0_bounds` by comparisons of its outward-rounded float ends with the exact float
    ``t``: *proved* when the enclosure lies on the claimed side, *disproved* when on the other,
    *undecided* otherwise (also when H∞ could not be enclosed)."""
    start = time.perf_counter()
    c = lambda0_bounds(X) if bounds is None else bounds
    lo, hi, t = c.lower, c.upper, float(t)
    verdict = "undecided"
    if lo is not None and hi is not None and np.isfinite(lo) and np.isfinite(hi):
        if rel == ">":
            verdict = "proved" if lo > t else "disproved" if hi <= t else "undecided"
        elif rel == ">=":
            verdict = "proved" if lo >= t else "disproved" if hi < t else "undecided"
        elif rel == "<=":
            verdict = "proved" if hi <= t else "disproved" if lo > t else "undecided"
        elif rel == "<":
            verdict = "proved" if hi < t else "disproved" if lo >= t else "undecided"
        else:
            raise ValueError(f"rel must be one of >, >=, <=, <; got {rel!r}")
    sym = {">": ">", ">=": "≥", "<=": "≤", "<": "<"}[rel]
    return Certificate(verdict, f"λ0 = λ_min(H∞(X)) {sym} {t:.3g}", lo, hi, c.method,
                       certify.inputs_digest(to_numpy(X), rel, t),
                       c.seconds + time.perf_counter() - start)


def combine(certs, statement: str) -> Certificate:
    """One certificate for several (one per seed or data set): *proved* when every one is,
    *disproved* when any is, else *undecided*; [lower, upper] spans theirs."""
    certs = list(certs)
    if not certs:
        raise ValueError("nothing to combine")
    verdicts = {c.verdict for c in certs}
    verdict = ("disproved" if "disproved" in verdicts else
               "proved" if verdicts == {"proved"} else "undecided")
    lows = [c.lower for c in certs if c.lower is not None]
    highs = [c.upper for c in certs if c.upper is not None]
    n_proved = sum(c.proved for c in certs)
    return Certificate(verdict, f"{statement}: {n_proved} of {len(certs)} proved",
                       min(lows) if len(lows) == len(certs) else None,
                       max(highs) if len(highs) == len(certs) else None,
                       certs[0].method, certify.inputs_digest(*[c.inputs for c in certs]),
                       sum(c.seconds for c in certs))


# -- signs of w_rᵀx_i ------------------------------------------------------------------------------
def _arb_dot(x: np.ndarray, w: np.ndarray) -> arb:
    s = arb(0)
    for a, b in zip(x.tolist(), w.tolist()):
        s += arb(a) * arb(b)
    return s


def product_balls(X, W) -> tuple[np.ndarray, np.ndarray]:
    """Float bounds lo ≤ w_rᵀx_i ≤ hi of the exact products, (n, m) arrays (module docstring:
    the float64 product with Higham's a-priori radius, every end rounded outward)."""
    X, W = to_numpy(X), to_numpy(W)
    d = X.shape[1]
    Z = X @ W.T
    gamma = 2.0 * (d + 2) * _U
    with np.errstate(over="ignore", invalid="ignore"):
        rad = np.nextafter(gamma * (np.abs(X) @ np.abs(W).T) + _TINY, np.inf)
        lo = np.nextafter(Z - rad, -np.inf)
        hi = np.nextafter(Z + rad, np.inf)
    return lo, hi


def signs(X, W, R: float | None = None, balls=None) -> tuple[np.ndarray, np.ndarray]:
    """Decide, for the exact products z_ir = w_rᵀx_i, the pattern 1{z_ir ≥ 0} (``R=None``) or
    the event 1{|z_ir| ≤ R} (module docstring). Returns (value, decided): bool arrays (n, m);
    ``value`` is meaningful where ``decided``. A ball containing 0 (a sign) or ±R (an event) is
    left undecided — an exact tie z = 0 or |z| = R too, although its value is known: the
    certificates do not lean on the boundary convention. ``balls`` = :func:`product_balls`
    (X, W), when already computed."""
    X, W = to_numpy(X), to_numpy(W)
    lo, hi = product_balls(X, W) if balls is None else balls
    if R is None:
        value, decided = lo > 0, (lo > 0) | (hi < 0)
    else:                                           # a tie |z| = R is left undecided
        R = float(R)
        inside = (lo > -R) & (hi < R)
        outside = (lo > R) | (hi < -R)
        value, decided = inside, inside | outside
    decided &= np.isfinite(lo) & np.isfinite(hi)
    todo = np.argwhere(~decided)
    if len(todo):                                   # the rare near-ties: exact arb dot products
        with certify.working_precision():
            for i, r in todo:
                z = _arb_dot(X[i], W[r])
                if R is None:
                    if z > 0 or z < 0:
                        value[i, r], decided[i, r] = bool(z > 0), True
                elif abs(z) < arb(R):
                    value[i, r], decided[i, r] = True, True
                elif abs(z) > arb(R):
                    value[i, r], decided[i, r] = False, True
    return value, decided


def _gram_ball(X: np.ndarray) -> list:
    """XXᵀ as a list of rows of arb balls (an arb_mat product of the exact floats)."""
    Xa = arb_mat(X.shape[0], X.shape[1], X.ravel().tolist())
    return (Xa * Xa.transpose()).tolist()


def _ball_to_float(B: list) -> tuple[np.ndarray, float]:
    """A symmetric float midpoint of a list-of-rows ball matrix and an upper bound (float) on
    the Frobenius norm of its distance to every matrix inside the balls."""
    n = len(B)
    M = np.array([[float(B[i][j].mid()) for j in range(n)] for i in range(n)])
    M = np.triu(M) + np.triu(M, 1).T
    s = arb(0)
    for i in range(n):
        for j in range(n):
            e = (B[i][j] - arb(float(M[i, j]))).abs_upper()
            s += e * e
    return M, _arb_upper(s.sqrt())


# -- Lemma 3.1 at a concrete W(0) -----------------------------------------------------------------
def h0_certificate(X, W, lam0_upper: float, factor: float = 0.75, balls=None) -> Certificate:
    """Prove λ_min(H(0)) ≥ factor·λ0 at the concrete W(0) = ``W``, H(0)_ij = x_iᵀx_j (1/m)
    Σ_r 1{w_rᵀx_i ≥ 0, w_rᵀx_j ≥ 0}: the patterns decided rigorously (:func:`signs`; an
    undecided one makes the certificate *undecided*), the counts N = SSᵀ exact integers,
    H(0) = (XXᵀ ∘ N)/m enclosed as balls, a float midpoint M with ‖H(0) − M‖_F ≤ r, and
    λ_min(H(0)) ≥ lo(M) − r (Weyl; lo from :func:`ntkbook.certify.lambda_min_enclosure`)
    compared in ball arithmetic with factor × ``lam0_upper`` (an UPPER bound of λ0, so that the
    certificate proves the claim for the exact λ0). ``balls``: :func:`product_balls` (X, W)."""
    start = time.perf_counter()
    X, W = to_numpy(X), to_numpy(W)
    m = W.shape[0]
    statement = f"λ_min(H(0)) ≥ {factor:g}·λ0 at W(0) (m = {m})"
    digest = certify.inputs_digest(X, W, lam0_upper)
    S, decided = signs(X, W, balls=balls)
    if not decided.all():
        return Certificate("undecided", statement, None, None,
                           f"{int((~decided).sum())} sign(s) of w_r^T x_i undecided "
                           "(a ball containing 0)", digest, time.perf_counter() - start)
    Si = S.astype(np.int64)
    N = Si @ Si.T                                           # exact integer counts
    n = X.shape[0]
    with certify.working_precision():
        G = _gram_ball(X)
        B = [[G[i][j] * int(N[i, j]) / m for j in range(n)] for i in range(n)]
        M, r = _ball_to_float(B)
    lo, hi = certify.lambda_min_enclosure(M)
    with certify.working_precision():
        lower = arb(lo) - arb(r)
        upper = arb(hi) + arb(r)
        target = arb(float(lam0_upper)) * arb(factor)
        verdict = "proved" if lower >= target else "disproved" if upper < target else "undecided"
    return Certificate(verdict, statement, _arb_lower(lower), _arb_upper(upper),
                       "patterns decided in ball arithmetic (float product with a rigorous "
                       "radius, arb dot products near ties); N = SS^T exact; H(0) enclosed "
                       "entrywise; lambda_min(H(0)) >= lo(M) - ||H(0) - M||_F (Weyl), lo by "
                       "Rump's verified Cholesky; against factor x an upper bound of lambda0",
                       digest, time.perf_counter() - start)


# -- Lemma 3.2's certificate at a concrete W(0) ---------------------------------------------------
def lemma32_certificate(X, W, R: float, lam0_lower: float, lam0_upper: float
                        ) -> tuple[Certificate, Certificate]:
    """Lemma 3.2 over the whole ball ‖w_r − w_r(0)‖ ≤ R at the concrete W(0) = ``W``:

    1. ‖M‖₂ < λ0/4 with M_ij = |x_iᵀx_j| (1/m) Σ_r 1{A_ir ∪ A_jr}, A_ir = {|w_r(0)ᵀx_i| ≤ R}
       (events decided rigorously, a tie |z| = R undecided), M enclosed from above entrywise by
       a float matrix M⁺ ≥ M ≥ 0 (so ‖M‖₂ ≤ ‖M⁺‖₂, Perron–Frobenius), and
       :func:`ntkbook.certify.norm2_upper` proving ‖M⁺‖₂ ≤ u for u a float just below a LOWER
       bound of λ0/4;
    2. λ_min(H(0)) − ‖M‖₂ > λ0/2: the lower bound of λ_min(H(0)) (:func:`h0_certificate`'s
       enclosure) minus the upper bound of ‖M⁺‖₂, against an UPPER bound of λ0/2.

    Returns the two certificates."""
    start = time.perf_counter()
    X, W = to_numpy(X), to_numpy(W)
    m = W.shape[0]
    digest = certify.inputs_digest(X, W, float(R), lam0_lower, lam0_upper)
    st1 = f"‖M‖₂ < λ0/4 at W(0) (m = {m}, R = {R!r})"
    st2 = f"λ_min(H(0)) − ‖M‖₂ > λ0/2 at W(0) (m = {m}, R = {R!r})"
    balls = product_balls(X, W)
    A, decided = signs(X, W, R, balls=balls)
    if not decided.all():
        how = (f"{int((~decided).sum())} event(s) |w_r^T x_i| <= R undecided (a ball "
               "containing R)")
        und = [Certificate("undecided", st, None, None, how, digest, time.perf_counter() - start)
               for st in (st1, st2)]
        return und[0], und[1]
    Ai = A.astype(np.int64)
    c = Ai.sum(1)
    C = c[:, None] + c[None, :] - Ai @ Ai.T                  # Σ_r 1{A_ir ∪ A_jr}, exact
    n = X.shape[0]
    with certify.working_precision():
        G = _gram_ball(X)
        M_up = np.array([[_arb_upper(G[i][j].abs_upper() * int(C[i, j]) / m)
                          for j in range(n)] for i in range(n)])
    M_up = np.maximum(M_up, M_up.T)                          # still ≥ M entrywise, symmetric
    u = math.nextafter(float(lam0_lower) / 4, -math.inf)     # u < λ0/4 (λ0 ≥ lam0_lower)
    norm = certify.norm2_upper(M_up, u)
    # ‖M⁺‖₂ > u does not disprove ‖M‖₂ < λ0/4 (M ≤ M⁺, u < λ0/4): never "disproved" here
    cert1 = Certificate("proved" if norm.proved else "undecided", st1, None, norm.upper,
                        "events A_ir decided in ball arithmetic; M <= M+ entrywise (float, "
                        "rounded up), ||M||_2 <= ||M+||_2 (Perron-Frobenius); " + norm.method +
                        "; against a float below a lower bound of lambda0/4",
                        digest, time.perf_counter() - start)
    if norm.upper is None:
        cert2 = Certificate("undecided", st2, None, None, "no upper bound on ||M||_2", digest,
                            time.perf_counter() - start)
        return cert1, cert2
    h0 = h0_certificate(X, W, lam0_upper, balls=balls)
    if h0.lower is None:
        cert2 = Certificate("undecided", st2, None, None, "lambda_min(H(0)) not enclosed",
                            digest, time.perf_counter() - start)
        return cert1, cert2
    with certify.working_precision():
        lower = arb(h0.lower) - arb(norm.upper)
        proved = bool(lower > arb(float(lam0_upper)) / 2)
    cert2 = Certificate("proved" if proved else "undecided", st2, _arb_lower(lower),
                        None, "lambda_min(H(0)) enclosed (Weyl + Rump) minus the certified upper "
                        "bound of ||M+||_2, against an upper bound of lambda0/2",
                        digest, time.perf_counter() - start)
    return cert1, cert2


# -- Lemma 3.4's hypothesis R' < R, refuted at a concrete W(0) -------------------------------------
def output_balls(X, W, a) -> list:
    """u_i(0) = (1/√m) Σ_r a_r σ(w_rᵀx_i) as arb balls (one per input): each w_rᵀx_i in its
    ball (:func:`product_balls`), σ applied to the ends, the sum over r in ball arithmetic."""
    X, W, a = to_numpy(X), to_numpy(W), to_numpy(a).ravel()
    lo, hi = product_balls(X, W)
    slo, shi = np.maximum(lo, 0.0), np.maximum(hi, 0.0)
    m = W.shape[0]
    out = []
    with certify.working_precision():
        sq = arb(m).sqrt()
        for i in range(X.shape[0]):
            s = arb(0)
            for ar, l, h in zip(a.tolist(), slo[i].tolist(), shi[i].tolist()):
                term = arb(l) if l == h else arb(l).union(arb(h))
                s += ar * term
            out.append(s / sq)
    return out


def radius_gap_certificate(X, y, W, a, lam0_lower: float, lam0_upper: float, delta: float,
                           c: float, factor: float = 2.0) -> Certificate:
    """Prove R' ≥ R at the concrete initialization (W, a) — the negation of Lemma 3.4's
    hypothesis R' < R, with R' = factor·√n‖y − u(0)‖₂/(√m λ0) (Lemma 3.3: factor 2) and
    R = cδλ0/n² (Lemma 3.2, ``c`` and ``delta`` the exact floats used): u(0) enclosed
    (:func:`output_balls`), ‖y − u(0)‖₂ bounded below, λ0 in [lam0_lower, lam0_upper], and the
    LOWER bound of R' compared with the UPPER bound of R in ball arithmetic."""
    start = time.perf_counter()
    X, y = to_numpy(X), to_numpy(y).ravel()
    n, m = X.shape[0], to_numpy(W).shape[0]
    statement = f"R' ≥ R at W(0) (m = {m}): Lemma 3.4's hypothesis R' < R fails"
    digest = certify.inputs_digest(X, y, to_numpy(W), to_numpy(a), lam0_lower, lam0_upper,
                                   float(delta), float(c))
    u = output_balls(X, W, a)
    with certify.working_precision():
        r2 = arb(0)
        for yi, ui in zip(y.tolist(), u):
            diff = abs(arb(yi) - ui)
            low = diff.lower() if diff.lower() > 0 else arb(0)
            r2 += low * low
        resid_low = r2.sqrt()
        Rp_low = arb(factor) * arb(n).sqrt() * resid_low / (arb(m).sqrt() * arb(lam0_upper))
        R_up = arb(float(c)) * arb(float(delta)) * arb(lam0_upper) / arb(n) ** 2
        verdict = "proved" if Rp_low >= R_up else "undecided"
        gap = Rp_low - R_up
    return Certificate(verdict, statement, _arb_lower(gap), None,
                       "u(0) enclosed (products in ball arithmetic, sum in arb); lower bound of "
                       "R' (lower ||y - u(0)||, upper lambda0) minus upper bound of R (upper "
                       "lambda0); [lower] bounds R' - R", digest, time.perf_counter() - start)


def certificate_text(rec) -> str:
    """What a record's certificate established, in words (for the page's prose)."""
    c = rec.certificate or {}
    verdict = rec.certified
    if verdict is None:
        return "not certified"
    lo, hi = c.get("lower"), c.get("upper")
    span = ""
    if lo is not None and hi is not None:
        span = f"; enclosure [{lo:.4g}, {hi:.4g}]"
    elif lo is not None:
        span = f"; lower bound {lo:.4g}"
    elif hi is not None:
        span = f"; upper bound {hi:.4g}"
    return f"certificate {verdict}: {c.get('statement', '')}{span}"

"""Nguyen 2021: rigorous enclosures of Theorem 2.2's quantities at an exact float64 θ0, and the
certificates of this chapter's hypotheses, counterexamples and errata (issue 21).

Every weight, input and label is taken exactly as the float64 number it is; the forward pass
F_0 = X, F_l = σ(F_{l−1}W_l), F_L = F_{L−1}W_L runs in ball arithmetic (python-flint ``arb_mat``
at :data:`ntkbook.certify.PREC` bits); ReLU of a ball is the ball itself when it lies above 0,
0 when it lies below, and the ball [0, upper] when it straddles 0 — each contains σ of every point
of the input ball. From the ball matrices:

* α0 = σ_min(F_{L−1}) — the N-th singular value — is enclosed through λ_min(F_{L−1}F_{L−1}ᵀ) of
  the ball Gram matrix (Rump's verified Cholesky below, a Rayleigh quotient above:
  :mod:`ntkbook.certify`);
* ‖W_l‖₂ through λ_max of the smaller ball Gram matrix (the same two bounds), or, for a matrix too
  large for a Gram matrix in ball arithmetic, between the Rayleigh quotient ‖Wv‖/‖v‖ of a float
  singular vector and the Frobenius norm;
* ‖X‖_F and √(2Φ(θ0)) = ‖F_L − Y‖_F by sums of squared entry bounds.

Every derived quantity of (6)–(10), q1, q2, (9*) is then a ball computed from these, and a
relation is *proved* only when ball comparison decides it (:func:`ntkbook.certify.compare`).
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
from flint import arb, arb_mat

from .. import certify
from ..certify import Certificate, working_precision

#: matrices with more entries than this get the cheap ‖W‖₂ enclosure (Rayleigh, Frobenius)
GRAM_LIMIT = 2_000_000


# -- ball matrices ------------------------------------------------------------------------------
def _np(x) -> np.ndarray:
    """A float64 numpy array of the exact numbers of a torch tensor or array (no rounding)."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    A = np.asarray(x)
    if A.dtype != np.float64:
        raise TypeError(f"a certificate takes float64 inputs exactly, got {A.dtype}")
    return np.ascontiguousarray(A)


def _mat(A: np.ndarray) -> arb_mat:
    A = np.atleast_2d(A)
    return arb_mat(A.shape[0], A.shape[1], A.ravel().tolist())


def interval(lo: arb, hi: arb) -> arb:
    """The ball containing [lo, hi] (both balls; their outer ends are kept)."""
    return lo.lower().union(hi.upper())


def relu_ball(M: arb_mat) -> arb_mat:
    """σ applied entrywise to a ball matrix: a ball above 0 stays, below 0 becomes 0, a ball
    straddling 0 becomes [0, upper] (each contains σ of every point of the input ball)."""
    zero = arb(0)
    out = [e if e > 0 else (zero if e <= 0 else zero.union(e.upper())) for e in M.entries()]
    return arb_mat(M.nrows(), M.ncols(), out)


def forward_balls(params: dict, X, L: int) -> list:
    """[F_0, …, F_L] of Nguyen's network (1) as ball matrices, from the exact float64 weights
    ``params`` (``W1`` … ``W<L>``) and inputs X."""
    F = [_mat(_np(X))]
    for l in range(1, L + 1):
        P = F[-1] * _mat(_np(params[f"W{l}"]))
        F.append(relu_ball(P) if l < L else P)
    return F


def _sum_squares(entries) -> arb:
    """A ball containing Σ x² for every choice of points x in the balls."""
    lo, hi = arb(0), arb(0)
    for e in entries:
        a, b = e.abs_lower(), e.abs_upper()
        lo += a * a
        hi += b * b
    return interval(lo, hi)


def sqrt_ball(x: arb) -> arb:
    """√ of the non-negative points of a ball (0 where it reaches below 0)."""
    lo = x.lower()
    lo = lo.sqrt() if lo > 0 else arb(0)
    return interval(lo, x.upper().sqrt())


def frobenius_ball(M) -> arb:
    """‖M‖_F of a ball matrix or of an exact float array."""
    if not isinstance(M, arb_mat):
        M = _mat(_np(M))
    return sqrt_ball(_sum_squares(M.entries()))


def _midpoint(B: arb_mat) -> np.ndarray:
    return certify.midpoint(B)


def lambda_min_ball(G: arb_mat) -> tuple[arb, str]:
    """A ball containing λ_min of every symmetric matrix inside the ball matrix G (Rump's
    verified Cholesky below, a Rayleigh quotient above: :func:`ntkbook.certify`)."""
    lo, hi, how = certify.ball_lambda_min_enclosure(G, _midpoint(G))
    return interval(lo, hi), how


def sigma_min_ball(F: arb_mat) -> tuple[arb, str]:
    """The N-th singular value of an N×p ball matrix F (p ≥ N) — √λ_min(FFᵀ) of the ball Gram
    matrix — as a ball; 0 exactly when p < N (rank ≤ p)."""
    if F.ncols() < F.nrows():
        return arb(0), "σ_N(F) = 0: F has fewer columns than rows (rank ≤ number of columns)"
    lam, how = lambda_min_ball(F * F.transpose())
    return sqrt_ball(lam), "σ_min(F)² = λ_min(FFᵀ), FFᵀ in ball arithmetic; " + how


def norm2_ball(W) -> tuple[arb, str]:
    """‖W‖₂ of an exact float matrix as a ball: through λ_max of the smaller Gram matrix in ball
    arithmetic (λ_max(G) = −λ_min(−G), verified as in :func:`lambda_min_ball`); for a matrix with
    more than :data:`GRAM_LIMIT` entries, between the Rayleigh quotient ‖Wv‖/‖v‖ of the float top
    right singular vector v and ‖W‖_F."""
    A = np.atleast_2d(_np(W))
    if min(A.shape) == 1:
        return frobenius_ball(A), "‖w‖₂ of a vector, in ball arithmetic"
    Wa = _mat(A)
    if A.size <= GRAM_LIMIT:
        G = Wa.transpose() * Wa if A.shape[1] <= A.shape[0] else Wa * Wa.transpose()
        lam, how = lambda_min_ball(-G)
        return sqrt_ball(-lam), "‖W‖₂² = λ_max of the smaller Gram matrix in ball arithmetic; " + how
    _, _, Vt = np.linalg.svd(A, full_matrices=False)
    v = _mat(Vt[0].reshape(-1, 1))
    lo = sqrt_ball(_sum_squares((Wa * v).entries()) / _sum_squares(v.entries()))
    return interval(lo, frobenius_ball(Wa)), ("‖W‖₂ between the Rayleigh quotient ‖Wv‖/‖v‖ of a "
                                              "float singular vector and ‖W‖_F, in ball arithmetic")


def null_rayleigh_upper(F: arb_mat, side: str = "left") -> tuple[arb, str]:
    """An upper bound (a ball whose upper end bounds it) of the smallest eigenvalue of FFᵀ
    (``side="left"``) or FᵀF (``"right"``): the Rayleigh quotient ‖uᵀF‖²/‖u‖² (‖Fv‖²/‖v‖²) of the
    float singular vector of F's smallest singular value (a null vector when F is rank
    deficient), in ball arithmetic."""
    M = np.array([float(x) for x in F.mid().entries()]).reshape(F.nrows(), F.ncols())
    U, _, Vt = np.linalg.svd(M, full_matrices=True)
    if side == "left":
        u = _mat(U[:, -1].reshape(1, -1))
        num, den = _sum_squares((u * F).entries()), _sum_squares(u.entries())
    else:
        v = _mat(Vt[-1].reshape(-1, 1))
        num, den = _sum_squares((F * v).entries()), _sum_squares(v.entries())
    return num / den, (f"Rayleigh quotient of a float {'left' if side == 'left' else 'right'} "
                       "singular vector, in ball arithmetic")


# -- Theorem 2.2 at θ0 ------------------------------------------------------------------------
@dataclass
class Enclosure:
    """Balls containing the exact quantities of Theorem 2.2 at an exact float64 θ0."""
    L: int
    N: int
    n_last: int
    alpha0: arb            # σ_min(F_{L−1}(θ0))
    norms: list            # ‖W_l^0‖₂, l = 1..L
    C: list                # the constants C_l (exact floats as balls)
    norm_X: arb            # ‖X‖_F
    s2p: arb               # √(2Φ(θ0)) = ‖F_L(θ0) − Y‖_F
    digest: str            # of X, Y, W_1..W_L, C
    seconds: float
    method: str

    @property
    def lam(self) -> list:
        """λ̄_l = ‖W_l^0‖₂ + C_l (6)."""
        return [n + c for n, c in zip(self.norms, self.C)]

    def prod(self, i: int, j: int) -> arb:
        """λ̄_{i→j} (1-based, inclusive; 1 when i > j)."""
        p = arb(1)
        for v in self.lam[i - 1:j]:
            p *= v
        return p

    def quantities(self, eta: float | None = None) -> dict:
        """Balls of every side of (7)–(10), q1, q2 (with their prefactors), (9*), the literal
        chain's 8q2, and — given η — the one-step factors of the final chain."""
        with working_precision():
            L, lam, nX, s = self.L, self.lam, self.norm_X, self.s2p
            a2 = self.alpha0 * self.alpha0
            inv2 = [1 / (v * v) for v in lam]
            S_all = sum(inv2[1:], inv2[0])
            S_hid = sum(inv2[1:L - 1], inv2[0])
            P1L, P1L1 = self.prod(1, L), self.prod(1, L - 1)
            q1 = nX * nX * P1L * P1L * S_all
            q2 = nX * nX * P1L1 * P1L1 * lam[L - 1] * lam[L - 1] * S_hid
            r7 = ball_max([P1L / (lam[l] * self.C[l]) for l in range(L)])
            out = {"alpha0^2": a2, "alpha0^3": a2 * self.alpha0,
                   "rhs7": 16 * nX * r7 * s,
                   "rhs8": 32 * nX * nX * lam[L - 1] * P1L1 * P1L1 * S_hid * s,
                   "rhs9": 16 * nX * nX * lam[L - 1] * lam[L - 1] * P1L1 * S_hid,
                   "16q2": 16 * q2, "8q2": 8 * q2, "4q2": 4 * q2, "q1": q1, "q2": q2,
                   "eta10_second": q2 / (q1 * q1)}
            out["eta10"] = ball_min([8 / a2, out["eta10_second"]])
            if eta is not None:
                e = arb(float(eta))
                out["second-1"] = e * (2 * q2 - a2 / 4)
                out["literal-1"] = e * (e * q1 * q1 + 2 * q2 - a2 / 2)
            return out


def _exact_max(points) -> arb:
    """The largest of exact points (balls of radius 0), compared exactly."""
    points = list(points)
    m = points[0]
    for p in points[1:]:
        if p > m:
            m = p
    return m


def ball_max(xs) -> arb:
    """A ball containing max(x_1, …) for every choice of points in the balls."""
    return interval(_exact_max(x.lower() for x in xs), _exact_max(x.upper() for x in xs))


def ball_min(xs) -> arb:
    """A ball containing min(x_1, …) for every choice of points in the balls."""
    return interval(-_exact_max(-x.lower() for x in xs), -_exact_max(-x.upper() for x in xs))


def enclose_theorem22(model, params: dict, X, Y, C) -> Enclosure:
    """Balls of α0, ‖W_l^0‖₂, ‖X‖_F and √(2Φ(θ0)) at the exact float64 θ0 = ``params`` (the
    ball forward pass of :func:`forward_balls`), with the constants ``C`` (scalar or per layer,
    taken exactly)."""
    start = time.perf_counter()
    L = model.L
    Cs = np.broadcast_to(np.asarray(C, dtype=np.float64), (L,)).copy()
    arrays = [_np(X), _np(Y)] + [_np(params[f"W{l}"]) for l in range(1, L + 1)]
    with working_precision():
        F = forward_balls(params, X, L)
        alpha0, how_a = sigma_min_ball(F[L - 1])
        norms, hows = zip(*(norm2_ball(params[f"W{l}"]) for l in range(1, L + 1)))
        s2p = frobenius_ball(F[L] - _mat(arrays[1]))
        enc = Enclosure(L=L, N=arrays[0].shape[0], n_last=int(model.widths[L - 1]),
                        alpha0=alpha0, norms=list(norms), C=[arb(float(c)) for c in Cs],
                        norm_X=frobenius_ball(arrays[0]), s2p=s2p,
                        digest=certify.inputs_digest(*arrays, Cs), seconds=0.0,
                        method=("forward pass in ball arithmetic (ReLU of a straddling ball = "
                                f"[0, upper]); α0: {how_a}; ‖W_l‖₂: {hows[0]}"))
    enc.seconds = time.perf_counter() - start
    return enc


def decide(lhs: arb, rel: str, rhs: arb, statement: str, *, inputs: str, method: str,
           seconds: float = 0.0) -> Certificate:
    """A :class:`ntkbook.certify.Certificate` of ``lhs rel rhs`` (balls) by ball comparison
    (:func:`ntkbook.certify.compare`), with a readable statement, the enclosure's method and
    inputs digest and the time spent (``seconds`` plus the comparison's)."""
    c = certify.compare(lhs, rel, rhs)
    return dataclasses.replace(c, statement=statement, method=f"{method}; {c.method}",
                               inputs=inputs, seconds=seconds + c.seconds)


#: the relation each condition of Theorem 2.2 asserts: (name: (lhs key, rel, rhs key, text))
CONDITION_RELATIONS = {
    "eq7": ("alpha0^2", ">=", "rhs7", "(7): α0² ≥ 16‖X‖_F max_l λ̄_{1→L}/(λ̄_l C_l) √(2Φ(θ0))"),
    "eq8": ("alpha0^3", ">=", "rhs8", "(8): α0³ ≥ 32‖X‖_F² λ̄_L Σ_{l<L} λ̄²_{1→L−1}/λ̄_l² √(2Φ(θ0))"),
    "eq9": ("alpha0^2", ">=", "rhs9", "(9) as printed: α0² ≥ 16‖X‖_F² λ̄_L² Σ_{l<L} λ̄_{1→L−1}/λ̄_l²"),
    "eq9*": ("alpha0^2", ">=", "16q2", "(9*): α0² ≥ 16 q2"),
}
NEGATE = {">=": "<", ">": "<=", "<=": ">", "<": ">="}


def certify_condition(enc: Enclosure, name: str, *, eta: float | None = None,
                      broken: bool = False) -> Certificate:
    """The certificate of a hypothesis of Theorem 2.2 at the enclosed θ0: ``name`` one of
    "width" (n_{L−1} ≥ N, exact integers), "eq7", "eq8", "eq9", "eq9*" or "eq10" (η < (10),
    needs ``eta``). ``broken=True`` certifies the violation instead (a counterexample's finding)."""
    if name == "width":
        c = certify.compare(enc.n_last, "<" if broken else ">=", enc.N)
        return dataclasses.replace(
            c, statement=f"n_(L-1) = {enc.n_last} {'<' if broken else '≥'} N = {enc.N} (integers)",
            inputs=enc.digest)
    q = enc.quantities(eta)
    if name == "eq10":
        if eta is None:
            raise ValueError("condition (10) needs the step size eta")
        lhs, rel, rhs, text = arb(float(eta)), "<", q["eta10"], f"(10): η = {eta!r} < (10)"
    else:
        lk, rel, rk, text = CONDITION_RELATIONS[name]
        lhs, rhs = q[lk], q[rk]
    if broken:
        rel, text = NEGATE[rel], f"NOT {text}"
    return decide(lhs, rel, rhs, f"{text} at θ0 (exact float64 weights, digest {enc.digest})",
                  inputs=enc.digest, method=enc.method, seconds=enc.seconds)


def interval_bounds(x: arb) -> tuple[float, float]:
    """(lower, upper): floats rounded outward around a ball."""
    return certify.float_down(x), certify.float_up(x)


def bounds_table_rows(enc: Enclosure, eta: float | None = None) -> list:
    """(quantity, lower, upper) rows of an enclosure, for a page's table."""
    lu = interval_bounds
    rows = [("α0 = σ_min(F_(L−1)(θ0))", *lu(enc.alpha0))]
    rows += [(f"λ̄_{l + 1} = ‖W_{l + 1}‖₂ + C_{l + 1}", *lu(v)) for l, v in enumerate(enc.lam)]
    rows += [("‖X‖_F", *lu(enc.norm_X)), ("√(2Φ(θ0)) = ‖F_L(θ0) − Y‖_F", *lu(enc.s2p))]
    q = enc.quantities(eta)
    rows += [("(10): min(8/α0², q2/q1²)", *lu(q["eta10"]))]
    return rows


def exact_rank_certificate(statement: str, n_cols: int, N: int, inputs: str) -> Certificate:
    """The N-th singular value of an N×n matrix with n < N is 0 (rank ≤ n): exact, no numerics."""
    if not n_cols < N:
        raise ValueError(f"the rank argument needs fewer columns than rows ({n_cols} >= {N})")
    return Certificate("proved", statement, 0.0, 0.0,
                       f"exact: an N×n matrix with n = {n_cols} < N = {N} has rank ≤ n, so its "
                       "N-th singular value and the smallest eigenvalue of its N×N Gram matrix "
                       "are 0", inputs, 0.0)


__all__ = ["Enclosure", "enclose_theorem22", "certify_condition", "decide", "forward_balls",
           "relu_ball", "sigma_min_ball", "norm2_ball", "frobenius_ball", "lambda_min_ball",
           "null_rayleigh_upper", "interval", "ball_max", "ball_min", "sqrt_ball",
           "bounds_table_rows", "interval_bounds", "exact_rank_certificate", "GRAM_LIMIT"]


def exact_gd_losses(model, params: dict, X, Y, eta: float, steps: int) -> tuple[list, bool]:
    """Gradient descent θ_{k+1} = θ_k − η∇Φ(θ_k) in exact arithmetic, enclosed in ball arithmetic
    from the exact float64 θ0, X, Y, η: Φ(θ_k) as balls for k = 0..steps. The ReLU derivative
    needs the sign of every pre-activation: when a ball straddles 0 the enclosure stops (returns
    the losses so far and False)."""
    L = model.L
    Xa, Ya = _mat(_np(X)), _mat(_np(Y))
    W = [_mat(_np(params[f"W{l}"])) for l in range(1, L + 1)]
    e = arb(float(eta))
    zero = arb(0)
    phis = []
    for k in range(steps + 1):
        Fs, masks = [Xa], []
        for l in range(L - 1):
            P = Fs[-1] * W[l]
            ent = P.entries()
            if not all(x > 0 or x < 0 for x in ent):
                return phis, False
            masks.append([x > 0 for x in ent])
            Fs.append(arb_mat(P.nrows(), P.ncols(), [x if m else zero for x, m in zip(ent, masks[-1])]))
        R = Fs[-1] * W[L - 1] - Ya
        phis.append(_sum_squares(R.entries()) / 2)
        if k == steps:
            break
        grads = [None] * L
        grads[L - 1] = Fs[L - 1].transpose() * R
        B = R * W[L - 1].transpose()
        for l in range(L - 2, -1, -1):
            Bm = arb_mat(B.nrows(), B.ncols(),
                         [b if m else zero for b, m in zip(B.entries(), masks[l])])
            grads[l] = Fs[l].transpose() * Bm
            B = Bm * W[l].transpose()
        W = [w - e * g for w, g in zip(W, grads)]
    return phis, True


def certify_rate_exact_gd(model, params: dict, X, Y, eta: float, steps: int,
                          factor: float = 1.0, losses: list | None = None) -> Certificate:
    """(11) for gradient descent in exact arithmetic: Φ(θ_k) ≤ (1 − ηα0²/8)^k Φ(θ0) for
    k = 1..steps, from the exact float64 θ0 = ``params`` (α0 enclosed as in
    :func:`enclose_theorem22`, the iterates by :func:`exact_gd_losses`). ``factor`` multiplies the
    rate (> 1: a tightened rate, the negative control). Proved when every k is; disproved when
    some Φ(θ_k) provably exceeds its bound; undecided otherwise (or when a ReLU sign is not
    decided). [lower, upper] encloses the smallest bound − Φ(θ_k). ``losses``, if given, is a
    list that receives the loss balls."""
    start = time.perf_counter()
    with working_precision():
        L = model.L
        alpha0, how = sigma_min_ball(forward_balls(params, X, L)[L - 1])
        phis, complete = exact_gd_losses(model, params, X, Y, eta, steps)
        if losses is not None:
            losses.extend(phis)
        digest = certify.inputs_digest(_np(X), _np(Y), *(_np(params[f"W{l}"])
                                                         for l in range(1, L + 1)), float(eta))
        rate = 1 - arb(float(eta)) * alpha0 * alpha0 * float(factor) / 8
        slack = [rate ** k * phis[0] - phis[k] for k in range(1, len(phis))]
        worst = ball_min(slack) if slack else arb(0)
        text = (f"exact gradient descent from θ0 (digest {digest}), η = {eta!r}: "
                f"Φ(θ_k) ≤ (1 − {float(factor):g}·ηα0²/8)^k Φ(θ0) for k = 1..{steps}")
        c = decide(worst, ">=", arb(0), text, inputs=digest,
                   method=("gradient descent in ball arithmetic from the exact float64 θ0 "
                           f"(every ReLU sign decided); α0: {how}"),
                   seconds=time.perf_counter() - start)
        if not complete:
            c = dataclasses.replace(c, verdict="undecided" if c.verdict == "proved" else c.verdict,
                                    method=c.method + f"; stopped at k = {len(phis) - 1}: a "
                                    "pre-activation ball contains 0")
        return c

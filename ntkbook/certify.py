"""Rigorous certificates in ball arithmetic (python-flint's ``arb`` and ``arb_mat``).

A certificate is a proof about exact inputs. Every float64 input is taken exactly (a binary64
number is an exact ``arb``); every computation on it runs in ball arithmetic, whose balls contain
the exact real result; every verdict is *proved*, *disproved* or *undecided* and comes from a
comparison that ball arithmetic decides (``a >= b`` of two balls holds only when it holds for every
pair of points of the balls; when neither ``a >= b`` nor ``a < b`` holds the verdict is
*undecided*). No verdict is ever taken from a float comparison of approximations.

The eigenvalue test is Rump's verified Cholesky (Rump, BIT 46 (2006); INTLAB's ``isspd`` /
``verchol``), in its a-posteriori form: for any float matrix R (here the float64 Cholesky factor of
M − τI, M the float midpoint of A),

    A − τI = RᵀR − E,  E = RᵀR − (A − τI)   ⇒   λ_min(A) ≥ τ − ‖E‖₂ ≥ τ − ‖E‖_F     (Weyl),

since RᵀR ⪰ 0. E is evaluated in ball arithmetic (an ``arb_mat`` product of the exact float
matrices Rᵀ and R minus the ball matrix of A − τI), so the bound holds whatever LAPACK did and for
every symmetric matrix inside a ball matrix A. Upper bounds on λ_min come from Rayleigh quotients:
λ_min(A) ≤ vᵀAv / vᵀv for any vector v (here a float eigenvector), evaluated in ball arithmetic.

Working precision: :data:`PREC` bits (the ``arb_mat`` products of float64 matrices are then exact
up to radii ~2⁻¹⁰⁶ relative, and cost the same as at 53 bits); :func:`working_precision` sets it
and restores the caller's precision afterwards.
"""
from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral

import flint
import numpy as np
import scipy.linalg
from flint import arb, arb_mat

from .data import check_unit_norm
from .errors import AssumptionError, NonFiniteError

#: working precision (bits) of every ball computation of this module
PREC = 106
#: the relations :func:`certify_lambda_min` and :func:`compare` decide
RELATIONS = (">=", ">", "<=", "<")
VERDICTS = ("proved", "disproved", "undecided")
#: unit roundoff of binary64
_U = 2.0 ** -53
#: the heuristic shift δ of Rump's test is this many times u·Σ|a_ii − t| (an estimate of ‖E‖_F;
#: any δ is rigorous, it only decides how often the test succeeds)
_SHIFT_FACTOR = 8.0
#: attempts of :func:`lambda_min_enclosure` (the shift grows 16-fold after a failed Cholesky)
_ENCLOSURE_TRIES = 6

_RUMP = ("Rump's verified Cholesky (BIT 2006): float64 Cholesky RᵀR of A − τI, residual "
         "E = RᵀR − (A − τI) in ball arithmetic, λ_min(A) ≥ τ − ‖E‖_F (Weyl)")
_RAYLEIGH = "Rayleigh quotient vᵀAv/vᵀv ≥ λ_min(A) of a float eigenvector v, in ball arithmetic"


@dataclass(frozen=True)
class Certificate:
    """The outcome of one rigorous check: ``verdict`` on ``statement``, with rigorous bounds
    [``lower``, ``upper``] (float, rounded outward; None when not computed) of the certified
    quantity, the technique (``method``) and the digest of the exact inputs (``inputs``)."""
    verdict: str
    statement: str
    lower: float | None
    upper: float | None
    method: str
    inputs: str
    seconds: float

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    @property
    def proved(self) -> bool:
        return self.verdict == "proved"

    @property
    def disproved(self) -> bool:
        return self.verdict == "disproved"

    @property
    def undecided(self) -> bool:
        return self.verdict == "undecided"

    def as_dict(self) -> dict:
        """A JSON-serialisable dict of the fields (what the ledger stores)."""
        return dataclasses.asdict(self)


# ---------------------------------------------------------------------------------------------
# precision, conversions, digests


@contextmanager
def working_precision(prec: int = PREC, threads: int | None = None):
    """Set flint's working precision (bits) and threads for a block; restore both afterwards."""
    ctx = flint.ctx
    old_prec, old_threads = ctx.prec, ctx.threads
    try:
        ctx.prec = int(prec)
        ctx.threads = int(threads) if threads is not None else _cores()
        yield
    finally:
        ctx.prec, ctx.threads = old_prec, old_threads


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:                                  # not on Linux
        return max(1, os.cpu_count() or 1)


def ball(x) -> arb:
    """``x`` as an ``arb`` ball: exact for a float, an int, an ``arb`` (returned as is) or a
    Fraction whose value is a binary number; otherwise (e.g. Fraction(1, 3)) the ball of the
    rational at the working precision, which contains it. Complex numbers raise TypeError,
    NaN and ±inf raise ValueError (:class:`ntkbook.errors.NonFiniteError`)."""
    if isinstance(x, arb):
        if not x.is_finite():
            raise NonFiniteError("ball", assumption="a finite ball (not NaN, not unbounded)")
        return x
    if isinstance(x, (complex, np.complexfloating, flint.acb)):
        raise TypeError(f"a certificate compares real numbers; got the complex number {x!r}")
    if isinstance(x, bool):
        raise TypeError("a certificate compares numbers; got a bool")
    if isinstance(x, (Integral, flint.fmpz)):
        return arb(int(x))
    if isinstance(x, Fraction):
        return arb(flint.fmpq(x.numerator, x.denominator))
    if isinstance(x, flint.fmpq):
        return arb(x)
    if isinstance(x, (float, np.floating)):
        if not math.isfinite(x):
            raise NonFiniteError(f"the number {x!r}", assumption="finite numbers")
        return arb(float(x))
    if isinstance(x, np.ndarray) and x.ndim == 0:
        return ball(x.item())
    raise TypeError(f"cannot take {type(x).__name__} {x!r} exactly as a real number "
                    "(expected float, int, Fraction or flint.arb)")


def _exact_float64(x, name: str, *, allow_nonfinite: bool = False) -> np.ndarray:
    """``x`` as a C-contiguous float64 array holding exactly the same numbers: complex input
    raises TypeError, an inexact conversion (e.g. an int above 2⁵³) ValueError, NaN/inf
    :class:`ntkbook.errors.NonFiniteError` (unless ``allow_nonfinite``)."""
    if hasattr(x, "detach") and hasattr(x, "is_complex"):            # a torch tensor
        if x.is_complex():
            raise TypeError(f"{name} is complex; a certificate is about real matrices")
        x = x.detach().cpu().numpy()
    raw = np.asarray(x)
    if np.iscomplexobj(raw):
        raise TypeError(f"{name} is complex ({raw.dtype}); a certificate is about real matrices")
    if raw.dtype == object or raw.dtype.kind not in "biuf":
        raise TypeError(f"{name} has dtype {raw.dtype}; expected real numbers")
    A = np.ascontiguousarray(raw, dtype=np.float64)
    if raw.dtype != np.float64:
        same = A.astype(raw.dtype) == raw
        if raw.dtype.kind == "f":
            same |= np.isnan(raw)
        if not np.all(same):
            raise ValueError(f"{name} ({raw.dtype}) is not exactly representable in float64; "
                             "a certificate is about exact inputs")
    if not allow_nonfinite and not np.all(np.isfinite(A)):
        raise NonFiniteError(name, int(np.sum(~np.isfinite(A))))
    return A


def _matrix(A, name: str = "A") -> np.ndarray:
    M = _exact_float64(A, name)
    if M.ndim != 2 or M.size == 0:
        raise AssumptionError(f"{name} is a non-empty matrix", f"got shape {M.shape}")
    return M


def _symmetric(A, name: str = "A") -> np.ndarray:
    """A square float64 matrix equal to its transpose entry for entry (no tolerance)."""
    M = _matrix(A, name)
    if M.shape[0] != M.shape[1]:
        raise AssumptionError(f"{name} is square (λ_min of a symmetric matrix)",
                              f"got shape {M.shape}")
    if not np.array_equal(M, M.T):
        i, j = np.unravel_index(np.argmax(np.abs(M - M.T)), M.shape)
        raise AssumptionError(f"{name} is exactly symmetric (the certificate is about these "
                              "exact numbers)",
                              f"{name}[{i},{j}] = {M[i, j]!r} != {name}[{j},{i}] = {M[j, i]!r}")
    return M


def _digest_token(x) -> bytes:
    if isinstance(x, str):
        return f"str:{x}".encode()
    if isinstance(x, arb):
        return f"arb:{x.mid().man_exp()}+-{x.rad().man_exp()}".encode()
    if isinstance(x, Fraction):
        return f"fraction:{x.numerator}/{x.denominator}".encode()
    if isinstance(x, flint.fmpq):
        return f"fraction:{x.p}/{x.q}".encode()
    if isinstance(x, (Integral, flint.fmpz)) and not isinstance(x, bool):
        return f"int:{int(x)}".encode()
    A = _exact_float64(x, "input", allow_nonfinite=True)
    return f"float64{A.shape}:".encode() + A.tobytes()


def inputs_digest(*arrays) -> str:
    """sha256 (first 16 hex digits) of the exact inputs: for each, dtype float64, shape and the
    bytes of the C-contiguous array (ints, Fractions and arb balls by their exact value)."""
    h = hashlib.sha256()
    for x in arrays:
        token = _digest_token(x)
        h.update(len(token).to_bytes(8, "little"))
        h.update(token)
    return h.hexdigest()[:16]


def _arb_mat(A: np.ndarray) -> arb_mat:
    """The exact ball matrix of a float64 matrix (binary64 numbers are exact arb midpoints)."""
    return arb_mat(A.shape[0], A.shape[1], A.ravel().tolist())


def float_down(x: arb) -> float | None:
    """The largest float ≤ every point of the ball (None for NaN or an unbounded ball)."""
    if not x.is_finite():
        return None
    lo = x.lower()
    f = float(lo)
    if arb(f) > lo:
        f = math.nextafter(f, -math.inf)
    return f if math.isfinite(f) else None


def float_up(x: arb) -> float | None:
    """The smallest float ≥ every point of the ball (None for NaN or an unbounded ball)."""
    if not x.is_finite():
        return None
    hi = x.upper()
    f = float(hi)
    if arb(f) < hi:
        f = math.nextafter(f, math.inf)
    return f if math.isfinite(f) else None


def _fmt(x) -> str:
    return repr(float(x)) if isinstance(x, (float, np.floating)) else str(x)


# ---------------------------------------------------------------------------------------------
# the two ball-arithmetic building blocks: Rump's lower bound, the Rayleigh upper bound


def _frobenius_upper(E: arb_mat) -> arb:
    """An exact ``arb`` ≥ ‖E‖_F for every matrix inside the ball matrix E: the square root of
    Σ_ij (upper bound of |E_ij|)², summed in ball arithmetic."""
    s = arb(0)
    for e in E.entries():
        a = e.abs_upper()
        s += a * a
    return s.upper().sqrt().upper()


def _shift(M: np.ndarray, t: float) -> float:
    """Rump's shift δ ≈ ‖E‖_F, a heuristic 8·u·Σ_i |m_ii − t| (Demmel's a-priori bound on the
    Cholesky residual is (n+1)·u·Σ_i (m_ii − t); observed residuals are ~u·Σ_i (m_ii − t)), and
    at least 4 ulps of t, so that t ± δ is a float distinct from t."""
    return (_SHIFT_FACTOR * _U * float(np.sum(np.abs(np.diag(M) - t)))
            + 4.0 * float(np.spacing(abs(t))) + 1e-300)


def _rump_lower(B: arb_mat, M: np.ndarray, tau: float) -> arb | None:
    """Rump's test at the float shift τ: a rigorous lower bound τ − ‖RᵀR − (A − τI)‖_F of λ_min(A)
    for every symmetric A inside the ball matrix B, with R the float64 Cholesky factor of M − τI
    (M a float midpoint of B). None when the float Cholesky breaks down."""
    n = M.shape[0]
    try:
        R = scipy.linalg.cholesky(M - tau * np.eye(n), lower=False, check_finite=False)
    except (np.linalg.LinAlgError, ValueError):
        return None
    if not np.all(np.isfinite(R)):
        return None
    Ra = _arb_mat(R)
    E = Ra.transpose() * Ra - B                                  # RᵀR − A
    for i in range(n):
        E[i, i] += tau                                          # RᵀR − (A − τI)
    lower = arb(tau) - _frobenius_upper(E)
    return lower if lower.is_finite() else None


def _rayleigh(B: arb_mat, v: np.ndarray) -> arb:
    """The ball vᵀAv / vᵀv for every A inside B (v exact floats): it contains a point ≥ λ_min(A)
    and ≤ λ_max(A) for each such symmetric A (Rayleigh–Ritz)."""
    va = _arb_mat(np.ascontiguousarray(v, dtype=np.float64).reshape(-1, 1))
    vt = va.transpose()
    return (vt * (B * va))[0, 0] / (vt * va)[0, 0]


def _eigpair(M: np.ndarray, which: str) -> tuple[float, np.ndarray]:
    """Float64 eigenpair of the smallest (``"min"``) or largest (``"max"``) eigenvalue of M."""
    n = M.shape[0]
    k = 0 if which == "min" else n - 1
    w, V = scipy.linalg.eigh(M, subset_by_index=[k, k], check_finite=False)
    if w.size == 0:                      # LAPACK's dsyevr can return no pair for singular input
        w, V = scipy.linalg.eigh(M, check_finite=False)
        w, V = w[k:k + 1], V[:, k:k + 1]
    return float(w[0]), V[:, 0]


def midpoint(B: arb_mat) -> np.ndarray:
    """A float64 symmetric midpoint of a ball matrix (upper triangle of the rounded midpoints,
    mirrored); any float matrix is allowed here, rigour comes from the residual against B."""
    n = B.nrows()
    M = np.array([float(x) for x in B.mid().entries()], dtype=np.float64).reshape(n, B.ncols())
    return np.triu(M) + np.triu(M, 1).T


def ball_lambda_min_enclosure(B: arb_mat, M: np.ndarray) -> tuple[arb, arb, str]:
    """(lo, hi, how) with lo ≤ λ_min(A) ≤ hi for every symmetric A inside the ball matrix B:
    lo from Rump's test at τ = λ̂ − 2δ (λ̂ the float λ_min of the midpoint M; the shift grows
    16-fold after a failed Cholesky, then falls back to −‖B‖_F), hi the Rayleigh quotient of λ̂'s
    float eigenvector."""
    lam, v = _eigpair(M, "min")
    hi = _rayleigh(B, v)
    delta = _shift(M, lam)
    for k in range(_ENCLOSURE_TRIES):
        tau = lam - 2.0 * delta * 16.0 ** k
        lo = _rump_lower(B, M, tau)
        if lo is not None:
            return lo, hi, f"{_RUMP} at τ = {tau!r}; upper: {_RAYLEIGH}"
    lo = -_frobenius_upper(B)
    return lo, hi, f"λ_min(A) ≥ −‖A‖_F (every Cholesky failed); upper: {_RAYLEIGH}"


def _decide(lo: arb, hi: arb, rel: str, t: arb) -> str:
    """The verdict on ``λ rel t`` when lo ≤ λ ≤ hi, decided by ball comparisons only."""
    if rel == ">=":
        return "proved" if lo >= t else "disproved" if hi < t else "undecided"
    if rel == ">":
        return "proved" if lo > t else "disproved" if hi <= t else "undecided"
    if rel == "<=":
        return "proved" if hi <= t else "disproved" if lo > t else "undecided"
    if rel == "<":
        return "proved" if hi < t else "disproved" if lo >= t else "undecided"
    raise ValueError(f"relation must be one of {RELATIONS}, got {rel!r}")


def _check_rel(rel: str) -> None:
    if rel not in RELATIONS:
        raise ValueError(f"relation must be one of {RELATIONS}, got {rel!r}")


# ---------------------------------------------------------------------------------------------
# eigenvalues of exact float matrices


def lambda_min_lower(A, t) -> Certificate:
    """Prove λ_min(A) ≥ t for the exact symmetric float64 matrix A (Rump's verified Cholesky at
    τ = t + δ: λ_min(A) ≥ τ − ‖RᵀR − (A − τI)‖_F ≥ t). When the float Cholesky breaks down, a
    Rayleigh quotient of a float eigenvector below t *disproves* it; otherwise *undecided*.
    A must be exactly symmetric (else :class:`ntkbook.errors.AssumptionError`, a ValueError)."""
    start = time.perf_counter()
    M = _symmetric(A)
    digest = inputs_digest(M, t)
    statement = f"λ_min(A) ≥ {_fmt(t)}"
    with working_precision():
        tb = ball(t)
        B = _arb_mat(M)
        tf = float_up(tb)
        lo = _rump_lower(B, M, tf + _shift(M, tf))
        if lo is not None and lo >= tb:
            return Certificate("proved", statement, float_down(lo), None, _RUMP,
                               digest, time.perf_counter() - start)
        lam, v = _eigpair(M, "min")
        hi = _rayleigh(B, v)
        verdict = "disproved" if hi < tb else "undecided"
        method = f"{_RUMP}; upper: {_RAYLEIGH}"
        if lo is None:
            method += " — the float Cholesky of A − τI broke down"
        return Certificate(verdict, statement, None if lo is None else float_down(lo),
                           float_up(hi), method, digest, time.perf_counter() - start)


def lambda_min_enclosure(A) -> tuple[float, float]:
    """A rigorous [lo, hi] ∋ λ_min(A) for the exact symmetric float64 matrix A: lo by Rump's
    verified Cholesky at τ = λ̂ − 2δ (λ̂ = float λ_min, δ ≈ the Cholesky residual; retried with a
    larger shift if the float Cholesky breaks down), hi = vᵀAv / vᵀv of the float eigenvector v,
    in ball arithmetic. lo is rounded down, hi up."""
    M = _symmetric(A)
    with working_precision():
        lo, hi, _ = ball_lambda_min_enclosure(_arb_mat(M), M)
        return float_down(lo), float_up(hi)


def certify_lambda_min(A, rel: str, t) -> Certificate:
    """Decide ``λ_min(A) rel t`` (rel in ">=", ">", "<=", "<") from the rigorous enclosure
    lo ≤ λ_min(A) ≤ hi of :func:`lambda_min_enclosure`: *proved* when the enclosure lies on the
    claimed side, *disproved* when it proves the opposite, *undecided* when t is inside it."""
    start = time.perf_counter()
    _check_rel(rel)
    M = _symmetric(A)
    with working_precision():
        tb = ball(t)
        lo, hi, method = ball_lambda_min_enclosure(_arb_mat(M), M)
        verdict = _decide(lo, hi, rel, tb)
        return Certificate(verdict, f"λ_min(A) {rel} {_fmt(t)}", float_down(lo), float_up(hi),
                           method, inputs_digest(M, rel, t),
                           time.perf_counter() - start)


# ---------------------------------------------------------------------------------------------
# singular values and norms: Gram matrices in ball arithmetic


def _small_gram(F: np.ndarray) -> tuple[arb_mat, str]:
    """The smaller of the Gram matrices FᵀF and FFᵀ as an ``arb_mat`` product of the exact
    float matrices (its eigenvalues are the squares of the min(m, k) singular values of F)."""
    Fa = _arb_mat(F)
    if F.shape[1] <= F.shape[0]:
        return Fa.transpose() * Fa, "FᵀF"
    return Fa * Fa.transpose(), "FFᵀ"


def sigma_min_lower(F, s) -> Certificate:
    """Prove σ_min(F) ≥ s, σ_min the min(m, k)-th singular value of the m×k float64 matrix F,
    through λ_min(G) ≥ s² for G = FᵀF or FFᵀ (whichever is smaller), G enclosed in ball
    arithmetic (``arb_mat`` product, never a float Gram) and Rump's verified Cholesky on the ball
    matrix G. When not proved, the Rayleigh quotient of G's float eigenvector, below s², disproves
    it. Squaring halves the digits: σ_min/σ_max below ~1e-7 is undecided."""
    start = time.perf_counter()
    Fm = _matrix(F, "F")
    digest = inputs_digest(Fm, s)
    statement = f"σ_min(F) ≥ {_fmt(s)}"
    with working_precision():
        sb = ball(s)
        if sb <= 0:
            return Certificate("proved", statement, 0.0, None, "σ_min(F) ≥ 0 ≥ s", digest,
                               time.perf_counter() - start)
        G, which = _small_gram(Fm)
        M = midpoint(G)
        s2 = sb * sb
        tf = float_up(s2)
        lo = _rump_lower(G, M, tf + _shift(M, tf))
        method = f"σ_min(F)² = λ_min({which}) with {which} in ball arithmetic; {_RUMP}"
        if lo is not None and lo >= s2:
            return Certificate("proved", statement, float_down(_sqrt_lower(lo)), None, method,
                               digest, time.perf_counter() - start)
        lam, v = _eigpair(M, "min")
        hi = _rayleigh(G, v)
        verdict = "disproved" if hi < s2 else "undecided"
        return Certificate(verdict, statement,
                           None if lo is None else float_down(_sqrt_lower(lo)),
                           float_up(_sqrt_upper(hi)), f"{method}; upper: {_RAYLEIGH}",
                           digest, time.perf_counter() - start)


def _sqrt_lower(x: arb) -> arb:
    """A ball whose lower end is ≤ sqrt(y) for every y ≥ 0 in x (0 when x reaches below 0)."""
    lo = x.lower()
    return lo.sqrt() if lo > 0 else arb(0)


def _sqrt_upper(x: arb) -> arb:
    """A ball whose upper end is ≥ sqrt(y) for every y ≥ 0 in x."""
    hi = x.upper()
    return hi.sqrt() if hi > 0 else arb(0)


def norm2_upper(A, u) -> Certificate:
    """Prove ‖A‖₂ ≤ u for the float64 matrix A: first the cheap ‖A‖₂ ≤ ‖A‖_F (in ball
    arithmetic), then λ_min(u²I − G) ≥ 0 with G = AᵀA or AAᵀ (the smaller) enclosed in ball
    arithmetic and Rump's verified Cholesky on the ball matrix u²I − G. When not proved,
    ‖Av‖/‖v‖ > u for G's top float eigenvector v (a Rayleigh quotient) disproves it."""
    start = time.perf_counter()
    Am = _matrix(A)
    digest = inputs_digest(Am, u)
    statement = f"‖A‖₂ ≤ {_fmt(u)}"
    with working_precision():
        ub = ball(u)
        fro = _frobenius_upper(_arb_mat(Am))
        if fro <= ub:
            return Certificate("proved", statement, None, float_up(fro),
                               "‖A‖₂ ≤ ‖A‖_F, the Frobenius norm in ball arithmetic", digest,
                               time.perf_counter() - start)
        if ub < 0:
            return Certificate("disproved", statement, 0.0, float_up(fro), "‖A‖₂ ≥ 0 > u",
                               digest, time.perf_counter() - start)
        G, which = _small_gram(Am)
        B = -G
        u2 = ub * ub
        for i in range(B.nrows()):
            B[i, i] += u2                                         # u²I − G
        M = midpoint(B)
        lo = _rump_lower(B, M, _shift(M, 0.0))
        method = (f"‖A‖₂² = λ_max({which}); λ_min(u²I − {which}) ≥ 0 with {which} in ball "
                  f"arithmetic; {_RUMP}")
        if lo is not None and lo >= 0:
            upper = float_up(_sqrt_upper(u2 - lo))
            return Certificate("proved", statement, None, upper, method, digest,
                               time.perf_counter() - start)
        lam, v = _eigpair(midpoint(G), "max")
        top = _rayleigh(G, v)                                     # ≤ λ_max(G) = ‖A‖₂²
        verdict = "disproved" if top > u2 else "undecided"
        return Certificate(verdict, statement, float_down(_sqrt_lower(top)), float_up(fro),
                           f"{method}; lower: Rayleigh quotient ‖Av‖²/‖v‖² ≤ ‖A‖₂² of a float "
                           "singular vector v, in ball arithmetic", digest,
                           time.perf_counter() - start)


# ---------------------------------------------------------------------------------------------
# Du et al.'s H∞ and the arc-cosine kernel as ball matrices


def _rows(X) -> np.ndarray:
    A = _matrix(X, "X")
    if np.any(np.all(A == 0, axis=1)):
        raise AssumptionError("non-zero inputs", "a row of X is the zero vector")
    return A


def _stable_angle(g: arb, nn: arb) -> arb:
    """θ = 2·atan2(√(‖x_i‖‖x_j‖ − g), √(‖x_i‖‖x_j‖ + g)) (= 2·atan2(‖u_i − u_j‖, ‖u_i + u_j‖) of
    the unit vectors, the form of :func:`ntkbook.kernels.angles`): finite where the ball of
    arccos(g/‖x_i‖‖x_j‖) is not, for (nearly) parallel inputs, since the arguments are clipped to
    their non-negative parts (Cauchy–Schwarz)."""
    return 2 * arb.atan2((nn - g).nonnegative_part().sqrt(), (nn + g).nonnegative_part().sqrt())


def _angular_ball(X: np.ndarray, kernel: str) -> arb_mat:
    """The ball matrix of an angular kernel of the exact rows of X, from g = XXᵀ (an ``arb_mat``
    product of the exact inputs) and θ_ij = arccos(g_ij / (‖x_i‖‖x_j‖)) (:func:`_stable_angle`
    where that ball is not finite), i < j computed and mirrored:

    * ``"h"``:  H∞_ij = g_ij (π − θ_ij)/(2π) = g_ij (1/2 − θ_ij/(2π));
    * ``"arccos1"``: K_ij = (‖x_i‖‖x_j‖ sin θ_ij + g_ij (π − θ_ij))/(2π);

    the diagonal is ‖x_i‖²/2 = g_ii/2 for both (θ_ii = 0)."""
    n = X.shape[0]
    Xa = _arb_mat(X)
    G = (Xa * Xa.transpose()).tolist()
    norms = [G[i][i].sqrt() for i in range(n)]
    pi = arb.pi()
    inv_2pi = 1 / (2 * pi)
    half = arb(0.5)
    K = [[None] * n for _ in range(n)]
    for i in range(n):
        gi, ki, ni = G[i], K[i], norms[i]
        ki[i] = gi[i] * half
        for j in range(i + 1, n):
            g = gi[j]
            nn = ni * norms[j]
            theta = (g / nn).acos()
            if not theta.is_finite():               # |cos| ball reaches 1: nearly parallel
                theta = _stable_angle(g, nn)
            if kernel == "h":
                kij = g * (half - theta * inv_2pi)
            else:
                kij = (nn * theta.sin() + g * (pi - theta)) * inv_2pi
            ki[j] = kij
            K[j][i] = kij
    return arb_mat(K)


def h_infinity_ball(X, *, require_unit_norm: bool = True) -> arb_mat:
    """Du et al. 2019, eq. (3) / Assumption 3.1 as a ball matrix: H∞_ij = x_iᵀx_j (π − θ_ij)/(2π),
    θ_ij = arccos(x_iᵀx_j / (‖x_i‖‖x_j‖)), evaluated entry by entry in ball arithmetic on the
    exact float rows (arb's acos and π); diagonal ‖x_i‖²/2. Conventions of
    :func:`ntkbook.kernels.h_infinity` (unit-norm rows required unless
    ``require_unit_norm=False``; zero rows rejected)."""
    A = _rows(X)
    if require_unit_norm:
        check_unit_norm(A)
    with working_precision():
        return _angular_ball(A, "h")


def arccos1_ball(X) -> arb_mat:
    """The kernel of :func:`ntkbook.kernels.arccos1` as a ball matrix:
    K_ij = ‖x_i‖‖x_j‖ (sin θ_ij + (π − θ_ij) cos θ_ij)/(2π) (half of Cho & Saul's degree-1
    arc-cosine kernel), with ‖x_i‖‖x_j‖ cos θ_ij = x_iᵀx_j; diagonal ‖x_i‖²/2; any non-zero rows."""
    A = _rows(X)
    with working_precision():
        return _angular_ball(A, "arccos1")


def lambda0_certificate(X, t=None, *, require_unit_norm: bool = True) -> Certificate:
    """Certify λ0 = λ_min(H∞(X)) > 0 (``t=None``; Du et al. 2019, Assumption 3.1 / Thm 3.1) or
    λ0 ≥ t. H∞ is enclosed as a ball matrix (:func:`h_infinity_ball`); Rump's verified Cholesky
    runs on its float midpoint M − τI (τ = λ̂ − 2δ) with the residual RᵀR − (H∞ − τI) taken
    against the ball matrix itself, so ‖E‖_F ≤ ‖RᵀR − (M − τI)‖_F + ‖H∞ − M‖_F covers both the
    Cholesky residual and the entry radii, for every matrix inside the ball. The upper bound is a
    Rayleigh quotient of the ball matrix. [lower, upper] encloses λ0."""
    start = time.perf_counter()
    Xm = _rows(X)
    if t is not None:
        ball(t)                                    # reject a complex / NaN t before the work
    statement = "λ0 = λ_min(H∞(X)) > 0" if t is None else f"λ0 = λ_min(H∞(X)) ≥ {_fmt(t)}"
    digest = inputs_digest(Xm) if t is None else inputs_digest(Xm, t)
    H = h_infinity_ball(Xm, require_unit_norm=require_unit_norm)
    with working_precision():
        tb = None if t is None else ball(t)
        lo, hi, method = ball_lambda_min_enclosure(H, midpoint(H))
        verdict = _decide(lo, hi, ">", arb(0)) if tb is None else _decide(lo, hi, ">=", tb)
        return Certificate(verdict, statement, float_down(lo), float_up(hi),
                           "H∞ entry by entry in ball arithmetic (arb acos, π); " + method,
                           digest, time.perf_counter() - start)


# ---------------------------------------------------------------------------------------------
# scalars


def compare(lhs, rel: str, rhs) -> Certificate:
    """Decide ``lhs rel rhs`` for exact numbers or balls (float, int, Fraction, flint.arb), by
    ball comparisons only: *proved* when it holds for every point of the balls, *disproved* when
    its negation does, *undecided* when the balls overlap. [lower, upper] encloses lhs − rhs."""
    start = time.perf_counter()
    _check_rel(rel)
    with working_precision():
        a, b = ball(lhs), ball(rhs)
        d = a - b
        verdict = _decide(a, a, rel, b)
        return Certificate(verdict, f"{_fmt(lhs)} {rel} {_fmt(rhs)}", float_down(d),
                           float_up(d), "ball comparison (arb), bounds on lhs − rhs",
                           inputs_digest(lhs, rel, rhs),
                           time.perf_counter() - start)

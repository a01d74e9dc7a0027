"""ntkbook.certify: rigorous certificates in ball arithmetic (issue 21).

Matrices with known spectra are Q diag(λ) Qᵀ (Q from a seeded QR); the float matrix is not exactly
that spectrum, so the tests compare with margins far above rounding (λ(1 ∓ 1e-6)) or with the
certified enclosure itself. The negative controls: a false inequality is disproved, one tighter
than the enclosure is undecided, and a perturbed counterexample is never proved.
"""
from __future__ import annotations

import json
import math
from fractions import Fraction

import flint
import numpy as np
import pytest
import torch
from flint import arb
from hypothesis import given, settings
from hypothesis import strategies as st

from ntkbook import certify, data, kernels
from ntkbook.config import to_numpy
from ntkbook.du2019.h_infinity import antipodal_data

FAST = settings(max_examples=25, deadline=None, derandomize=True)


def orthogonal(n: int, seed: int) -> np.ndarray:
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
    return Q


def with_spectrum(lam, seed: int = 0) -> np.ndarray:
    """Q diag(λ) Qᵀ, exactly symmetric in float64."""
    Q = orthogonal(len(lam), seed)
    A = (Q * np.asarray(lam, dtype=np.float64)) @ Q.T
    return (A + A.T) / 2


def with_singular_values(sigma, m: int, k: int, seed: int = 0) -> np.ndarray:
    """U diag(σ) Vᵀ of shape m×k with the min(m, k) singular values σ."""
    r = min(m, k)
    U = orthogonal(m, seed)[:, :r]
    V = orthogonal(k, seed + 1)[:, :r]
    return (U * np.asarray(sigma, dtype=np.float64)) @ V.T


spectra = st.lists(st.floats(0.01, 100.0), min_size=2, max_size=16)


# --- eigenvalues of exact float matrices -----------------------------------------------------

@FAST
@given(lam=spectra, seed=st.integers(0, 2 ** 16))
def test_proves_t_below_known_lambda_min(lam, seed):
    A = with_spectrum(lam, seed)
    t = min(lam) * (1 - 1e-6)
    cert = certify.lambda_min_lower(A, t)
    assert cert.proved, cert
    assert cert.lower >= t
    assert certify.certify_lambda_min(A, ">=", t).proved
    assert certify.certify_lambda_min(A, "<", t).disproved


@FAST
@given(lam=spectra, seed=st.integers(0, 2 ** 16))
def test_enclosure_contains_known_lambda_min_and_is_tight(lam, seed):
    A = with_spectrum(lam, seed)
    lo, hi = certify.lambda_min_enclosure(A)
    scale = max(lam) * len(lam) * 1e-13              # how far the float matrix may have moved λ
    assert lo <= hi
    assert lo <= min(lam) + scale and hi >= min(lam) - scale
    assert hi - lo <= scale


@FAST
@given(lam=spectra, seed=st.integers(0, 2 ** 16))
def test_disproves_t_above_lambda_min(lam, seed):
    A = with_spectrum(lam, seed)
    t = min(lam) * (1 + 1e-6)
    assert certify.lambda_min_lower(A, t).disproved
    cert = certify.certify_lambda_min(A, ">=", t)
    assert cert.disproved and cert.upper < t
    assert certify.certify_lambda_min(A, "<", t).proved


def test_undecided_inside_the_enclosure():
    A = with_spectrum(np.geomspace(0.1, 10, 12), seed=3)
    lo, hi = certify.lambda_min_enclosure(A)
    mid = (lo + hi) / 2
    assert lo < mid < hi
    for rel in certify.RELATIONS:
        assert certify.certify_lambda_min(A, rel, mid).undecided, rel
    lam_float = kernels.lambda_min(A)
    assert not certify.certify_lambda_min(A, ">=", lam_float).proved   # lo < float λ_min


def test_undecided_at_the_float_lambda_min_of_an_exact_spectrum():
    """diag(λ) has λ_min exactly λ_1: '≥ λ_1' and '≥ λ_1(1 − 1e-14)' are true but tighter than
    the enclosure (its width is ≥ 16·n·u·λ_1), so they must be undecided, not proved."""
    lam = np.array([0.5, 0.75, 1.0, 2.0, 3.0, 8.0])
    A = np.diag(lam)
    for t in (0.5, 0.5 * (1 - 1e-14)):
        assert certify.certify_lambda_min(A, ">=", t).undecided
        assert not certify.certify_lambda_min(A, "<", t).proved


def test_never_proves_a_perturbed_counterexample():
    """'λ_min < t' is proved for A, then A is shifted so that λ_min moves just above t: the
    same claim must never be proved (the exact answer is now false)."""
    lam = np.array([1.0, 1.5, 2.0, 4.0])
    t = 1.0 + 1e-6
    for A in (np.diag(lam), with_spectrum(lam, seed=7)):
        assert certify.certify_lambda_min(A, "<", t).proved
        assert certify.lambda_min_lower(A, t).disproved
        for shift in (2e-6, 1.01e-6):
            B = A + shift * np.eye(4)
            assert certify.certify_lambda_min(B, "<", t).verdict != "proved"
            assert certify.certify_lambda_min(B, "<=", t).verdict != "proved"
    # the tightest case: an exact spectrum whose λ_min is the next float above t
    C = np.diag([math.nextafter(t, 2.0), 1.5, 2.0])
    for rel in ("<", "<="):
        assert certify.certify_lambda_min(C, rel, t).verdict != "proved"
    assert certify.certify_lambda_min(C, ">=", t).verdict != "disproved"


@pytest.mark.parametrize("bad, exc, words", [
    (np.array([[1.0, 2.0], [2.0 + 2 ** -51, 1.0]]), ValueError, "symmetric"),
    (np.ones((2, 3)), ValueError, "square"),
    (np.ones(3), ValueError, "matrix"),
    (np.array([[1.0, np.nan], [np.nan, 1.0]]), ValueError, "NaN"),
    (np.array([[1.0, np.inf], [np.inf, 1.0]]), ValueError, "inf"),
    (np.eye(2) * (1 + 1j), TypeError, "complex"),
    (torch.eye(2, dtype=torch.complex128), TypeError, "complex"),
    (np.array([[2 ** 60 + 1, 0], [0, 1]], dtype=np.int64), ValueError, "exactly representable"),
])
def test_lambda_min_rejects_broken_assumptions(bad, exc, words):
    for fn in (lambda A: certify.lambda_min_lower(A, 0.0), certify.lambda_min_enclosure,
               lambda A: certify.certify_lambda_min(A, ">=", 0.0)):
        with pytest.raises(exc, match=words):
            fn(bad)


def test_certify_rejects_unknown_relation_and_bad_thresholds():
    with pytest.raises(ValueError, match="relation"):
        certify.certify_lambda_min(np.eye(2), "==", 1.0)
    with pytest.raises(ValueError, match="NaN or inf"):
        certify.lambda_min_lower(np.eye(2), float("nan"))
    with pytest.raises(TypeError, match="complex"):
        certify.lambda0_certificate(data.sphere(4, 3, seed=0), t=1j)


# --- singular values and norms ---------------------------------------------------------------

@pytest.mark.parametrize("m, k", [(30, 8), (8, 30), (12, 12)])
def test_sigma_min_lower_on_known_singular_values(m, k):
    sigma = np.geomspace(0.05, 20.0, min(m, k))
    F = with_singular_values(sigma, m, k, seed=m + k)
    cert = certify.sigma_min_lower(F, sigma[0] * (1 - 1e-6))
    assert cert.proved and cert.lower >= sigma[0] * (1 - 1e-6)
    bad = certify.sigma_min_lower(F, sigma[0] * (1 + 1e-6))
    assert bad.disproved and bad.upper < sigma[0] * (1 + 1e-6)
    assert certify.sigma_min_lower(F, 0.0).proved


@pytest.mark.parametrize("m, k", [(30, 8), (8, 30)])
def test_norm2_upper_on_known_singular_values(m, k):
    sigma = np.geomspace(0.05, 20.0, min(m, k))
    A = with_singular_values(sigma, m, k, seed=m * k)
    cert = certify.norm2_upper(A, 20.0 * (1 + 1e-6))
    assert cert.proved and "Rump" in cert.method and cert.upper <= 20.0 * (1 + 1e-6)
    bad = certify.norm2_upper(A, 20.0 * (1 - 1e-6))
    assert bad.disproved and bad.lower > 20.0 * (1 - 1e-6)
    fro = certify.norm2_upper(A, float(np.linalg.norm(A)) * 1.01)
    assert fro.proved and "Frobenius" in fro.method
    assert certify.norm2_upper(A, -1.0).disproved


# --- H∞ and the arc-cosine kernel ------------------------------------------------------------

def assert_encloses(Kb: flint.arb_mat, K: np.ndarray, X: np.ndarray):
    """Every float entry inside its ball or within 4 ulps of it (ulps of the entry's scale
    ‖x_i‖‖x_j‖/2: the float x_iᵀx_j has an absolute, not relative, rounding error); every radius
    < 1e-14 relative."""
    n = K.shape[0]
    norms = np.linalg.norm(X, axis=1)
    with certify.working_precision():
        for i in range(n):
            for j in range(n):
                b, f = Kb[i, j], float(K[i, j])
                ulps = 4 * np.spacing(max(abs(f), norms[i] * norms[j] / 2))
                assert b.contains(arb(f)) or (b - f).abs_upper() <= ulps, (i, j, b, f)
                assert b.rad() <= 1e-14 * abs(f), (i, j, b)


def test_h_infinity_ball_contains_the_float_kernel():
    X = to_numpy(data.sphere(30, 5, seed=0))
    Hb = certify.h_infinity_ball(X)
    assert_encloses(Hb, kernels.h_infinity(X), X)
    with certify.working_precision(300):              # diagonal: exactly ‖x_i‖²/2 enclosed
        for i in range(30):
            half_sq = certify.ball(sum(Fraction(v) ** 2 for v in X[i].tolist()) / 2)
            assert Hb[i, i].lower() <= half_sq <= Hb[i, i].upper()


def test_arccos1_ball_contains_the_float_kernel():
    X = to_numpy(data.gaussian(25, 4, seed=1))        # rows of any norm
    assert_encloses(certify.arccos1_ball(X), kernels.arccos1(X), X)


def test_h_infinity_ball_requires_unit_norm_like_kernels():
    X = to_numpy(data.gaussian(6, 3, seed=2))
    with pytest.raises(ValueError, match="unit-norm"):
        certify.h_infinity_ball(X)
    assert_encloses(certify.h_infinity_ball(X, require_unit_norm=False),
                    kernels.h_infinity(X, require_unit_norm=False), X)
    with pytest.raises(ValueError, match="zero vector"):
        certify.h_infinity_ball(np.vstack([X, np.zeros(3)]), require_unit_norm=False)


@pytest.mark.parametrize("d", [5, 50])
def test_lambda0_certificate_proved_on_the_sphere(d):
    X = data.sphere(50, d, seed=0)
    cert = certify.lambda0_certificate(X)
    assert cert.proved, cert
    lam, tol = kernels.lambda0(X), kernels.eig_tolerance(kernels.h_infinity(X))
    assert 0 < cert.lower <= lam + tol and cert.upper >= lam - tol
    assert (lam - cert.lower) / lam < 1e-9
    assert certify.lambda0_certificate(X, t=cert.lower).proved
    assert certify.lambda0_certificate(X, t=cert.upper * (1 + 1e-9)).disproved


def test_lambda0_certificate_not_proved_for_parallel_inputs():
    """A duplicate input, or more than d antipodal pairs (A − B = X_kX_kᵀ/2 has rank ≤ d), make
    λ0 = 0 exactly: never proved; the enclosure straddles 0 (ball arithmetic cannot prove λ0 = 0
    exactly). One antipodal pair alone keeps λ0 > 0, and that is proved."""
    X = to_numpy(data.sphere(10, 4, seed=0))
    assert certify.lambda0_certificate(np.vstack([X, -X[:1]])).proved
    for Z in (np.vstack([X, X[:1]]), to_numpy(antipodal_data(k=5, d=4, seed=0))):
        cert = certify.lambda0_certificate(Z)
        assert cert.undecided, cert
        assert cert.lower <= 0 <= cert.upper and cert.upper - cert.lower < 1e-12
        assert certify.lambda0_certificate(Z, t=1e-9).disproved


# --- scalars, records, precision -------------------------------------------------------------

def test_compare_is_exact_on_ints_floats_and_fractions():
    assert certify.compare(3, ">=", 3).proved
    assert certify.compare(3, ">", 3).disproved
    assert certify.compare(2 ** 80 + 1, ">", 2 ** 80).proved
    assert certify.compare(0.1, ">", Fraction(1, 10)).proved        # binary 0.1 > 1/10
    assert certify.compare(Fraction(1, 3), "<", 0.3333333333333333).disproved
    assert certify.compare(0.5, "<=", Fraction(1, 2)).proved


def test_compare_undecided_for_overlapping_balls():
    x = arb("1 +/- 0.1")
    for rel in certify.RELATIONS:
        assert certify.compare(x, rel, 1.05).undecided
        assert certify.compare(x, rel, x).undecided
    assert certify.compare(x, "<", 1.2).proved


@pytest.mark.parametrize("bad", [1 + 2j, np.complex128(1), flint.acb(1, 1)])
def test_compare_rejects_complex(bad):
    with pytest.raises(TypeError, match="complex"):
        certify.compare(bad, ">=", 0)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -np.inf])
def test_ball_rejects_nan_and_inf(bad):
    with pytest.raises(ValueError, match="NaN or inf"):
        certify.ball(bad)


def test_ball_is_exact_for_binary_numbers():
    assert certify.ball(0.1).is_exact() and certify.ball(0.1) == arb(0.1)
    assert certify.ball(2 ** 70 + 1).is_exact()
    assert certify.ball(Fraction(3, 8)).is_exact()
    third = certify.ball(Fraction(1, 3))
    assert not third.is_exact() and (third * 3).contains(1)


def test_certificate_record_is_json_and_digest_pins_exact_inputs():
    A = with_spectrum([1.0, 2.0, 3.0])
    rec = certify.lambda_min_lower(A, 0.5).as_dict()
    assert json.loads(json.dumps(rec)) == rec
    assert set(rec) == {"verdict", "statement", "lower", "upper", "method", "inputs", "seconds"}
    B = A.copy()
    B[0, 0] = np.nextafter(B[0, 0], 10.0)
    assert certify.inputs_digest(A) == certify.inputs_digest(A.copy())
    assert certify.inputs_digest(A) != certify.inputs_digest(B)
    assert certify.inputs_digest(A) != certify.inputs_digest(A.reshape(1, 9))
    with pytest.raises(ValueError, match="verdict"):
        certify.Certificate("maybe", "", None, None, "", "", 0.0)


def test_working_precision_is_restored():
    before = (flint.ctx.prec, flint.ctx.threads)
    certify.lambda_min_enclosure(np.eye(3))
    with pytest.raises(ValueError):
        certify.lambda_min_lower(np.array([[1.0, 2.0], [3.0, 1.0]]), 0.0)
    with pytest.raises(RuntimeError):
        with certify.working_precision(200):
            assert flint.ctx.prec == 200
            raise RuntimeError
    assert (flint.ctx.prec, flint.ctx.threads) == before

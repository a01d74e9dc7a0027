"""Du et al. 2019: the source string of every record and the negative controls — the tests in
which the same check function reports a violation (``control=`` of the falsifiable claims)."""
from __future__ import annotations

SOURCE = "Du et al. 2019"

_A = "tests/test_du2019_a.py::"
_B = "tests/test_du2019_b.py::"
CONTROL = {
    # Section 3 (tests/test_du2019_a.py)
    "data": _A + "test_data_assumption",
    "init": _A + "test_init_variance_and_moments",
    "thm3.1": _A + "test_theorem31_and_antipodal",
    "angle_slope": _A + "test_angle_slope",
    "slope": _A + "test_remark31_slopes",
    "lemma3.1": _A + "test_lemma31",
    "lemma3.1_seeds": _A + "test_lemma31_seeds_certified",
    "anticoncentration": _A + "test_anticoncentration_claim",
    "lemma3.2": _A + "test_lemma32_negative_controls",
    "certificate": _A + "test_lemma32_certificate",
    "certificate_seeds": _A + "test_lemma32_certificate_seeds",
    "lemma3.3": _A + "test_lemma33",
    "lemma3.4": _A + "test_lemma34",
    "thm3.2": _A + "test_thm32",
    "rate": _A + "test_rate",
    "thm3.3": _A + "test_joint_training",
    # Sections 4-5 (tests/test_du2019_b.py)
    "thm4.1": _B + "test_rate_probability_too_narrow",
    "practical": _B + "test_rate_eta_far_above_bound",
    "narrow": _B + "test_proof_too_narrow",
    "constant": _B + "test_proof_constant_tightened",
    "lemma4.1": _B + "test_lemma41_probability",
    "width": _B + "test_width_claims",
    "width_exponent": _B + "test_sufficient_width_and_exponent",
    "fig1_slope": _B + "test_figure1_trends_and_slopes",
    "fig1_lambda": _B + "test_figure1_lambda_min_trend",
}

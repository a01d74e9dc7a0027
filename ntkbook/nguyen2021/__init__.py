"""Nguyen 2021, "On the proof of global convergence of gradient descent for deep ReLU networks
with linear widths" (ICML 2021): the quantities, check functions and runs of the chapter
``book/nguyen2021``, one module per part of the paper:

* :mod:`~ntkbook.nguyen2021.starting_point` — Section 1, eqs. (2)–(3);
* :mod:`~ntkbook.nguyen2021.lemma21` — Lemma 2.1, eqs. (4)–(5);
* :mod:`~ntkbook.nguyen2021.theorem22` — Theorem 2.2: (6)–(10), q1, q2, (9*), the hypotheses;
* :mod:`~ntkbook.nguyen2021.proof` — the proof of Theorem 2.2 along a GD run;
* :mod:`~ntkbook.nguyen2021.trained` — runs that train inside the hypotheses and the rate ceiling;
* :mod:`~ntkbook.nguyen2021.errata` — errata 1–2 (algebraic, illustrated by runs);
* :mod:`~ntkbook.nguyen2021.beta_scaling` — Section 3.1;
* :mod:`~ntkbook.nguyen2021.two_layer` — Section 3.2;
* :mod:`~ntkbook.nguyen2021.deep` — Section 3.3 and Corollary 3.2;
* :mod:`~ntkbook.nguyen2021.certified` — rigorous enclosures (ball arithmetic) at exact float θ0;
* :mod:`~ntkbook.nguyen2021.figures` — figure sizes for the book's column.

Every public name is re-exported here (``from ntkbook import nguyen2021 as ng``).
"""
from . import certified, figures  # noqa: F401
from .beta_scaling import (  # noqa: F401
    BETA_CONDITION_IDS,
    POLY_IDENTITY_IDS,
    POLY_IDS,
    BetaPolynomials,
    best_rate_beta_init,
    beta_polynomials,
    beta_scaled_init,
    beta_thresholds,
    check_condition_at_beta,
    check_eq15_vs_printed_eq9,
    check_homogeneity,
    check_poly_at_beta,
    check_polynomial_matches_theorem22,
    check_rate_11,
    gd_rate_run,
    identity_middle_init,
    printed_eq9_at_beta,
    scaled_point,
    smallest_beta,
)
from .deep import (  # noqa: F401
    assumption31_moments,
    certify_eq30_fails,
    certify_small_instance,
    check_eq28,
    check_exponent,
    check_exponents,
    check_gd_success,
    check_lemma33,
    check_lipschitz_concentration,
    check_moments,
    check_output_norm,
    check_width_exponent,
    corollary32_C,
    corollary32_gd,
    corollary32_point,
    derived_exponents,
    eq28_ratio,
    eq30_required,
    lemma33_ratio,
    minimal_width_point,
    printed_exponents,
    width_exponent_fit,
)
from .errata import (  # noqa: F401
    certify_FtF_below_sigma2,
    certify_sigma_min_product_zero,
    check_erratum_factor,
    check_erratum_last_step,
    check_erratum_literal_chain,
    check_erratum_printed_line1,
    eq8_implies_eq9_scope,
    eq8_implies_eq9_sympy,
    printed9_counterexample,
)
from .lemma21 import (  # noqa: F401
    LEMMA21_IDS,
    check_lemma21,
    check_lemma21_search,
    hypothesis_search_lemma21,
    lemma21_eq4,
    lemma21_eq5,
    random_pair,
)
from .proof import (  # noqa: F401
    EPS,
    TRACE_BEYOND,
    TRACE_CONTROLS,
    TRACE_COUNTER,
    TRACE_STEPS,
    ProofTrace,
    check_loss_decreased,
    check_proof_trace,
    gd_step,
    kind_status_count,
    loss_resolution,
    proof_trace,
    status_count,
)
from .starting_point import (  # noqa: F401
    check_eq2_output_block,
    check_eq3,
    eq3_quantities,
    full_ntk,
    ntk_output_block,
)
from .theorem22 import (  # noqa: F401
    CONDITIONS,
    CONTROL_A,
    CONTROL_B,
    SOURCE,
    Theorem22,
    certified_rate,
    check_condition,
    check_conditions,
    choose_C,
    cond9_literal,
    cond9_needed,
    cond9_sympy_gap,
    condition_ratios,
    conditions_symbolic,
    hypothesis_met_corrected,
    proof_constants,
    theorem22,
    with_C,
)
from .trained import (  # noqa: F401
    MOTION,
    TRAINED,
    TRAINED_BETAS,
    TRAINED_C_LAST,
    TRAINED_SEEDS,
    aligned_init,
    ceiling_parts,
    ceiling_sympy,
    check_ceiling,
    check_ceiling_parts,
    check_motion,
    check_trained,
    float_hex,
    hidden_motion,
    orthonormal_data,
    smallest_beta_init,
    trained_point,
)
from .two_layer import (  # noqa: F401
    WidthSweep,
    certify_eq18_fails,
    certify_eq18_vs_printed_eq9,
    check_eq16_prediction,
    check_eq18_exponent,
    check_eq20,
    check_eq21,
    check_eq22,
    check_lambda_star,
    check_lambda_star_order,
    check_sigma_min_vs_frobenius,
    check_sweep_threshold,
    eq9_squared,
    eq16_prediction_ratio,
    eq18_necessary_width,
    eq22_bound,
    lambda_star,
    lambda_star_mc,
    lecun_two_layer,
    needed_width,
    slope_interval,
    sphere_data,
    sweep_params_on_grid,
    width_sweep,
)

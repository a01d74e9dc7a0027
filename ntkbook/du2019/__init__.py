"""Du, Zhai, Póczos, Singh (ICLR 2019), "Gradient descent provably optimizes over-parameterized
neural networks": the quantities, check functions and experiments of the chapter ``book/du2019``,
one module per part of the paper:

* :mod:`~ntkbook.du2019.model` — Section 3 set-up: eq. (1), initialization, Assumption 3.1,
  eqs. (3) and (7);
* :mod:`~ntkbook.du2019.h_infinity` — Theorem 3.1 (λ0 > 0) and antipodal pairs;
* :mod:`~ntkbook.du2019.concentration` — Remark 3.1 and Lemma 3.1;
* :mod:`~ntkbook.du2019.stability` — Lemma 3.2 (and its certificate over the whole ball);
* :mod:`~ntkbook.du2019.gradient_flow` — Theorem 3.2 with Lemmas 3.3–3.4, Theorem 3.3;
* :mod:`~ntkbook.du2019.gradient_descent` — Section 4, Theorem 4.1 and its proof;
* :mod:`~ntkbook.du2019.width` — the width Theorem 4.1 asks for against the width that suffices;
* :mod:`~ntkbook.du2019.figure1` — Section 5, Figure 1;
* :mod:`~ntkbook.du2019.certificates` — rigorous certificates (ball arithmetic) of λ0, of
  Lemma 3.1's event and of Lemma 3.2's certificate at a concrete W(0);
* :mod:`~ntkbook.du2019.controls` — the negative controls named by the claims.

Every public name is re-exported here (``from ntkbook import du2019 as du; du.m_theorem(...)``).
Constants marked [D] are our derivation, [S] restated by later work, [M] recollections.
"""
from .certificates import (  # noqa: F401
    CERTIFY_MAX_N,
    certificate_text,
    combine,
    h0_certificate,
    lambda0_bounds,
    lambda0_relation,
    lemma32_certificate,
    output_balls,
    product_balls,
    radius_gap_certificate,
    signs,
)
from .concentration import (  # noqa: F401
    Lemma31Run,
    check_lemma31,
    check_lemma31_seeds,
    check_slope,
    hoeffding_deviation,
    init_deviation,
    lemma31_run,
    m_lemma31,
    slope_fit,
    slope_tolerance,
)
from .controls import (  # noqa: F401
    CONTROL,
    SOURCE,
)
from .figure1 import (  # noqa: F401
    BOOK_SCALE,
    PAPER_SCALE,
    TREND_MIN_RESOLVED,
    Fig1Run,
    Fig1Sweep,
    band,
    check_distance_radius,
    check_lambda_min_trend,
    check_trend,
    decided,
    figure1_problem,
    figure1_run,
    figure1_sweep,
    scale_text,
)
from .gradient_descent import (  # noqa: F401
    C_COR41,
    C_LEMMA41,
    C_QUAD,
    THM41_STEPS,
    GDProofRun,
    R_prime_gd,
    batched_gd_losses,
    c_max_chain,
    check_decomposition_paper_radius,
    check_gd_rate,
    check_lemma41,
    check_proof,
    check_rate_probability,
    divergence_threshold,
    empirical_constants,
    eta_theorem,
    gd_losses,
    gd_proof_run,
    lemma41_counts,
    m_theorem,
    rate,
    rate_holds,
    thm41_hypothesis,
)
from .gradient_flow import (  # noqa: F401
    FlowRun,
    R_prime_flow,
    check_balance,
    check_decay,
    check_flow_rate,
    check_joint,
    check_joint_drift,
    check_lemma33,
    check_lemma34,
    check_thm32,
    check_thm33,
    fitted_decay_rate,
    flow_run,
    joint_drift_bounds,
    lemma33_hypothesis,
    m_R_prime_below_R,
    thm32_hypothesis,
)
from .h_infinity import (  # noqa: F401
    antipodal_data,
    antipodal_spectrum,
    check_antipodal_spectrum,
    check_closest_pair,
    check_lambda0_positive,
    check_mc_entries,
    closest_pair_bound,
    mc_moments,
)
from .model import (  # noqa: F401
    PARALLEL_TOL,
    certificate_summary,
    check_data,
    check_gradient_formula,
    check_homogeneity,
    check_init_moments,
    check_init_variance,
    check_prediction_dynamics,
    glue_kind_counts,
    glue_md,
    glue_statuses,
    init_output_moments,
    non_parallel,
    prediction_dynamics,
    status_text,
    tensor,
)
from .stability import (  # noqa: F401
    C_LEMMA32,
    CertificateRuns,
    Lemma32Run,
    R_lemma32,
    adversarial_perturbation,
    anticoncentration_bound,
    anticoncentration_counts,
    anticoncentration_exact,
    certificate_matrix,
    certificate_runs,
    certified_radius,
    check_anticoncentration,
    check_certificate,
    check_certificate_seeds,
    check_lemma32,
    lemma32_run,
    lemma32_runs,
    max_distance,
    near_boundary,
    pattern_changes,
)
from .width import (  # noqa: F401
    check_sufficient_width,
    check_width,
    check_width_exponent,
    width_outcomes,
)

"""ICLR 2026 submission "Convergence of Near-Linear Width ReLU Networks with Unbalanced
Initialization" (OpenReview wGc6aWvRLa; catalog section 5, items U-1 … U-5) — an EXPERIMENTAL
RECONSTRUCTION.

Only the abstract of the submission is public. Its claims (GD converges linearly at width
Ω̃(Nn/λ); NAG needs O(√(nκ) log 1/ε) instead of O(nκ log 1/ε) iterations at the same width; a
sketching step at initialization reduces the width to Ω̃(Nr/λ) for rank-r responses) are recorded
with provenance ``"reconstruction"``: *claim of the submission, tested in our reconstruction*.
The set-up below (model scaling, the two initialization scales, the coupled init, step sizes,
success criteria, the sketch) is OURS. Identities we derived are recorded with provenance
``"derived"``.

Model (catalog U-1): F(X) = (1/√m) σ(XW) V ∈ R^{N×n}, W ∈ R^{d×m}, V ∈ R^{m×n}, Φ = ½‖F − Y‖_F².
With R = F − Y, S = 1{XW ≥ 0} and Σ = σ(XW)::

    (G)   ∇_V Φ = Σᵀ R / √m,     ∇_W Φ = Xᵀ((R Vᵀ) ∘ S) / √m.
    (KV)  K_V[(i,k),(j,l)] = δ_kl (ΣΣᵀ/m)_ij, i.e. K_V = (ΣΣᵀ/m) ⊗ I_n exactly (index (i,k) ↦ i·n + k).
    (KW)  K_W[(i,k),(j,l)] = (1/m) x_iᵀx_j Σ_r S_ir S_jr V_rk V_rl  →  s_V² H∞ ⊗ I_n   (m → ∞).
    (K∞)  K_V → s_W² G∞ ⊗ I_n for unit-norm inputs (G∞ = :func:`ntkbook.kernels.arccos1`), so the
          limiting NTK is K∞ = (s_V² H∞ + s_W² G∞) ⊗ I_n; λ = λ_min(s_V² H∞ + s_W² G∞) and
          κ = λ_max/λ of the same N×N matrix (the Kronecker factor I_n does not change the spectrum).
    (C)   c_r = ‖v_r‖² − ‖w_r‖² (v_r the r-th row of V, w_r the r-th column of W) is conserved by
          gradient flow: ⟨w_r, ∇_{w_r}Φ⟩ = ⟨v_r, ∇_{v_r}Φ⟩ because σ'(z)z = σ(z). One GD step changes
          it by exactly η²(‖∇_{v_r}Φ‖² − ‖∇_{w_r}Φ‖²).
    (SK)  Sketch (our construction): Q = orth(Yᵀ Ω) ∈ R^{n×r}, Ω ∈ R^{N×r} Gaussian (a randomized
          range finder for the row space of Y), V₀ = Ṽ₀ Qᵀ with Ṽ₀ ∈ R^{m×r}. If the rows of Y lie in
          span(Q), every GD iterate keeps V_t = V_t Q Qᵀ and the run is the r-output run on Y Q.

Scales and normalization (one for the chapter): s_W = √(pρ), s_V = √(p/ρ) for the balance ratio
ρ = s_W/s_V and the product p = s_W·s_V; the width laws use λ̄ = λ_min(K∞)/(tr K∞/N), which does
not depend on p (:mod:`~ntkbook.unbalanced2026.kernel`). :func:`lam_kappa` returns the raw λ.

Claim kinds (:mod:`ntkbook.ledger`): the closed forms (KV), Weyl's inequality, (C) for one GD step,
the coupled zero output, the normalization and (SK) are *identities* (they test the code); the NTK
limit and the conservation along the flow are *steps* of the GD theorem; the theorem's conclusions
(the success probability at our instance ``m_claim`` of the claimed width, on held-out seeds, and
the iteration bounds) are *conclusions* whose ``hypothesis_met`` is computed as ``m >= m_claim``
and ρ ≠ 1; the abstract's empirical statements (the exponents of m* in N, n, 1/λ̄ and of the
iteration counts in n, κ — with bootstrap intervals —, the √κ speed-up, the sketch's gain, the
kernel staying close) are *reproductions* with a stated criterion. Every falsifiable check names
its negative control in ``tests/test_unbalanced2026.py``.


Layout (one module per topic, every public name re-exported here, ``from ntkbook import
unbalanced2026 as U; U.lam_kappa(X, s_W, s_V)``):

* :mod:`~ntkbook.unbalanced2026.kernel` — (KV), (KW), (K∞), λ, κ, block shares, the scales;
* :mod:`~ntkbook.unbalanced2026.dynamics` — batched GD/NAG, success, balance (C), kernel shift;
* :mod:`~ntkbook.unbalanced2026.width` — claim 1: m_claim, the width claims, m* and the width laws;
* :mod:`~ntkbook.unbalanced2026.iterations` — claim 2: iteration counts, bounds and exponents;
* :mod:`~ntkbook.unbalanced2026.sketch` — claim 3: the sketch (SK), its identity and its gain;
* :mod:`~ntkbook.unbalanced2026.checks` — generic slope / closeness checks and glue helpers.
"""
from .checks import (  # noqa: F401
    CHAPTER,
    RECON,
    SOURCE,
    TESTS,
    check_close,
    check_decreasing,
    check_slope,
    glue_kind_counts,
)
from .dynamics import (  # noqa: F401
    balance,
    balance_drift_flow,
    balance_drift_gd,
    check_conservation,
    check_coupled_zero,
    check_fitted,
    check_gd_drift_identity,
    check_kernel_shift,
    first_below,
    gd_batch,
    init_batch,
    loss_and_grads,
    one_step_drift,
    shift_after_training,
    success_rate,
)
from .iterations import (  # noqa: F401
    check_iterations,
    check_speedup,
    iteration_counts,
    measure_iterations,
)
from .kernel import (  # noqa: F401
    block_w_deviation,
    check_lambda_positive,
    check_lambda_weyl,
    check_ntk_block_v,
    kernel_shares,
    lam_kappa,
    lam_normalized,
    limiting_factor,
    ntk_blocks,
    scales,
    second_layer_share,
)
from .sketch import (  # noqa: F401
    check_sketch_gain,
    check_sketch_subspace,
    sketch_basis,
    subspace_leak,
)
from .width import (  # noqa: F401
    Outcomes,
    WidthConfig,
    check_exponent,
    check_width,
    claimed_width,
    exponent_verdict,
    fit_exponents,
    gd_failures,
    measure_width,
    measure_widths,
    seed_thresholds,
    width_grid,
    width_hypothesis,
)

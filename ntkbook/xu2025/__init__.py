"""Xu, Min, Tarmoun, Mallada, Vidal 2025 — a local Polyak-Łojasiewicz inequality and a local
descent lemma for gradient descent on two-layer linear networks (catalog section 4, X-1 … X-7).

Only the abstract of the paper was available. What the abstract states (linear convergence of
GD for general μ-PL, L-smooth losses of the end-to-end matrix; PL and the descent lemma fail
globally but hold locally with weight-dependent constants μ_t, K_t bounded through the
initialization, the current loss and the global μ, L) is recorded with provenance ``"paper"``.
Every formula below — the bounds on μ_t and K_t, the imbalance identity, the adaptive step — is
OUR derivation (provenance ``"derived"``) and is not a statement of the paper.

Modules: :mod:`.losses` (ℓ and the test problem), :mod:`.local_bounds` (μ_t, K_t, K̂, the segment
bound, the a-priori bounds), :mod:`.dynamics` (runs and traces), :mod:`.steps` (step-size rules
and their comparison), :mod:`.asymptotics` (GD on ℓ, late rates), :mod:`.checks` (the ledger
checks).

Setting (catalog X-1): W₁ ∈ R^{h×d}, W₂ ∈ R^{k×h}, W = W₂W₁ ∈ R^{k×d} and
𝓛(W₁, W₂) = ℓ(W₂W₁). With G = ∇ℓ(W):  ∇_{W₁}𝓛 = W₂ᵀG,  ∇_{W₂}𝓛 = G W₁ᵀ.

Derived facts used by the checks (θ = (W₁, W₂), ‖·‖ Frobenius, ‖·‖₂ spectral)::

    (P)  μ_t := ‖∇𝓛(θ_t)‖² / (2(𝓛(θ_t) − 𝓛*))  — the local PL constant (X-2), by definition.
    (PL-lb)  if h ≥ d and h ≥ k and ℓ is μ-PL:  μ_t ≥ μ (σ_d²(W₁) + σ_k²(W₂))   [‖W₂ᵀG‖ ≥ σ_k(W₂)‖G‖,
             ‖GW₁ᵀ‖ ≥ σ_d(W₁)‖G‖]; with only h ≥ d (or only h ≥ k) the other term is dropped.
    (PL-ub)  μ_t ≤ L (‖W₁‖₂² + ‖W₂‖₂²)   [‖∇𝓛‖² ≤ (‖W₁‖₂² + ‖W₂‖₂²)‖G‖², ‖G‖² ≤ 2L(ℓ − ℓ*)].
    (Imb)    D = W₁W₁ᵀ − W₂ᵀW₂ ⇒ W₁W₁ᵀ ⪰ D, W₂ᵀW₂ ⪰ −D ⇒ σ_d²(W₁) ≥ λ_d(D), σ_k²(W₂) ≥ λ_k(−D) (Weyl).
    (H)      vᵀ∇²𝓛(θ)v = D²ℓ(W)[V₂W₁ + W₂V₁]² + 2⟨G, V₂V₁⟩, and 2|⟨G, V₂V₁⟩| ≤ 2‖G‖₂‖V₂V₁‖_* ≤
             2‖G‖₂‖V₂‖‖V₁‖ ≤ ‖G‖₂‖v‖² (trace duality), so
             ‖∇²𝓛(θ)‖₂ ≤ L(‖W₁‖₂² + ‖W₂‖₂²) + ‖G‖₂ ≤ L(‖W₁‖₂² + ‖W₂‖₂²) + √(2L(ℓ(W) − ℓ*)) =: K̂(θ).
    (Seg)    along θ − u g, u ∈ [0, η]:  sup ‖∇²𝓛‖₂ ≤ K̄ := L[(‖W₁‖₂+η‖G₁‖₂)² + (‖W₂‖₂+η‖G₂‖₂)²]
             + ‖G‖₂ + L(η‖G₂W₁ + W₂G₁‖ + η²‖G₂G₁‖)   [‖∇ℓ(W′)‖₂ ≤ ‖G‖₂ + L‖W′ − W‖].
    (Apr)    a priori, from θ₀ alone, for a constant step η with ηK̄ ≤ 1 (induction over t): 𝓛 decreases,
             so ‖G_t‖ ≤ g₀ := √(2L(ℓ(W₀) − ℓ*)) and (quadratic growth of a μ-PL loss with the unique
             minimiser Φ) ‖W_t‖₂ ≤ w̄ := ‖Φ‖₂ + √(2(ℓ(W₀) − ℓ*)/μ); by (GD-D) and the descent lemma
             ‖D_t − D₀‖₂ ≤ Σ_s η²‖g_s‖² ≤ 2η(𝓛₀ − 𝓛*) =: δ. With u ∈ R^h the top singular vector of W₁,
             ‖W₁‖₂² = uᵀDu + ‖W₂u‖² ≤ λ₁(D) + ‖W‖₂²/‖W₁‖₂², so ‖W₁‖₂² ≤ ā := (λ₁(D₀) + δ +
             √((λ₁(D₀) + δ)² + 4w̄²))/2, and ‖W₂‖₂² ≤ b̄ likewise with −D₀. Hence, at every step,
             μ_t ≥ μ̄ := μ[(λ_d(D₀) − δ)₊ + (λ_k(−D₀) − δ)₊] (Imb, Weyl) and K_t ≤ K̄ :=
             L[(√ā + η√b̄g₀)² + (√b̄ + η√āg₀)²] + g₀ + L(η(ā + b̄)g₀ + η²w̄g₀²)   (Seg), so
             𝓛_t − 𝓛* ≤ ρ̄^t(𝓛₀ − 𝓛*),  ρ̄ = 1 − μ̄η(2 − K̄η);  η = 1/K̄ (a fixed point) gives 1 − μ̄/K̄.
    (Bnd)    one step from computable bounds: if η_tK̄_t ≤ 2, replacing μ_t by μ(σ_d²(W₁)+σ_k²(W₂)) ≤ μ_t
             and K_t by K̄_t ≥ K_t in (DL) gives 𝓛_{t+1} − 𝓛* ≤ (1 − μ_lb,t η_t(2 − K̄_tη_t))(𝓛_t − 𝓛*).
    (DL)     𝓛(θ − ηg) = 𝓛(θ) − η‖g‖² + ∫₀^η (η−u) gᵀ∇²𝓛(θ − ug)g du, so with
             K_t ≥ sup_u gᵀ∇²𝓛(θ_t − ug)g/‖g‖²:  𝓛_{t+1} ≤ 𝓛_t − η‖g‖² + K_tη²‖g‖²/2, and with (P)
             𝓛_{t+1} − 𝓛* ≤ (1 − 2μ_tη + μ_tK_tη²)(𝓛_t − 𝓛*)   (X-2; an identity in ‖g‖², no sign condition).
    (GD-D)   one GD step: D_{t+1} − D_t = η²(G₁G₁ᵀ − G₂ᵀG₂) exactly (G₁ = ∇_{W₁}𝓛, G₂ = ∇_{W₂}𝓛);
             under gradient flow dD/dt = 0 (X-4).
"""
from __future__ import annotations

from .asymptotics import (
                          adaptive_late_run,
                          gd_on_ell,
                          hessian_of_ell,
                          late_factor,
                          limit_factor,
                          optimality_gap,
)
from .checks import (
                          CONTROL,
                          SOURCE,
                          bound_factor,
                          check_apriori_constants,
                          check_apriori_rate,
                          check_asymptotic_rate,
                          check_bound_contraction,
                          check_ell_rate,
                          check_escape_slope,
                          check_exponent,
                          check_floor,
                          check_global_descent_fails,
                          check_global_pl_fails,
                          check_hessian_bound,
                          check_imbalance_flow,
                          check_imbalance_identity,
                          check_imbalance_lower,
                          check_linear_rate,
                          check_local_descent,
                          check_local_pl,
                          check_mu_lower,
                          check_mu_upper,
                          check_one_step,
                          check_reaches,
                          check_segment_bound,
                          check_step_comparison,
                          check_step_condition,
                          check_step_grows,
                          descent_lemma_gap,
                          kind_counts,
)
from .dynamics import (
                          LocalTrace,
                          escape_steps,
                          flow_drift,
                          horizon_drift,
                          init,
                          local_trace,
                          pl_and_segment,
                          predicted_escape_slope,
                          run,
)
from .local_bounds import (  # noqa: F401  (used by the unit tests)
                          AprioriBounds,
                          _flat,
                          _flat_objective,
                          apriori_bounds,
                          curvature_along_step,
                          dims,
                          global_minimum,
                          grads,
                          hessian_bound_grad,
                          hessian_norm,
                          hvp,
                          imbalance_lower,
                          imbalance_step,
                          mu_lower_bound,
                          mu_upper_bound,
                          objective,
                          rayleigh,
                          segment_bound,
                          sigma_terms,
                          smoothness_bound,
                          spectral,
)
from .losses import PseudoHuberLoss, SquaredLoss, problem, random_target
from .steps import (
                          METHODS,
                          adaptive_step,
                          comparison,
                          iterations_to_eps,
                          method_run,
                          oracle_step,
                          rayleigh_closed,
                          tune_constant,
)

__all__ = ["check_apriori_constants", "pl_and_segment", "AprioriBounds", "CONTROL", "LocalTrace", "METHODS", "PseudoHuberLoss", "SOURCE",
           "SquaredLoss", "adaptive_late_run", "adaptive_step", "apriori_bounds", "bound_factor",
           "check_apriori_rate", "check_asymptotic_rate", "check_bound_contraction",
           "check_ell_rate", "check_escape_slope", "check_exponent", "check_floor",
           "check_global_descent_fails", "check_global_pl_fails", "check_hessian_bound",
           "check_imbalance_flow", "check_imbalance_identity", "check_imbalance_lower",
           "check_linear_rate", "check_local_descent", "check_local_pl", "check_mu_lower",
           "check_mu_upper", "check_one_step", "check_reaches", "check_segment_bound",
           "check_step_comparison", "check_step_condition", "check_step_grows", "comparison",
           "curvature_along_step", "descent_lemma_gap", "dims", "escape_steps", "flow_drift",
           "gd_on_ell", "global_minimum", "grads", "hessian_bound_grad", "hessian_norm",
           "hessian_of_ell", "horizon_drift", "hvp", "imbalance_lower", "imbalance_step", "init",
           "iterations_to_eps", "kind_counts", "late_factor", "limit_factor", "local_trace",
           "method_run", "mu_lower_bound", "mu_upper_bound", "objective", "optimality_gap",
           "oracle_step", "predicted_escape_slope", "problem", "random_target", "rayleigh",
           "rayleigh_closed", "run", "segment_bound", "sigma_terms", "smoothness_bound",
           "spectral", "tune_constant"]

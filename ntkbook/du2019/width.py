"""Du et al. 2019, Theorem 4.1's width: the width the theorem asks for against the width that
suffices in practice (selected on some seeds, tested on held-out seeds with
:mod:`ntkbook.widths`)."""
from __future__ import annotations

import numpy as np

from ..ledger import must_fail as _must_fail
from ..training import loglog_slope
from ..widths import HeldOut
from .controls import CONTROL, SOURCE
from .gradient_descent import batched_gd_losses, rate_holds, thm41_hypothesis
from .model import _t


def width_outcomes(X, y, eta: float, steps: int, lam0: float):
    """``outcomes(m, seeds)`` for :func:`ntkbook.widths.select_width` and
    :func:`ntkbook.widths.heldout_test`: per seed, does Theorem 4.1's rate
    (1 − ηλ0/2)^k hold at every k ≤ ``steps`` (:func:`batched_gd_losses`, :func:`rate_holds`)?"""
    X, y = _t(X), _t(y)

    def outcomes(m, seeds):
        return rate_holds(batched_gd_losses(X, y, m, list(seeds), eta, steps), eta, lam0)
    return outcomes


def check_width(ledger, heldout: HeldOut, n: int, eta: float, steps: int, lam0: float,
                m_thm: float, delta: float = 0.1, expect="hold", note=""):
    """Theorem 4.1's conclusion at width ``heldout.m`` as a probability statement over the
    held-out seeds of :func:`ntkbook.widths.heldout_test` (never the seeds the width was selected
    on): the rate fails in at most a fraction δ of initializations (``du2019.thm4.1.width``, one
    case per n). With ``expect="violation"`` the counterexample ``du2019.thm4.1.width.narrow`` (a
    width far below any sufficient one, on purpose). ``hypothesis_met`` is
    :func:`thm41_hypothesis` (m ≥ m_thm and η within the proven range), computed."""
    m = heldout.m
    kw = dict(failures=heldout.failures, trials=heldout.trials, delta=delta,
              statement=r"P\big(\exists k:\|y-u(k)\|^2>(1-\eta\lambda_0/2)^k\|y-u(0)\|^2\big)"
                        r"\le\delta",
              source=f"{SOURCE}, Theorem 4.1", provenance="restated",
              hypothesis_met=thm41_hypothesis(n, m, lam0, eta, m_thm), case=f"n={n}",
              seeds=list(heldout.seeds),
              note=(note + f" n = {n}, m = {m}, K = {steps}, eta = {eta:.4g} "
                    f"(= {eta * n ** 2 / lam0:.3g} lambda0/n^2), theorem width {m_thm:.3g}; "
                    "held-out seeds").strip())
    if _must_fail(expect):
        return ledger.check_probability("du2019.thm4.1.width.narrow", kind="counterexample", **kw)
    return ledger.check_probability("du2019.thm4.1.width", kind="conclusion",
                                    control=CONTROL["width"], depends_on=["du2019.thm4.1"], **kw)


def check_sufficient_width(ledger, m_star, m_thm):
    """m* ≤ m_thm for every n ([D] width): an identity — true by construction, since the search for
    m* stops at 4096 while m_thm ≥ 10¹⁰ at every n we run. It documents the gap, not evidence."""
    return ledger.check("du2019.thm4.1.width.sufficient", kind="identity",
                        lhs=np.asarray(m_star, float), rel="<=", rhs=np.asarray(m_thm, float),
                        statement=r"m^*\le m_{\rm thm}=432n^5(\|y\|^2+n/2)/(c^2\lambda_0^4\delta^3)",
                        source=f"{SOURCE}, Theorem 4.1 (width, explicit constants ours)",
                        provenance="derived", hypothesis_met=None,
                        note="true by construction: the search for m* is capped far below m_thm")


def check_width_exponent(ledger, ns, m_star, m_thm):
    """A scaling claim: the observed width grows more slowly in n than the theorem's (the fitted
    exponent of m* against n is below that of m_thm)."""
    s_emp, s_thm = loglog_slope(ns, m_star), loglog_slope(ns, m_thm)
    return ledger.check("du2019.thm4.1.width.exponent", kind="scaling", lhs=s_emp, rel="<",
                        rhs=s_thm,
                        statement=r"\hat s(m^*) < \hat s(m_{\rm thm})\ \ (m\propto n^{\hat s})",
                        source=f"{SOURCE}, Theorem 4.1 (width)", provenance="derived",
                        hypothesis_met=None, control=CONTROL["width_exponent"],
                        note=f"ns = {[int(v) for v in ns]}, fitted exponents {s_emp:.3f} vs {s_thm:.3f}")


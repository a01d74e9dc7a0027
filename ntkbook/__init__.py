"""ntkbook — executable proofs for the convergence theory of over-parameterized networks.

Modules (each function names the equation it implements in its docstring):

* :mod:`ntkbook.config`  — float64, device, seeds and the ``NTKBOOK_SCALE`` knob
* :mod:`ntkbook.errors`  — :class:`AssumptionError` (a broken hypothesis) and :class:`ClaimViolation`
* :mod:`ntkbook.data`    — inputs, labels and checks of the papers' data assumptions
* :mod:`ntkbook.models`  — the four networks of the book
* :mod:`ntkbook.kernels` — H∞, finite-width Gram matrices, arc-cosine kernels, empirical NTK, λ_min
* :mod:`ntkbook.training`— gradient descent, gradient flow, Nesterov's method
* :mod:`ntkbook.metrics` — per-iteration metrics recorded only when asked for
* :mod:`ntkbook.ledger`  — the claims ledger every notebook records its checks in
* :mod:`ntkbook.certify` — rigorous certificates (ball arithmetic) about exact float64 inputs
* :mod:`ntkbook.tables`  — computed tables rendered as tables
"""
from . import config, data, errors, kernels, ledger, metrics, models, training  # noqa: F401
from .config import DTYPE, device, pick, scale, seed_everything  # noqa: F401
from .errors import AssumptionError, ClaimViolation, ExpectedViolationHeld  # noqa: F401
from .ledger import Ledger  # noqa: F401

__version__ = "0.1.0"

"""Errors that name the broken assumption, the bad input or the violated claim.

Every error below subclasses a built-in (``ValueError``, ``AssertionError``, ``ArithmeticError``),
so code that caught the built-in keeps working:

* :class:`AssumptionError` — a hypothesis of a theorem does not hold for the given input;

  * :class:`NonFiniteError` — NaN or ±inf in an input or a parameter;
  * :class:`ShapeMismatchError` — arrays whose shapes would silently broadcast (labels (N, 1)
    against outputs (N,) give an N × N residual);

* :class:`HyperparameterError` — an optimiser setting outside its domain (η ≤ 0, a negative number
  of steps, ``every = 0``, …);
* :class:`DivergenceError` — a run became non-finite; raised only when the caller asks for it
  (``on_divergence="raise"`` in :mod:`ntkbook.training`), otherwise the trajectory is flagged;
* :class:`ClaimViolation`, :class:`ExpectedViolationHeld` — the claims ledger's verdicts.
"""


class AssumptionError(ValueError):
    """A hypothesis of a theorem does not hold for the given input.

    ``assumption`` names it, e.g. ``"no two inputs parallel (Du et al. Thm 3.1) => lambda0 > 0"``.
    """

    def __init__(self, assumption: str, detail: str = ""):
        self.assumption = assumption
        self.detail = detail
        super().__init__(f"assumption violated: {assumption}" + (f" — {detail}" if detail else ""))


class NonFiniteError(AssumptionError):
    """NaN or ±inf where every theorem of the book assumes finite numbers."""

    def __init__(self, name: str, count: int | None = None, assumption: str = "finite inputs"):
        self.name = name
        self.count = count
        what = f"{name} contains NaN or inf"
        super().__init__(assumption, what + (f" ({count} entries)" if count is not None else ""))


class ShapeMismatchError(AssumptionError):
    """Two arrays that must have the same shape do not (and would broadcast silently)."""

    def __init__(self, what: str, expected, got):
        self.expected = tuple(expected)
        self.got = tuple(got)
        super().__init__(what, f"expected shape {self.expected}, got {self.got}")


class HyperparameterError(ValueError):
    """An optimiser setting outside its domain: ``name`` = ``value`` violates ``requirement``."""

    def __init__(self, name: str, value, requirement: str):
        self.name = name
        self.value = value
        self.requirement = requirement
        super().__init__(f"{name} = {value!r}: need {requirement}")


class DivergenceError(ArithmeticError):
    """The loss became non-finite at step ``step`` (raised only when the caller asks for it)."""

    def __init__(self, step: int, value: float, trajectory=None):
        self.step = step
        self.value = value
        self.trajectory = trajectory
        super().__init__(f"the run diverged: loss = {value} at step {step}")


class ClaimViolation(AssertionError):
    """A checked inequality of a theorem or proof does not hold."""


class ExpectedViolationHeld(AssertionError):
    """A counterexample shown on purpose did not in fact fail."""


class SeedReuseError(ValueError):
    """A width (or any setting) selected on some seeds is being tested on the same seeds.

    Selection and test must use disjoint seeds: a success frequency measured on the seeds a width
    was chosen on is optimistic (the winner's curse) and is no evidence that the width suffices.
    """

    def __init__(self, shared):
        self.shared = tuple(sorted(shared))
        super().__init__("selection and test on different seeds: the test seeds "
                         f"{list(self.shared)[:8]}{' …' if len(self.shared) > 8 else ''} were "
                         "used to select the width")

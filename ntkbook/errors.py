"""Errors that name the broken assumption or the violated claim."""


class AssumptionError(ValueError):
    """A hypothesis of a theorem does not hold for the given input.

    ``assumption`` names it, e.g. ``"no two inputs parallel (Du et al. Thm 3.1) => lambda0 > 0"``.
    """

    def __init__(self, assumption: str, detail: str = ""):
        self.assumption = assumption
        self.detail = detail
        super().__init__(f"assumption violated: {assumption}" + (f" — {detail}" if detail else ""))


class ClaimViolation(AssertionError):
    """A checked inequality of a theorem or proof does not hold."""


class ExpectedViolationHeld(AssertionError):
    """A counterexample shown on purpose did not in fact fail."""

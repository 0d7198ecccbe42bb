"""What both brains' estimators share: scikit-learn's contract without scikit-learn.

``__init__`` only stores its keyword arguments (``get_params`` / ``set_params`` read them from
the signature), ``fit`` returns ``self``, fitted attributes end in ``_``, and using a model
before ``fit`` raises one error, ``NotFittedError``, whichever brain it belongs to.
"""

from __future__ import annotations

import inspect


class NotFittedError(RuntimeError):
    """The model was used before ``fit``."""


class Estimator:
    """scikit-learn's parameter protocol and the "fitted yet?" check."""

    def get_params(self, deep: bool = True) -> dict:
        names = inspect.signature(type(self).__init__).parameters
        return {name: getattr(self, name) for name in names if name != "self"}

    def set_params(self, **params) -> Estimator:
        unknown = set(params) - set(self.get_params())
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)} for {type(self).__name__}")
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def check_fitted(self, attribute: str) -> None:
        """Raise ``NotFittedError`` unless ``fit`` has set ``attribute``."""
        if not hasattr(self, attribute):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit first")

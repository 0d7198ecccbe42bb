"""The one error of activation a user fixes (a segment, destination or secret named wrongly, a
vendor that stopped the sync): one line that says what to do, never a secret."""

from __future__ import annotations


class ActivationError(ValueError):
    """An activation cannot start or could not finish; the message is one line."""

"""The knobs of the budget brain a tenant may set in its ``mmm:`` block of the tenants file,
with their defaults, written once here for the tenants file and the Dagster asset."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class MmmSettings:
    """Model settings of one tenant.

    - ``bootstrap``: replicates of the moving-block bootstrap behind every interval (100);
      fewer is faster and gives rougher 90 % intervals, never point estimates without one;
    - ``holdout_days``: the last days held out for the backtest (56);
    - ``seed``: seed of the bootstrap and the optimizer's starts (same seed, same tables).
    """

    bootstrap: int = 100
    holdout_days: int = 56
    seed: int = 0

    def __post_init__(self) -> None:
        wrong = [
            f"{name}={getattr(self, name)!r}"
            for name, ok in (
                ("bootstrap", isinstance(self.bootstrap, int) and self.bootstrap >= 10),
                ("holdout_days", isinstance(self.holdout_days, int) and self.holdout_days >= 7),
                ("seed", isinstance(self.seed, int) and self.seed >= 0),
            )
            if not ok
        ]
        if wrong:
            raise ValueError(
                f"invalid MMM setting(s): {', '.join(wrong)} "
                "(bootstrap >= 10, holdout_days >= 7, seed >= 0, whole numbers)"
            )

    @classmethod
    def from_mapping(cls, mapping: dict | None) -> MmmSettings:
        """Settings from a tenants-file ``mmm:`` block; unknown keys are errors."""
        mapping = dict(mapping or {})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(mapping) - known)
        if unknown:
            raise ValueError(f"unknown MMM setting(s) {unknown}; known: {sorted(known)}")
        return cls(**mapping)

"""The knobs of the budget brain a tenant may set in its ``mmm:`` block of the tenants file,
with their defaults, written once here for the tenants file and the Dagster asset."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

#: Fewer draws per chain give intervals from too few points to trust their tails.
MIN_DRAWS = 50


@dataclass(frozen=True)
class MmmSettings:
    """Model settings of one tenant.

    - ``draws``: posterior draws kept per chain (two chains; as many warm-up steps before
      them, or 50 per channel when more: ``workflow.WARMUP_PER_CHANNEL``) behind every
      estimate and interval (200); fewer is faster and gives rougher 90 % intervals;
    - ``holdout_days``: the last days held out for the backtest (56);
    - ``seed``: seed of the sampler and the optimizer's starts (same seed, same tables);
    - ``experiments``: a CSV of the tenant's lift-test results (``lift_tests.py``), relative
      to the data directory unless absolute; the channels they measure are calibrated.
    """

    draws: int = 200
    holdout_days: int = 56
    seed: int = 0
    experiments: str | None = None

    def __post_init__(self) -> None:
        wrong = [
            f"{name}={getattr(self, name)!r}"
            for name, ok in (
                ("draws", isinstance(self.draws, int) and self.draws >= MIN_DRAWS),
                ("holdout_days", isinstance(self.holdout_days, int) and self.holdout_days >= 7),
                ("seed", isinstance(self.seed, int) and self.seed >= 0),
                ("experiments", self.experiments is None or isinstance(self.experiments, str)),
            )
            if not ok
        ]
        if wrong:
            raise ValueError(
                f"invalid MMM setting(s): {', '.join(wrong)} "
                f"(draws >= {MIN_DRAWS}, holdout_days >= 7, seed >= 0, whole numbers; "
                "experiments: a file path)"
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

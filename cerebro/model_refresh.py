"""When the CLV and budget brains are refitted: weekly, or sooner when enough new data arrived.

Both models describe months of behaviour; refitting them on every daily run costs minutes and
moves nothing. A refit is due a week after the last one, or as soon as the orders landed since
then reach a share of what the last fit saw.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

REFIT_EVERY = dt.timedelta(days=7)
REFIT_ON_NEW_ORDERS_SHARE = 0.10


@dataclass(frozen=True)
class RefreshDecision:
    due: bool
    reason: str


def models_refresh_due(
    *,
    last_refresh_at: dt.datetime | None,
    now: dt.datetime,
    orders_landed_since: int,
    orders_total: int,
    every: dt.timedelta = REFIT_EVERY,
    new_orders_share: float = REFIT_ON_NEW_ORDERS_SHARE,
) -> RefreshDecision:
    """Whether to refit now; the reason is written to the run's tags."""
    if last_refresh_at is None:
        return RefreshDecision(True, "never fitted")
    age = now - last_refresh_at
    if age >= every:
        return RefreshDecision(True, f"last fit {age.days} days ago (every {every.days} days)")
    orders_at_fit = max(orders_total - orders_landed_since, 0)
    if orders_at_fit == 0:
        due = orders_landed_since > 0
        return RefreshDecision(due, f"{orders_landed_since} orders landed on an empty history")
    share = orders_landed_since / orders_at_fit
    if share >= new_orders_share:
        return RefreshDecision(True, f"{share:.0%} more orders since the last fit")
    return RefreshDecision(False, f"fitted {age.days} days ago, {share:.1%} more orders since")

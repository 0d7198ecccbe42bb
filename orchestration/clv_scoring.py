"""Every tenant's customers scored in the warehouse from its scored histories
(``ml_assets/clv/sql_scoring.py``), then swapped in as ``ml.ml_customer_predictions``.

The new table is built whole beside the old one, profiled for the asset's checks and renamed
into place in one transaction, so a failure on the way leaves the previous predictions as
they were and a reader never sees half a table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ml_assets.clv.guards import predictions_profile_sql
from ml_assets.clv.records import RunFacts, model_run_row
from ml_assets.clv.segments import SegmentCut
from ml_assets.clv.settings import ClvSettings
from ml_assets.clv.sql_scoring import (
    SCORES_SCHEMA,
    SCORES_TABLE,
    prediction_select,
    segment_cut_query,
)
from ml_assets.clv.tenant import TenantFit

PREDICTIONS_TABLE = "ml_customer_predictions"
_BUILDING = f"ml.{PREDICTIONS_TABLE}__building"


@dataclass(frozen=True)
class TenantScoring:
    """A fitted tenant and how its customers are valued."""

    fit: TenantFit
    settings: ClvSettings
    amount_column: str


@dataclass(frozen=True)
class ScoredCustomers:
    """What the scoring left to report: each tenant's segment thresholds and the profile
    row of the new predictions (``guards.predictions_profile_sql``)."""

    cuts: dict[str, SegmentCut]
    profile: pd.Series

    @property
    def rows(self) -> int:
        return int(self.profile["rows"])


def score_every_customer(
    warehouse, tenants: list[TenantScoring], predicted_at: dt.datetime
) -> ScoredCustomers:
    """Write the tenants' history scores, score their customers into a new predictions
    table, and put it in place of the old one."""
    scores = pd.concat([tenant.fit.scores for tenant in tenants], ignore_index=True)
    warehouse.replace_table(SCORES_SCHEMA, SCORES_TABLE, scores)
    statements = [(f"drop table if exists {_BUILDING}", None)]
    for position, tenant in enumerate(tenants):
        select, params = prediction_select(
            tenant.fit.tenant_id, amount_column=tenant.amount_column, cutoff=tenant.fit.cutoff,
            fitted=tenant.fit.fitted, settings=tenant.settings, predicted_at=predicted_at,
        )  # fmt: skip
        into = f"create table {_BUILDING} as" if position == 0 else f"insert into {_BUILDING}"
        statements.append((f"{into}\n{select}", params))
    warehouse.execute(*statements)
    cuts = _segment_cuts(warehouse, tenants)
    profile = warehouse.query(predictions_profile_sql(_BUILDING)).iloc[0]
    warehouse.execute(
        (f"drop table if exists ml.{PREDICTIONS_TABLE}", None),
        (f"alter table {_BUILDING} rename to {PREDICTIONS_TABLE}", None),
    )
    return ScoredCustomers(cuts, profile)


def _segment_cuts(warehouse, tenants: list[TenantScoring]) -> dict[str, SegmentCut]:
    """Each tenant's segment thresholds, one query per set of quantiles (usually one)."""
    by_quantiles: dict[tuple[float, float], list[TenantScoring]] = {}
    for tenant in tenants:
        risk = tenant.settings.churn_risk
        key = (risk.vip_clv_quantile, risk.whale_clv_quantile)
        by_quantiles.setdefault(key, []).append(tenant)
    cuts = {}
    for group in by_quantiles.values():
        ids = [tenant.fit.tenant_id for tenant in group]
        sql, params = segment_cut_query(_BUILDING, ids, group[0].settings)
        for row in warehouse.query(sql, params).itertuples(index=False):
            cuts[row.tenant_id] = SegmentCut(
                float(row.vip_clv_if_retained), float(row.whale_predicted_clv)
            )
    return cuts


def model_run(tenant: TenantScoring, cut: SegmentCut, predicted_at: dt.datetime) -> pd.DataFrame:
    """The tenant's row of ``ml.ml_clv_model_runs``, with the segment thresholds its
    customers' scoring gave."""
    fit = tenant.fit
    facts = RunFacts(fit.cutoff, fit.customers, fit.repeat_buyers, cut)
    return model_run_row(
        fit.tenant_id, fit.fitted, facts, tenant.settings, fit.backtest, predicted_at
    )

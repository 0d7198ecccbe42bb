"""Partition keys and windows (orchestration/partitions.py) and the model refresh rule."""

from __future__ import annotations

import datetime as dt

import pytest

from cerebro.model_refresh import models_refresh_due
from orchestration.partitions import partition_key, window_of
from tests.support.dagster_instance import dagster_test_instance


def test_a_key_reads_date_then_tenant():
    assert str(partition_key(dt.date(2026, 11, 20), "casafacil_cl")) == "2026-11-20|casafacil_cl"


def test_the_window_of_a_backfill_spans_its_days_and_tenants():
    keys = [f"2026-11-{day:02d}|{tenant}" for day in range(1, 31) for tenant in ("b", "a")]
    window = window_of(keys)
    assert (window.tenants, window.start, window.end) == (
        ("a", "b"),
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 30),
    )
    assert window.dbt_vars() == {
        "partition_tenants": ["a", "b"],
        "partition_start_date": "2026-11-01",
        "partition_end_date": "2026-11-30",
    }


def test_a_window_needs_a_key():
    with pytest.raises(ValueError, match="at least one partition key"):
        window_of([])


def test_registering_tenants_adds_each_once():
    from orchestration.partitions import register_tenants

    with dagster_test_instance() as instance:
        assert register_tenants(instance, ["a", "b"]) == ["a", "b"]
        assert register_tenants(instance, ["b", "c"]) == ["c"]
        assert instance.get_dynamic_partitions("tenant") == ["a", "b", "c"]


NOW = dt.datetime(2026, 11, 21, 6, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("last_fit_days_ago", "landed", "total", "due"),
    [
        (None, 0, 0, True),  # never fitted
        (7, 0, 1000, True),  # a week
        (6, 99, 1099, False),  # 99 new on 1,000 at the fit: 9.9 %
        (6, 100, 1100, True),  # 100 new on 1,000: 10 %
        (1, 5, 5, True),  # the first orders on an empty history
        (1, 0, 0, False),
    ],
)
def test_models_refit_weekly_or_after_ten_percent_more_orders(
    last_fit_days_ago, landed, total, due
):
    last = None if last_fit_days_ago is None else NOW - dt.timedelta(days=last_fit_days_ago)
    decision = models_refresh_due(
        last_refresh_at=last, now=NOW, orders_landed_since=landed, orders_total=total
    )
    assert decision.due is due, decision.reason

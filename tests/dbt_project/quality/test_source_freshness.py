"""Source freshness of the raw streams: every Singer-landed table declares `_sdc_batched_at` as
its loaded_at_field, with the daily schedule's thresholds (orchestration/freshness.py: warn
after 26 h, error after 36 h) unless its yml gives the reason for another cadence; and
`dbt source freshness` on a copy of the demo warehouse passes for what was just landed and
reports an error for a stream whose last landing is moved 40 hours back."""

from __future__ import annotations

import datetime as dt

import duckdb

from orchestration.freshness import DAILY_FRESHNESS

PERIOD_HOURS = {"minute": 1 / 60, "hour": 1, "day": 24}


def _hours(rule: dict) -> float | None:
    if rule.get("count") is None or rule.get("period") is None:
        return None
    return rule["count"] * PERIOD_HOURS[rule["period"]]


def _singer_tables(manifest: dict) -> dict[str, dict]:
    return {
        f"{node['source_name']}.{node['name']}": node
        for node in manifest["sources"].values()
        if node["config"].get("meta", {}).get("landed_by") == "singer"
    }


def test_singer_tables_are_fresh_by_landing_time_with_the_daily_thresholds(dbt_project_parsed):
    tables = _singer_tables(dbt_project_parsed.manifest_json)
    assert len(tables) >= 14
    daily = tuple(
        window.to_timedelta() / dt.timedelta(hours=1)
        for window in (DAILY_FRESHNESS.warn_window, DAILY_FRESHNESS.fail_window)
    )
    assert daily == (26, 36)
    for name, node in tables.items():
        assert node["loaded_at_field"] == "_sdc_batched_at", name
        freshness = node.get("freshness") or {}
        thresholds = (
            _hours(freshness.get("warn_after") or {}),
            _hours(freshness.get("error_after") or {}),
        )
        reason = str(node["config"]["meta"].get("freshness_exception") or "").strip()
        if reason:
            assert thresholds != daily, f"{name}: daily thresholds and an exception"
        else:
            assert thresholds == daily, f"{name}: {thresholds}, expected {daily} or a reason"


def _results(copy) -> dict[str, str]:
    return {
        result["unique_id"].removeprefix("source.cerebro."): result["status"]
        for result in copy.artifact("sources.json")["results"]
    }


def test_source_freshness_passes_fresh_streams_and_errors_on_one_landed_40_hours_ago(
    warehouse_copy,
):
    with duckdb.connect(str(warehouse_copy.database)) as connection:
        connection.execute(
            "update raw_shopify.orders set _sdc_batched_at = _sdc_batched_at - interval 40 hour"
        )
        (newest,) = connection.execute(
            "select max(_sdc_batched_at) from raw_shopify.orders"
        ).fetchone()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert dt.timedelta(hours=40) <= now - newest < dt.timedelta(hours=41)

    with duckdb.connect(str(warehouse_copy.database), read_only=True) as connection:
        landed = [
            schema.removeprefix("raw_")
            for (schema,) in connection.execute(
                "select distinct table_schema from information_schema.tables"
                " where table_schema like 'raw_%'"
            ).fetchall()
        ]
    # Only the sources the demo lands: a source no tenant has (Amazon, CSV) has no table.
    warehouse_copy.dbt("source", "freshness", "--select", *(f"source:{s}" for s in landed))
    statuses = _results(warehouse_copy)
    assert statuses.pop("shopify.orders") == "error"
    # Every other stream with a threshold was landed by the session's demo run: fresh.
    assert statuses and set(statuses.values()) == {"pass"}, statuses
    assert {"shopify.order_lines", "meta_ads.ads_insights", "tiktok_ads.campaign_reports",
            "tiktok_ads.advertisers"} <= set(statuses)  # fmt: skip

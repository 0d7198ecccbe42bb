"""The shape the per-tenant model assets share (orchestration/tenant_runs.py), on hand-made
outcomes: a failing tenant does not stop the others, rows are gathered per table, an empty
table keeps the warehouse's, and the failures reach the log and the warning check."""

from __future__ import annotations

from types import SimpleNamespace

import dagster as dg
import pandas as pd
import pytest

from orchestration.tenant_runs import (
    EVERY_TENANT_MODELLED,
    TenantOutcome,
    check_results,
    replace_tables,
    run_per_tenant,
)

TABLES = ("predictions", "runs")


def _rows(tenant: str, n: int) -> pd.DataFrame:
    return pd.DataFrame({"tenant_id": [tenant] * n, "value": range(n)})


class Log:
    """A context's log that keeps its warnings."""

    def __init__(self):
        self.warnings = []

    def warning(self, message):
        self.warnings.append(message)


class Recorder:
    """A warehouse that records the tables it is asked to replace."""

    def __init__(self):
        self.replaced = {}

    def replace_table(self, schema, table, frame):
        self.replaced[f"{schema}.{table}"] = len(frame)


def test_tenants_are_gathered_past_a_failure_and_the_failures_are_logged():
    outcomes = [
        TenantOutcome("a", tables={"predictions": _rows("a", 2), "runs": _rows("a", 1)},
                      summary={"customers": 2}),
        TenantOutcome("b", error="did not converge"),
        TenantOutcome("c", tables={"predictions": _rows("c", 3)}, failed={"revenue": "no spend"},
                      summary={"customers": 3}),
    ]  # fmt: skip
    seen, context = [], SimpleNamespace(log=Log())
    runs = run_per_tenant(
        context, iter(outcomes), TABLES, failure="model failed",
        each=lambda outcome: seen.append(outcome.tenant_id),
    )  # fmt: skip
    assert seen == ["a", "c"]
    assert runs.tables["predictions"]["tenant_id"].tolist() == ["a", "a", "c", "c", "c"]
    assert runs.tables["runs"]["tenant_id"].tolist() == ["a"]
    assert runs.summaries == {"a": {"customers": 2}, "c": {"customers": 3}}
    assert runs.failed == {"b": "did not converge", "c/revenue": "no spend"}
    assert context.log.warnings == [
        "b: model failed: did not converge", "c/revenue: model failed: no spend",
    ]  # fmt: skip


def test_no_rows_at_all_fails_the_asset_saying_why():
    context = SimpleNamespace(log=Log())
    with pytest.raises(dg.Failure, match=r"no tenant could be modelled: \{'a': 'boom'\}"):
        run_per_tenant(context, [TenantOutcome("a", error="boom")], TABLES, failure="x")
    with pytest.raises(dg.Failure, match="no tenant could be modelled: no orders at all"):
        run_per_tenant(context, [], TABLES, failure="x", nothing_modelled="no orders at all")


def test_an_empty_table_keeps_the_last_runs_rows():
    warehouse = Recorder()
    replace_tables(warehouse, {"predictions": _rows("a", 2), "runs": pd.DataFrame()})
    assert warehouse.replaced == {"ml.predictions": 2}


class Guard:
    def __init__(self, passed):
        self.passed, self.metadata = passed, {"value": 1.0}


def test_checks_end_with_a_warning_naming_the_failures():
    key = dg.AssetKey(["ml", "runs"])
    results = list(
        check_results([("in_range", key, Guard(True)), ("finite", key, Guard(False))], key,
                      {"b": "boom"}, failed_key="skipped")
    )  # fmt: skip
    assert [(r.check_name, r.passed) for r in results] == [
        ("in_range", True), ("finite", False), (EVERY_TENANT_MODELLED, False),
    ]  # fmt: skip
    assert results[-1].severity == dg.AssetCheckSeverity.WARN
    assert results[-1].metadata["skipped"].value == {"b": "boom"}

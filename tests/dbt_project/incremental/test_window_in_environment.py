"""Dagster hands dbt a run's partition window in the environment (decision 0016): the window
reaches the models as the vars would, and dbt keeps its parsed project instead of parsing it
all again, as new vars make it do."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from orchestration.partitions import DBT_WINDOW_ENV, PartitionWindow
from tests.dbt_project.incremental.partitioned_dbt import DEMO_LAST_DAY, TENANTS, expect_success
from tests.support.dbt_in_process import invoke

WINDOW = PartitionWindow(TENANTS[:1], DEMO_LAST_DAY, DEMO_LAST_DAY)
COMPILED_FCT_ORDERS = ("compiled", "cerebro", "models", "marts", "core", "fct_orders.sql")


def _compile_fct_orders(dbt_on_copy, env=None, dbt_vars=None) -> str:
    """fct_orders compiled (an incremental run's SQL), from the process's parse."""
    dbt_on_copy.invoke("compile", "--select", "fct_orders", env=env, dbt_vars=dbt_vars)
    return dbt_on_copy.target_path.joinpath(*COMPILED_FCT_ORDERS).read_text()


def _cli_command(dbt_on_copy, *args: str, env=None) -> str:
    """dbt as Dagster runs it, without a parsed project: dbt parses, or reuses its partial
    parse in the copy's target path when nothing it parsed from has changed. Returns what dbt
    logged about parsing."""
    logs = Path(tempfile.mkdtemp(prefix="logs_", dir=dbt_on_copy.directory))
    result = invoke(list(args), dbt_on_copy.environ(env), dbt_on_copy.target_path, log_path=logs)
    expect_success(result, args)
    lines = (logs / "dbt.log").read_text().splitlines()
    return "\n".join(line for line in lines if "parsing" in line)


def test_the_environment_window_compiles_like_the_vars_without_a_reparse(dbt_on_copy):
    """About dbt's own parsing: here dbt parses, and reuses its partial parse, as in any dbt
    command; the other tests reuse the process's parse, which skips dbt's."""
    _cli_command(dbt_on_copy, "parse")

    env_parsing = _cli_command(
        dbt_on_copy, "compile", "--select", "fct_orders", env=WINDOW.dbt_env()
    )
    from_env = dbt_on_copy.target_path.joinpath(*COMPILED_FCT_ORDERS).read_text()
    # The 30-day lookback of the project, for the window's tenant only.
    assert "cast('2026-10-01' as date)" in from_env
    assert f"in ('{TENANTS[0]}')" in from_env and TENANTS[1] not in from_env
    assert "no changes found, skipping parsing" in env_parsing, env_parsing
    assert "Unable to do partial parsing" not in env_parsing, env_parsing

    vars_parsing = _cli_command(
        dbt_on_copy, "compile", "--select", "fct_orders", "--vars", json.dumps(WINDOW.dbt_vars())
    )
    from_vars = dbt_on_copy.target_path.joinpath(*COMPILED_FCT_ORDERS).read_text()
    assert from_vars == from_env
    # What the environment spares: new vars make dbt parse the whole project again.
    assert "Unable to do partial parsing because config vars" in vars_parsing, vars_parsing


def test_vars_win_over_the_environment(dbt_on_copy):
    other_day = DEMO_LAST_DAY.replace(day=15)
    from_vars = PartitionWindow(TENANTS, other_day, other_day).dbt_vars()
    compiled = _compile_fct_orders(dbt_on_copy, env=WINDOW.dbt_env(), dbt_vars=from_vars)
    assert "cast('2026-10-15' as date)" in compiled
    assert "cast('2026-10-31' as date)" not in compiled


def test_a_malformed_environment_window_is_a_clear_error(dbt_on_copy):
    with pytest.raises(AssertionError, match="CEREBRO_DBT_PARTITION_WINDOW must be a JSON object"):
        _compile_fct_orders(dbt_on_copy, env={DBT_WINDOW_ENV: "[1, 2]"})

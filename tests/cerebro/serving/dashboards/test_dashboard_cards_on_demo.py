"""Every card of every dashboard runs on the demo marts of both warehouses, for every demo
tenant: with the filters' defaults it returns exactly its declared columns and at least one
row; every filter lists choices; and each optional filter, set to a real choice, keeps the
columns and (for some choice) returns rows. Oracle: the spec's own declarations."""

from __future__ import annotations

import pytest

from cerebro.serving.dashboards.spec import load_dashboards
from tests.cerebro.serving.dashboards.dashboard_runs import (
    default_runs,
    filter_choices,
    optional_filter_runs,
)
from tests.support.demo_platform import DEMO_TENANTS

pytestmark = pytest.mark.e2e
DASHBOARD_KEYS = [dashboard.key for dashboard in load_dashboards()]


@pytest.mark.parametrize("key", DASHBOARD_KEYS)
def test_every_card_returns_its_columns_and_rows_with_default_filters(demo_run, dashboards, key):
    warehouse, dashboard = demo_run.warehouse, dashboards[key]
    with warehouse.reading():
        problems = [
            problem
            for tenant in DEMO_TENANTS
            for run in default_runs(warehouse, dashboard, tenant)
            if (problem := run.problem())
        ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("key", DASHBOARD_KEYS)
def test_every_filter_with_choices_lists_some_for_every_tenant(demo_run, dashboards, key):
    warehouse, dashboard = demo_run.warehouse, dashboards[key]
    with warehouse.reading():
        empty = [
            f"{tenant}: {name}"
            for tenant in DEMO_TENANTS
            for name, values in filter_choices(warehouse, dashboard, tenant).items()
            if not values
        ]
    assert not empty, f"{key}: filters without choices: {empty}"


@pytest.mark.parametrize("key", DASHBOARD_KEYS)
def test_optional_filters_keep_the_columns_and_a_real_choice_gives_rows(demo_run, dashboards, key):
    warehouse, dashboard = demo_run.warehouse, dashboards[key]
    problems = []
    with warehouse.reading():
        for tenant in DEMO_TENANTS:
            for name, card, runs in optional_filter_runs(warehouse, dashboard, tenant):
                problems += [p for run in runs if (p := run.problem(needs_rows=False))]
                if not runs or runs[-1].frame is None or runs[-1].frame.empty:
                    problems.append(f"{key}.{card.key} ({tenant}): no choice of {name} gives rows")
    assert not problems, "\n".join(problems)

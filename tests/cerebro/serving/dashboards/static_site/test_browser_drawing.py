"""How the demo pages are drawn in headless Chromium, measured rather than looked at (issue 26):
no Plotly tool bar over a legend or a plot, no rotated category labels, no tick label over
another or over its axis title, whole-number ticks on every axis of counts, and every table
scrolling sideways inside its card, with a note when columns are out of sight; no figure's
description cut short. One test per dashboard, both demo tenants."""

from __future__ import annotations

import re

import pytest

from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.serving.dashboards.static_site import site_dir
from tests.cerebro.serving.dashboards.static_site.browser_pages import drawing, go_offline, load
from tests.support.demo_platform import DEMO_TENANTS

DASHBOARDS = {dashboard.key: dashboard for dashboard in load_dashboards()}
#: A whole number as a tick reads in es_CL ("1.000") or es_PE ("1,000"), with an affix.
WHOLE_TICK = re.compile(r"^\D*-?\d{1,3}(?:[.,\u00a0]\d{3})*\D*$")


@pytest.fixture(scope="module")
def offline_chromium(chromium):
    go_offline(chromium)
    return chromium


def count_axes(card) -> list[str]:
    """The axes ("x", "y") of a chart card that show counts (columns of format integer)."""
    metrics = [card.columns.get(column) for column in card.y]
    counts = bool(metrics) and all(fmt == "integer" for fmt in metrics)
    if card.display in ("bar", "line", "area"):
        return ["y"] if counts else []
    if card.display == "row":
        return ["x"] if counts else []
    if card.display == "scatter":
        formats = {"x": card.columns.get(card.x), "y": metrics[0] if metrics else None}
        return [axis for axis, fmt in formats.items() if fmt == "integer"]
    return []


@pytest.mark.parametrize("dashboard_key", list(DASHBOARDS))
def test_charts_and_tables_are_drawn_readably(offline_chromium, demo_duckdb, dashboard_key):
    site = site_dir(demo_duckdb.settings)
    dashboard = DASHBOARDS[dashboard_key]
    problems = []
    for tenant_id in DEMO_TENANTS:
        load(offline_chromium, site / tenant_id / f"{dashboard_key}.html")
        measured = drawing(offline_chromium)
        for chart in measured["charts"]:
            where = f"{tenant_id}/{dashboard_key}/{chart['key']}"
            if chart["covered"]:
                problems.append(f"{where}: the Plotly tool bar covers the legend or the plot")
            if chart["rotated"]:
                problems.append(f"{where}: category labels are rotated")
            if chart["crowded"]:
                problems.append(f"{where}: tick labels overlap each other or the axis title")
            for axis in count_axes(dashboard.card(chart["key"])):
                fractional = [t for t in chart["ticks"][axis] if not WHOLE_TICK.match(t)]
                if fractional:
                    problems.append(f"{where}: counts on {axis} ticked {fractional}")
        for table in measured["tables"]:
            where = f"{tenant_id}/{dashboard_key}/{table['key']}"
            if not (table["scrolls"] and table["inside"]):
                problems.append(f"{where}: the table does not scroll inside its card")
            if table["wider"] and not table["noted"]:
                problems.append(f"{where}: columns out of sight and no note says so")
        # A figure's definition (e.g. what tells two amounts at risk apart) is read whole.
        for key in measured["cut_descriptions"]:
            problems.append(f"{tenant_id}/{dashboard_key}/{key}: description cut short")
    assert problems == []

"""What the Dagster UI shows of the graph: every asset grouped and described (no stubs in
group `default`), every check named readably and described, the dashboards downstream of the
marts they read (dbt exposures generated from the specs)."""

from __future__ import annotations

import re

import dagster as dg
import pytest

from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.serving.metabase.context import dashboard_tables
from orchestration.dbt_exposures import EXPOSURES_FILE, render_exposures
from tests.support.dbt_manifest import prepared_dbt_manifest


@pytest.fixture(scope="module")
def graph():
    prepared_dbt_manifest()
    from orchestration.definitions import defs

    return defs.resolve_asset_graph()


def test_every_asset_has_a_group_other_than_default_and_a_description(graph):
    ungrouped, undescribed = [], []
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.group_name in (None, "default"):
            ungrouped.append(key.to_user_string())
        if not (node.description or "").strip():
            undescribed.append(key.to_user_string())
    assert (ungrouped, undescribed) == ([], [])


def test_tables_written_outside_the_graph_are_described_by_their_dbt_source(graph):
    """The run history, the activation log and the quarantine: external assets with the dbt
    source's description and columns, in the group of their schema."""
    for path in (["ops", "dagster_runs"], ["ops", "activation_log"], ["quarantine", "quarantine"]):
        node = graph.get(dg.AssetKey(path))
        assert not node.is_executable
        assert node.group_name == "ops"
        assert node.description.startswith("One row per")
        assert node.metadata["dagster/column_schema"].columns


def _check_specs(graph) -> list[dg.AssetCheckSpec]:
    return [graph.get_check_spec(key) for key in graph.asset_check_keys]


def test_every_check_has_a_description_and_a_plain_readable_name(graph):
    """Dagster allows `^[A-Za-z0-9_]+$` in a check name: a dbt test named from its arguments
    had them mangled ("SEO / Orgánico" → "SEO_Org_nico") and ran past what the UI shows."""
    specs = _check_specs(graph)
    assert len(specs) > 300
    undescribed = [spec.key.to_user_string() for spec in specs if not spec.description]
    unreadable = [
        spec.key.to_user_string()
        for spec in specs
        if not re.fullmatch(r"[A-Za-z0-9_]{1,63}", spec.name)
        or "__" in spec.name.removeprefix(_model_prefix(spec))
        or spec.name.endswith("_")
    ]
    assert (undescribed, unreadable) == ([], [])


def _model_prefix(spec: dg.AssetCheckSpec) -> str:
    """The part of a name that is the asset's own name (staging models have `__` in theirs)."""
    model = spec.asset_key.path[-1]
    return spec.name[: spec.name.index(model) + len(model)] if model in spec.name else ""


def test_a_check_is_described_by_what_its_dbt_test_checks(graph):
    by_name = {spec.name: spec for spec in _check_specs(graph)}
    assert by_name["accepted_values_channel_mapping_channel_group"].description == (
        "`channel_group` is one of: Meta Ads, Google Ads, TikTok Ads, Amazon Ads, "
        "Mercado Libre, SEO / Orgánico, Email, Referido, Otro (or NULL)."
    )
    assert by_name["unique_key_fct_orders"].description == (
        "One row per `tenant_id`, `order_id`: no two rows share them."
    )
    assert by_name["assert_order_totals_reconcile_with_lines"].description.startswith(
        "Per order, the subtotal is its lines after their discounts"
    )


def test_the_committed_exposures_are_the_dashboard_specs_output():
    """dbt_project/models/exposures.yml is generated: it cannot drift from the specs."""
    assert EXPOSURES_FILE.read_text(encoding="utf-8") == render_exposures(), (
        "exposures.yml is out of date: run `python -m orchestration.dbt_exposures`"
    )


def test_each_dashboard_is_downstream_of_the_marts_its_spec_reads(graph):
    for dashboard in load_dashboards():
        node = graph.get(dg.AssetKey(["dashboards", dashboard.key]))
        marts = {dg.AssetKey(["marts", table]) for table in dashboard_tables(dashboard)}
        assert node.parent_keys == marts | {dg.AssetKey("metabase_dashboards")}
        assert node.group_name == "metabase" and not node.is_executable


def test_every_mart_column_shows_its_type_in_the_catalog(graph):
    """dagster-dbt's column table takes each column's `data_type` from the marts' YAML."""
    untyped = [
        f"{key.path[-1]}.{column.name}"
        for key in graph.get_all_asset_keys()
        if graph.get(key).group_name == "marts"
        for column in graph.get(key).metadata["dagster/column_schema"].columns
        if not column.type
    ]
    assert untyped == []

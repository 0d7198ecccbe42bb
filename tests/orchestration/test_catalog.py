"""What the Dagster UI shows of the graph: every asset grouped and described (no stubs in
group `default`), every check named readably and described."""

from __future__ import annotations

import dagster as dg
import pytest

from cerebro.platform import prepare_dbt_manifest


@pytest.fixture(scope="module")
def graph():
    prepare_dbt_manifest()
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

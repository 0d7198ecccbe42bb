"""The dashboards as dbt exposures, generated from their specs, and as Dagster assets.

``python -m orchestration.dbt_exposures`` writes `dbt_project/models/exposures.yml` from
`metabase/dashboards/*.yml`: one exposure per dashboard, depending on every mart its cards and
filter choices read (the reading that also gives `metabase_dashboards` its upstream marts). A
test compares the committed file with this output, so the file cannot drift from the specs.

dagster-dbt (0.29) turns models, seeds and snapshots into assets, not exposures:
``dashboard_specs`` makes each exposure of the manifest an external asset, downstream of the
marts it reads and of `metabase_dashboards`, which provisions it. They are external because
nothing materializes one dashboard alone; jobs select executable assets only.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import yaml

from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.serving.metabase.context import dashboard_tables
from cerebro.settings import DBT_PROJECT_DIR
from orchestration.dbt_project import dbt_project, load_manifest

EXPOSURES_FILE = DBT_PROJECT_DIR / "models" / "exposures.yml"
REPOSITORY = DBT_PROJECT_DIR.parent
GENERATED_BY = (
    "# Generated from metabase/dashboards/*.yml by `python -m orchestration.dbt_exposures`:\n"
    "# edit the specs and run it again (a test fails while this file is out of date).\n"
)
#: The asset that provisions every dashboard in Metabase (orchestration/metabase_assets.py).
PROVISIONER = dg.AssetKey("metabase_dashboards")


class _IndentedDumper(yaml.SafeDumper):
    """Lists indented under their key, as in the project's hand-written YAML."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def render_exposures(specs_dir: Path | None = None) -> str:
    """The exposures file for the dashboard specs in ``specs_dir`` (default: the project's)."""
    dashboards = load_dashboards(specs_dir) if specs_dir else load_dashboards()
    exposures = []
    for dashboard in dashboards:
        spec = dashboard.path.resolve().relative_to(REPOSITORY) if dashboard.path else None
        exposures.append(
            {
                "name": dashboard.key,
                "label": dashboard.title,
                "type": "dashboard",
                "maturity": "high",
                "description": dashboard.description or dashboard.title,
                "depends_on": [f"ref('{table}')" for table in sorted(dashboard_tables(dashboard))],
                "owner": {"name": "Cerebro"},
                "meta": {"spec": str(spec)},
            }
        )
    body = yaml.dump(
        {"version": 2, "exposures": exposures},
        Dumper=_IndentedDumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    return GENERATED_BY + "\n" + body


def dashboard_specs() -> list[dg.AssetSpec]:
    """One external asset per dbt exposure of the manifest, after the marts it reads."""
    from orchestration.dbt_assets import TRANSLATOR

    manifest = load_manifest()
    specs = []
    for unique_id, exposure in sorted(manifest["exposures"].items()):
        marts = [
            TRANSLATOR.get_asset_spec(manifest, node, dbt_project).key
            for node in exposure["depends_on"]["nodes"]
        ]
        specs.append(
            dg.AssetSpec(
                key=dg.AssetKey(["dashboards", exposure["name"]]),
                description=f"{exposure['label']}: {exposure['description'].strip()}",
                group_name="metabase",
                kinds={"metabase"},
                deps=[*marts, PROVISIONER],
                metadata={"dbt_exposure": unique_id, **exposure.get("meta", {})},
            )
        )
    return specs


if __name__ == "__main__":
    EXPOSURES_FILE.write_text(render_exposures(), encoding="utf-8")
    print(f"wrote {EXPOSURES_FILE}")

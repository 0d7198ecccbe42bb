"""The dbt project, as dagster-dbt sees it."""

import json
from collections import defaultdict

from dagster_dbt import DbtProject

from cerebro.settings import DBT_PROJECT_DIR, put_scripts_on_path

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Under `dagster dev` the manifest is re-parsed at load (dagster-dbt runs `dbt` from PATH,
# which lacks the virtualenv's scripts when `.venv/bin/dagster` is run directly); elsewhere
# `cerebro` prepares it before loading the definitions (never at import time in prod).
put_scripts_on_path()
dbt_project.prepare_if_dev()


def singer_sources() -> dict[str, list[str]]:
    """Tables of every dbt source landed by Singer taps (meta.landed_by), by source."""
    manifest = json.loads(dbt_project.manifest_path.read_text())
    tables: dict[str, list[str]] = defaultdict(list)
    for source in manifest["sources"].values():
        if source.get("meta", {}).get("landed_by") == "singer":
            tables[source["source_name"]].append(source["name"])
    return {name: sorted(names) for name, names in sorted(tables.items())}

"""The dbt project, as dagster-dbt sees it."""

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from dagster_dbt import DbtProject
from dagster_dbt.dbt_manifest import read_manifest_path

from cerebro.settings import DBT_PROJECT_DIR, put_scripts_on_path

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
#: What the manifest is parsed from: a change to any of these makes it stale.
_PROJECT_SOURCES = ("dbt_project.yml", "selectors.yml", "models", "macros", "seeds", "tests")


def manifest_is_stale() -> bool:
    """Whether the manifest is missing or older than a file of the dbt project."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    parsed_at = manifest.stat().st_mtime_ns
    for name in _PROJECT_SOURCES:
        source = DBT_PROJECT_DIR / name
        files = [source] if source.is_file() else source.rglob("*")
        if any(path.stat().st_mtime_ns > parsed_at for path in files if path.is_file()):
            return True
    return False


# Under `dagster dev` the manifest is re-parsed at load when a dbt file changed since the last
# parse (dagster-dbt would parse on every load, ~8 s of each reload; it runs `dbt` from PATH,
# which lacks the virtualenv's scripts when `.venv/bin/dagster` is run directly); elsewhere
# `cerebro` prepares it before loading the definitions (never at import time in prod).
put_scripts_on_path()
if manifest_is_stale():
    dbt_project.prepare_if_dev()


def load_manifest() -> Mapping[str, Any]:
    """The parsed manifest, read once per process: dagster-dbt's own cache, so the asset
    definitions and every reader here share one copy (and the translator's memo, keyed by the
    manifest object, works across them). Read-only: it is shared."""
    return read_manifest_path(dbt_project.manifest_path.resolve())


def singer_sources() -> dict[str, list[str]]:
    """Tables of every dbt source landed by Singer taps (meta.landed_by), by source."""
    manifest = load_manifest()
    tables: dict[str, list[str]] = defaultdict(list)
    for source in manifest["sources"].values():
        if source.get("meta", {}).get("landed_by") == "singer":
            tables[source["source_name"]].append(source["name"])
    return {name: sorted(names) for name, names in sorted(tables.items())}

"""dbt names that become PostgreSQL identifiers fit PostgreSQL's 63-character limit.

DuckDB accepts longer names, so a too-long name passes every DuckDB run and only breaks the
PostgreSQL build. dbt-postgres refuses relation names over 63 characters (NAMEDATALEN - 1),
and a unit test's scratch relation is named after the unit test, so unit test names count too.
This reads the project's files, so it fails in a second rather than after a platform run.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from cerebro.settings import DBT_PROJECT_DIR

POSTGRES_MAX_IDENTIFIER = 63
NAMED_IN_YAML = ("models", "seeds", "snapshots", "unit_tests")


def _project_files(pattern: str) -> list[Path]:
    return [
        path
        for folder in ("models", "seeds", "snapshots", "macros", "tests")
        for path in sorted((DBT_PROJECT_DIR / folder).rglob(pattern))
    ]


def _names() -> list[tuple[str, str]]:
    names = [(path.stem, str(path)) for path in _project_files("*.sql")]
    names += [(path.stem, str(path)) for path in _project_files("*.csv")]
    for path in _project_files("*.yml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict):
            continue
        for kind in NAMED_IN_YAML:
            for entry in document.get(kind) or []:
                if isinstance(entry, dict) and entry.get("name"):
                    names.append((entry["name"], f"{path} ({kind})"))
                    alias = (entry.get("config") or {}).get("alias")
                    if alias:
                        names.append((alias, f"{path} ({kind} alias)"))
    return names


def test_every_model_seed_and_unit_test_name_fits_a_postgres_identifier():
    names = _names()
    assert len(names) > 50  # the project was found
    too_long = [
        f"{len(name)} characters: {name} in {where}"
        for name, where in names
        if len(name) > POSTGRES_MAX_IDENTIFIER
    ]
    assert not too_long, "\n".join(too_long)

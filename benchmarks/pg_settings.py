"""The PostgreSQL server settings the benchmarks start their server with: the ones
docker-compose.yml gives the production server (its ``postgres`` service's ``-c`` options), so
that a benchmark measures the server as it is shipped (decision 0043). ``--pg-setting``
overrides or adds to them."""

from __future__ import annotations

from pathlib import Path

import yaml

from cerebro.settings import PROJECT_ROOT

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"


def shipped_postgres_settings(compose_file: Path = COMPOSE_FILE) -> dict[str, str]:
    """``{"work_mem": "64MB", …}`` from the ``postgres`` service's command."""
    service = yaml.safe_load(compose_file.read_text(encoding="utf-8"))["services"]["postgres"]
    command = service.get("command") or []
    settings = {}
    for flag, option in zip(command[1::2], command[2::2], strict=False):
        if flag == "-c":
            name, _, value = option.partition("=")
            settings[name] = value
    return settings


def benchmark_postgres_settings(overrides: list[tuple[str, str]]) -> dict[str, str]:
    """The shipped settings with ``--pg-setting``'s ``overrides`` over them, printed: a
    benchmark's output says what server it measured."""
    settings = {**shipped_postgres_settings(), **dict(overrides)}
    print(f"PostgreSQL settings: {settings}", flush=True)
    return settings

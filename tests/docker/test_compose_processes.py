"""The production rehearsal reads docker-compose.yml as docker-compose does: the oracle is
Debian's docker-compose (1.29, no engine needed) resolving the same file with the same .env
(`docker-compose config`). Commands, environments (env files merged), healthchecks, start
conditions and restart policies must be the same, or the rehearsal would run another stack."""

from __future__ import annotations

import pytest
import yaml

from cerebro.settings import PROJECT_ROOT, read_env_file
from tests.docker.compose_processes import ComposeError, interpolate, load_compose
from tests.docker.test_compose import _compose


@pytest.fixture
def variables(tmp_path) -> dict[str, str]:
    secrets = tmp_path / "tenant-secrets.env"
    secrets.write_text("SHOP_TOKEN_TEST=shpat_test\n", encoding="utf-8")
    return {
        **read_env_file(PROJECT_ROOT / ".env.example"),
        "CEREBRO_TENANT_SECRETS": str(secrets),
        # Unset variables with a default (${CEREBRO_TENANTS_YML:-...}) are read alike too.
        "CEREBRO_TENANTS_YML": "",
    }


def test_the_services_read_are_those_docker_compose_resolves(variables, tmp_path):
    done = _compose(variables, "config", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    resolved = yaml.safe_load(done.stdout)["services"]
    read = load_compose(variables)
    assert set(read) == set(resolved)
    for name, service in read.items():
        expected = resolved[name]
        environment = {}
        for env_file in service.get("env_file", []):
            environment.update(read_env_file(PROJECT_ROOT / env_file))
        environment.update({k: str(v) for k, v in service.get("environment", {}).items()})
        assert environment == {k: str(v) for k, v in expected.get("environment", {}).items()}
        assert [str(w) for w in service.get("command", [])] == expected.get("command", [])
        assert service.get("healthcheck", {}).get("test") == expected.get("healthcheck", {}).get(
            "test"
        ), name
        assert service.get("depends_on", {}) == expected.get("depends_on", {}), name
        assert service.get("restart") == expected.get("restart"), name
        mounts = {str(v).split(":")[1] for v in service.get("volumes", [])}
        assert mounts == {str(v).split(":")[1] for v in expected.get("volumes", [])}, name


def test_a_required_variable_missing_stops_the_reading_as_it_stops_compose():
    with pytest.raises(ComposeError, match="CEREBRO_PG_PASSWORD is missing a value: set it"):
        interpolate("${CEREBRO_PG_PASSWORD:?set it}", {"CEREBRO_PG_PASSWORD": ""})
    assert interpolate("${PORT:-3000}/$${X}", {}) == "3000/${X}"
    assert interpolate("${PORT-3000}", {"PORT": ""}) == ""

"""docker-compose.yml validates with Debian's docker-compose (1.29, no engine needed) given the
example .env, and refuses to start without any one of its required secrets, naming it. The stack
it describes is the one docs/metabase.md promises: pinned images, healthchecks, the one-shot
provisioning after Metabase is healthy, secrets only from .env and tenant-secrets.env, the
Dagster UI on the loopback only, the code in its own gRPC code server that the webserver and
the daemon reach through a workspace file (Dagster's Docker example), and the tenants file
mounted, not in the image."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from cerebro.settings import PROJECT_ROOT
from cerebro.tenants import load_tenants

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
TENANT_SECRETS_EXAMPLE = PROJECT_ROOT / "tenant-secrets.env.example"
WORKSPACE_FILE = PROJECT_ROOT / "docker" / "dagster" / "workspace.yaml"
#: Services that run Cerebro's code (and so read the tenants file), and those that hold none.
CODE_SERVICES = ("platform", "user-code", "tenant-readers", "metabase-provision")
DAGSTER_SYSTEM_SERVICES = ("dagster-webserver", "dagster-daemon")


def _example_env() -> dict[str, str]:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    pairs = [line.split("=", 1) for line in lines if line and not line.startswith("#")]
    return {name: value for name, value in pairs}


def _compose(
    variables: dict[str, str], *arguments: str, tmp_path: Path
) -> subprocess.CompletedProcess:
    """docker-compose with exactly ``variables`` in its environment and an empty --env-file (a
    developer's own .env or shell must not make a missing secret look set)."""
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed (Debian: apt-get install docker-compose)")
    empty = tmp_path / "empty.env"
    empty.write_text("", encoding="utf-8")
    return subprocess.run(
        [binary, "-f", str(COMPOSE_FILE), "--env-file", str(empty), *arguments],
        cwd=PROJECT_ROOT,
        env={"PATH": os.environ["PATH"], **variables},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def example_variables(tmp_path) -> dict[str, str]:
    """.env.example's values, with the tenants' secrets file copied from its example (a file
    compose must find) holding one made-up secret."""
    secrets = tmp_path / "tenant-secrets.env"
    secrets.write_text(
        TENANT_SECRETS_EXAMPLE.read_text(encoding="utf-8") + "SHOP_TOKEN_TEST=shpat_test\n",
        encoding="utf-8",
    )
    return {**_example_env(), "CEREBRO_TENANT_SECRETS": str(secrets)}


@pytest.fixture
def resolved(example_variables, tmp_path) -> dict:
    """The stack as docker-compose resolves it from the example .env (interpolated, merged)."""
    done = _compose(example_variables, "config", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "is not set" not in done.stderr, done.stderr
    return yaml.safe_load(done.stdout)["services"]


def _raw() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def _required_variables() -> list[str]:
    lines = COMPOSE_FILE.read_text(encoding="utf-8").splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    return sorted(set(re.findall(r"\$\{([A-Z_]+):\?", text)))


def test_the_compose_file_validates_with_the_env_example(resolved):
    assert set(resolved) >= {*CODE_SERVICES, *DAGSTER_SYSTEM_SERVICES, "postgres", "metabase"}


def test_each_required_secret_missing_stops_compose_naming_it(example_variables, tmp_path):
    """Every password, the Metabase admin's e-mail and the partitions' first day (decision
    0035) are required; with any one of them unset (or empty) `docker-compose config` fails and
    its message names that variable."""
    required = _required_variables()
    assert required == [
        "CEREBRO_PARTITIONS_START", "CEREBRO_PG_PASSWORD", "DAGSTER_PG_PASSWORD",
        "METABASE_ADMIN_EMAIL", "METABASE_ADMIN_PASSWORD", "METABASE_DB_PASSWORD",
        "METABASE_WAREHOUSE_PASSWORD", "POSTGRES_PASSWORD",
    ]  # fmt: skip
    # Each one unset, and one set but empty (`:?` treats both alike; one run shows it).
    cases = [({k: v for k, v in example_variables.items() if k != n}, n) for n in required]
    cases.append(({**example_variables, "POSTGRES_PASSWORD": ""}, "POSTGRES_PASSWORD"))
    for variables, name in cases:
        done = _compose(variables, "config", "-q", tmp_path=tmp_path)
        assert done.returncode != 0, name
        assert f"set {name} in .env" in done.stderr, done.stderr
    nothing = _compose({}, "config", "-q", tmp_path=tmp_path)
    assert nothing.returncode != 0 and "in .env (cp .env.example .env)" in nothing.stderr


def test_no_secret_is_written_in_the_compose_file():
    """Passwords, e-mails and keys are interpolated from the environment, each required."""
    for name, service in _raw()["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|PASS$|EMAIL|API_KEY$", key):
                assert re.fullmatch(r"\$\{([A-Z_]+):\?set \1 in \.env[^}]*\}", str(value)), (
                    f"{name}: {key} is literal or optional"
                )


def test_images_are_pinned_services_are_checked_and_provisioning_waits_for_metabase(resolved):
    for name, service in resolved.items():
        image = service["image"]
        assert ":" in image and not image.endswith(":latest"), f"{name}: {image} is not pinned"
        if service.get("restart") != "no":  # long-running services report their health
            assert "healthcheck" in service, name
    assert re.fullmatch(r"metabase/metabase:v0\.\d+\.\d+(\.\d+)?", resolved["metabase"]["image"])
    provision = resolved["metabase-provision"]
    assert provision["command"][:3] == ["cerebro", "metabase", "apply"]
    assert provision["depends_on"]["metabase"]["condition"] == "service_healthy"
    assert provision["depends_on"]["platform"]["condition"] == "service_completed_successfully"


def test_tenant_readers_are_made_after_the_build_and_their_passwords_reach_provisioning(
    resolved,
):
    """No one creates the tenants' reader roles or chooses their passwords by hand (issue 57):
    a one-shot makes them once the marts exist, keeps the passwords in the secrets volume, and
    Metabase's provisioning waits for it and reads them from there."""
    readers = resolved["tenant-readers"]
    secrets_file = readers["command"][readers["command"].index("--secrets-file") + 1]
    assert readers["command"][:3] == ["cerebro", "security", "bootstrap"]
    assert readers["depends_on"]["platform"]["condition"] == "service_completed_successfully"
    provision = resolved["metabase-provision"]
    assert provision["depends_on"]["tenant-readers"]["condition"] == (
        "service_completed_successfully"
    )
    # The nightly publish run applies Metabase from the code server: it reads the logins too.
    for name in ("metabase-provision", "user-code"):
        assert resolved[name]["environment"]["METABASE_TENANT_LOGINS_FILE"] == secrets_file
    for name in ("tenant-readers", "metabase-provision", "user-code"):
        folder = str(Path(secrets_file).parent)
        mounts = [str(v) for v in resolved[name]["volumes"]]
        assert any(f":{folder}" in m for m in mounts), (name, mounts)
    init = (PROJECT_ROOT / "docker" / "postgres" / "initdb" / "10-cerebro.sh").read_text()
    assert "CREATE ROLE cerebro LOGIN CREATEROLE" in init, "the bootstrap creates roles"


def test_the_dagster_ui_and_postgres_are_published_on_the_loopback_only(resolved):
    """The Dagster UI has no login and launches runs: reachable from this machine only."""
    for name in ("dagster-webserver", "postgres"):
        ports = resolved[name]["ports"]
        assert ports and all(str(p).startswith("127.0.0.1:") for p in ports), (name, ports)
    assert "ports" not in resolved["user-code"]  # gRPC on the stack's network only


def test_the_code_runs_in_its_own_grpc_server_which_the_webserver_and_daemon_reach(resolved):
    """As in Dagster's Docker example: `dagster api grpc` in the user-code service, a
    workspace file pointing the webserver and the daemon at it, neither of them loading the
    code (no -m), both waiting for a healthy code server, and the daemon for the first build
    too (its seeds sensor would race it)."""
    code = resolved["user-code"]["command"]
    assert code[:3] == ["dagster", "api", "grpc"]
    port = int(code[code.index("-p") + 1])
    assert code[code.index("-m") + 1] == "orchestration.definitions"
    assert resolved["user-code"]["healthcheck"]["test"][1:4] == [
        "dagster",
        "api",
        "grpc-health-check",
    ]
    (location,) = yaml.safe_load(WORKSPACE_FILE.read_text(encoding="utf-8"))["load_from"]
    assert location["grpc_server"]["host"] == "user-code"
    assert location["grpc_server"]["port"] == port
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "docker/dagster/workspace.yaml /opt/dagster/home/" in dockerfile
    for name in DAGSTER_SYSTEM_SERVICES:
        command = resolved[name]["command"]
        assert command[command.index("-w") + 1] == "/opt/dagster/home/workspace.yaml", name
        assert "-m" not in command, name
        assert resolved[name]["depends_on"]["user-code"]["condition"] == "service_healthy"
    # The daemon's sensors and schedules start after the first build, not during it.
    daemon_waits_for = resolved["dagster-daemon"]["depends_on"]["platform"]["condition"]
    assert daemon_waits_for == "service_completed_successfully"


def test_secrets_and_the_tenants_file_reach_only_the_containers_that_run_code(resolved):
    """The webserver and the daemon get Dagster's instance settings and nothing else: no
    warehouse password, no Metabase key, no tenants file, no tenant secret. The containers
    that run code get the tenant secrets file's variables and the tenants file, read-only, at
    the path CEREBRO_TENANTS_FILE names."""
    for name in DAGSTER_SYSTEM_SERVICES:
        environment = resolved[name]["environment"]
        assert set(environment) == {
            "DAGSTER_HOME", "DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_DB",
            "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD",
        }, name  # fmt: skip
        mounts = " ".join(str(v) for v in resolved[name].get("volumes", []))
        assert "tenants.yml" not in mounts and "secrets" not in mounts, name
    for name in CODE_SERVICES:
        environment = resolved[name]["environment"]
        target = environment["CEREBRO_TENANTS_FILE"]
        mounts = [str(v) for v in resolved[name]["volumes"]]
        assert any(m.endswith(f"cerebro/tenants.yml:{target}:ro") for m in mounts), (name, mounts)
    for name in ("platform", "user-code"):
        assert resolved[name]["environment"]["SHOP_TOKEN_TEST"] == "shpat_test", name
    assert "SHOP_TOKEN_TEST" not in resolved["metabase-provision"]["environment"]
    assert "SHOP_TOKEN_TEST" not in resolved["metabase"]["environment"]


def test_the_image_leaves_out_the_tenants_file_and_local_secrets():
    ignored = (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert {"cerebro/tenants.yml", ".env", "tenant-secrets.env"} <= set(ignored)
    assert "tenant-secrets.env" in (PROJECT_ROOT / ".gitignore").read_text().splitlines()


def test_the_tenant_secrets_example_names_every_variable_the_tenants_file_names():
    """The oracle is the tenants file as the platform loads it: each variable under a source's
    or a destination's `secrets:` is in tenant-secrets.env.example for the operator to set."""
    named = {
        variable
        for tenant in load_tenants(PROJECT_ROOT / "cerebro" / "tenants.yml")
        for config in [*tenant.sources.values(), *tenant.destinations.values()]
        for variable in config.secrets.values()
    }
    assert named
    listed = set(re.findall(r"^# ([A-Z][A-Z0-9_]*)=$", TENANT_SECRETS_EXAMPLE.read_text(), re.M))
    assert listed == named

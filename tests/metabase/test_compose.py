"""docker-compose.yml validates with Debian's docker-compose (1.29, no engine needed), with and
without an .env, and the stack it describes is the one the README promises: pinned images,
healthchecks, the one-shot provisioning after Metabase is healthy, secrets only from .env."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from cerebro.settings import PROJECT_ROOT

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"


def _compose(*arguments: str) -> subprocess.CompletedProcess:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed (Debian: apt-get install docker-compose)")
    return subprocess.run(
        [binary, "-f", str(COMPOSE_FILE), *arguments],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_compose_file_validates():
    done = _compose("config", "-q")
    assert done.returncode == 0, done.stderr


def test_the_env_example_sets_every_variable_the_compose_file_uses():
    done = _compose("--env-file", str(ENV_EXAMPLE), "config", "-q")
    assert done.returncode == 0, done.stderr
    assert "is not set" not in done.stderr


def test_images_are_pinned_services_are_checked_and_provisioning_waits_for_metabase():
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    services = document["services"]
    for name, service in services.items():
        image = service["image"]
        assert ":" in image and not image.endswith(":latest"), f"{name}: {image} is not pinned"
        if service.get("restart") != "no":  # long-running services report their health
            assert "healthcheck" in service, name
    assert re.fullmatch(r"metabase/metabase:v0\.\d+\.\d+(\.\d+)?", services["metabase"]["image"])
    provision = services["metabase-provision"]
    assert provision["command"][:3] == ["cerebro", "metabase", "apply"]
    assert provision["depends_on"]["metabase"]["condition"] == "service_healthy"
    assert provision["depends_on"]["platform"]["condition"] == "service_completed_successfully"


def test_no_secret_is_written_in_the_compose_file():
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    for name, service in document["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|PASS$|EMAIL|API_KEY$", key):
                assert re.fullmatch(r"\$\{[A-Z_]+\}", str(value)), f"{name}: {key} is literal"

"""Credentials handed to Singer — a tenant's Shopify token (named in the tenants file, read from
the environment) and the warehouse password (in target-postgres's URL) — live only in config
files that only their owner can read and that are deleted after the run, and reach no log,
state file or error message, even when the run fails.

Oracles: stand-in Singer processes (fast) and a fake Shopify endpoint (slow: the real tap and
target-postgres take seconds to start) record what they received and the config files as they
were during the run, so the secrets did flow; then every byte the run left is searched."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import stat
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from werkzeug import Request, Response

from cerebro.landing.ingest import land_source
from cerebro.landing.pipeline import LandingError, run_pipeline
from cerebro.landing.taps import tap_invocation
from cerebro.settings import load_settings
from cerebro.tenants import load_tenants
from cerebro.warehouse import Warehouse

TOKEN_VARIABLE = "SHOP_TOKEN_SECURITY_TEST"
API_VERSION = "2026-10"
TENANTS_YAML = """
tenants:
  - tenant_id: tienda_cl
    name: Tienda
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    sources:
      shopify:
        tap: shopify
        settings: {{shop: tienda-prueba, api_version: "{api_version}", base_url: "{base_url}",
                   start_date: "2026-01-01T00:00:00Z", end_date: "2026-02-01T00:00:00Z"}}
        secrets: {{access_token: {variable}}}
"""


def spellings(secret: str) -> set[str]:
    """The secret as written, and as URL-escaped in a connection URL."""
    return {secret, quote(secret, safe=""), quote_plus(secret)}


# Stand-ins for a tap and a target: each records its config file's mode and content beside the
# test (outside the data dir), then behaves as a Singer process that has nothing to send.
RECORD_CONFIG = """
import json, os, stat, sys
path = sys.argv[sys.argv.index("--config") + 1]
with open(os.path.join({where!r}, {name!r}), "w") as record:
    json.dump({{"mode": stat.S_IMODE(os.stat(path).st_mode), "text": open(path).read()}}, record)
sys.stdin.read() if {name!r} == "target" else None
"""


def write_tenants(path: Path, base_url: str) -> Path:
    path.write_text(
        TENANTS_YAML.format(api_version=API_VERSION, base_url=base_url, variable=TOKEN_VARIABLE)
    )
    return path


def serve_a_refused_token(httpserver, config_dir: Path | None = None) -> dict:
    """A fake Shopify that refuses every token (401). The returned dict fills in as requests
    arrive: the token received and, with ``config_dir``, the Singer config files there then
    (name -> (mode, text))."""
    seen: dict = {}

    def refuse_the_token(request: Request) -> Response:
        seen["token"] = request.headers.get("X-Shopify-Access-Token")
        if config_dir is not None:
            seen["configs"] = {
                path.name: (stat.S_IMODE(path.stat().st_mode), path.read_text())
                for path in config_dir.glob("*/*.json")
            }
        body = {"errors": "[API] Invalid API key or access token (unrecognized login)"}
        return Response(json.dumps(body), status=401, content_type="application/json")

    httpserver.expect_request(
        f"/admin/api/{API_VERSION}/graphql.json", method="POST"
    ).respond_with_handler(refuse_the_token)
    return seen


def all_files(directory: Path) -> list[Path]:
    return [path for path in directory.rglob("*") if path.is_file()]


def test_secrets_reach_singer_only_through_owner_only_config_files_removed_after_the_run(
    tmp_path, monkeypatch
):
    token, password = f"shpat_FAKE{secrets.token_hex(12)}", f"pg@FAKE/{secrets.token_hex(8)}"
    monkeypatch.setenv(TOKEN_VARIABLE, token)
    monkeypatch.setenv("CEREBRO_PG_PASSWORD", password)
    scratch, records = tmp_path / "scratch", tmp_path / "records"
    scratch.mkdir()
    records.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the config files go
    tenants_file = write_tenants(tmp_path / "tenants.yml", "http://127.0.0.1:9/")
    settings = load_settings(
        {"CEREBRO_WAREHOUSE": "postgres", "CEREBRO_DATA_DIR": str(tmp_path / "data"),
         "CEREBRO_TENANTS_FILE": str(tenants_file)}
    )  # fmt: skip
    (tenant,) = load_tenants(tenants_file)
    _, tap_config = tap_invocation(tenant, tenant.sources["shopify"], settings.demo_dir)
    _, target_config = Warehouse(settings).singer_target("raw_shopify")

    run_pipeline(
        tenant_id=tenant.tenant_id,
        source="shopify",
        tap_command=[sys.executable, "-c", RECORD_CONFIG.format(where=str(records), name="tap")],
        tap_config=tap_config,
        target_command=[
            sys.executable, "-c", RECORD_CONFIG.format(where=str(records), name="target")
        ],
        target_config=target_config,
        state_path=settings.state_dir / tenant.tenant_id / "shopify.json",
        log_dir=settings.logs_dir / tenant.tenant_id,
    )  # fmt: skip

    seen = {name: json.loads((records / name).read_text()) for name in ("tap", "target")}
    assert {name: record["mode"] for name, record in seen.items()} == {
        "tap": 0o600,
        "target": 0o600,
    }
    assert token in seen["tap"]["text"]
    assert any(spelling in seen["target"]["text"] for spelling in spellings(password))
    assert list(scratch.iterdir()) == []
    left_behind = all_files(settings.data_dir)
    assert {path.name for path in left_behind} >= {"shopify.tap.log", "shopify.target.log"}
    for secret in {token} | spellings(password):
        for path in left_behind:
            assert secret not in path.read_text(errors="replace"), path


@pytest.mark.slow
def test_a_failed_landing_leaves_no_token_or_password_in_logs_state_or_error(
    postgres_server, httpserver, tmp_path, monkeypatch
):
    token = f"shpat_FAKE{secrets.token_hex(12)}"
    monkeypatch.setenv(TOKEN_VARIABLE, token)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the config files go
    seen = serve_a_refused_token(httpserver, config_dir=scratch)
    tenants_file = write_tenants(tmp_path / "tenants.yml", httpserver.url_for("/"))
    data_dir = tmp_path / "data"
    settings = load_settings(
        {
            **postgres_server.cerebro_environ(postgres_server.create_database("landing")),
            "CEREBRO_DATA_DIR": str(data_dir),
            "CEREBRO_TENANTS_FILE": str(tenants_file),
        }
    )

    with pytest.raises(LandingError, match="refused the access token") as raised:
        land_source("shopify", load_tenants(tenants_file), settings, Warehouse(settings))

    # The secrets did flow: to Shopify, and into config files only their owner could read.
    assert seen["token"] == token
    assert {name: mode for name, (mode, _) in seen["configs"].items()} == {
        "tap.json": 0o600,
        "target.json": 0o600,
    }
    assert token in seen["configs"]["tap.json"][1]
    assert list(scratch.iterdir()) == []  # removed after the run
    # ... and nowhere else: not in the error, nor in any file under the data dir.
    forbidden = {token} | spellings(postgres_server.password)
    left_behind = all_files(data_dir)
    assert any(path.name == "shopify.tap.log" for path in left_behind)
    for secret in forbidden:
        assert secret not in str(raised.value)
        for path in left_behind:
            assert secret not in path.read_text(errors="replace"), path


def test_a_dagster_landing_keeps_the_token_out_of_its_event_log_and_files(
    httpserver, tmp_path, monkeypatch
):
    """The Shopify landing asset, run by Dagster on DuckDB, with a token Shopify refuses: the
    failure is recorded (event log, step error, compute logs), the token nowhere in it."""
    import dagster as dg

    from orchestration import ingestion_assets
    from orchestration.partitions import partition_key, register_tenants
    from orchestration.resources import CerebroResource
    from tests.support.dbt_manifest import prepared_dbt_manifest

    token = f"shpat_FAKE{secrets.token_hex(12)}"
    monkeypatch.setenv(TOKEN_VARIABLE, token)
    seen = serve_a_refused_token(httpserver)
    tenants_file = write_tenants(tmp_path / "tenants.yml", httpserver.url_for("/"))
    for name in ("CEREBRO_DUCKDB_PATH", "CEREBRO_WAREHOUSE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CEREBRO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CEREBRO_TENANTS_FILE", str(tenants_file))
    prepared_dbt_manifest()
    # One attempt: the asset's retries (two, 30 s apart) would only repeat the same refusal.
    monkeypatch.setattr(ingestion_assets.dg, "RetryPolicy", lambda **_: None)
    (land,) = [a for a in ingestion_assets.landing_assets() if a.op.name == "land_shopify"]
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    with dg.instance_for_test(temp_dir=str(dagster_home)) as instance:
        register_tenants(instance, ["tienda_cl"])
        result = dg.materialize(
            [land], partition_key=str(partition_key(dt.date(2026, 1, 31), "tienda_cl")),
            instance=instance, resources={"cerebro": CerebroResource()}, raise_on_error=False,
        )  # fmt: skip
        events = instance.all_logs(result.run_id)

    assert not result.success and seen["token"] == token  # the token did flow, to Shopify
    failures = [event.dagster_event for event in events if event.is_dagster_event]
    errors = [str(e.event_specific_data.error) for e in failures if e.is_step_failure]
    assert errors and "refused the access token" in errors[0]
    recorded = [dg.serialize_value(event) for event in events]
    files = all_files(dagster_home) + all_files(tmp_path / "data")
    assert any(path.name == "shopify.tap.log" for path in files)
    for secret in spellings(token):
        assert not any(secret in text for text in recorded)
        for path in files:
            assert secret.encode() not in path.read_bytes(), path

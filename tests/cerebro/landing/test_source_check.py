"""`cerebro check` and the reachability check `cerebro run` makes first (issue 57), against
the local imitation of Meta's Marketing API (tests/taps/tap_cerebro_meta_ads/fake_meta_api.py):
one line per source, from the tap's own foreseen failure, before any seed or model runs."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from cerebro.cli.main import main
from tests.taps.tap_cerebro_meta_ads.fake_meta_api import Account, FakeMetaApi

TOKEN = "EAAB-meta-secret-token-1234567890"
ACCOUNT = "1029384756"
TENANT = """\
  - tenant_id: {tenant_id}
    name: Tienda
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    sources:
      meta_ads:
        tap: meta_ads
        settings: {{account_ids: [act_{account}], start_date: "2026-10-01", base_url: {url}}}
        secrets: {{access_token: {variable}}}
"""


@pytest.fixture
def tenants_file(tmp_path, httpserver, monkeypatch):
    api = FakeMetaApi(TOKEN, {ACCOUNT: Account("America/Santiago", "CLP", ("120001",))})
    api.register(httpserver)
    monkeypatch.setenv("CEREBRO_TEST_META_GOOD", TOKEN)
    monkeypatch.setenv("CEREBRO_TEST_META_REVOKED", "EAAB-revoked-token")
    monkeypatch.delenv("CEREBRO_TEST_META_UNSET", raising=False)
    tenants = [
        ("tienda_ok", "CEREBRO_TEST_META_GOOD"),
        ("tienda_revocada", "CEREBRO_TEST_META_REVOKED"),
        ("tienda_sin_token", "CEREBRO_TEST_META_UNSET"),
    ]
    path = tmp_path / "tenants.yml"
    path.write_text(
        "tenants:\n"
        + "".join(
            TENANT.format(tenant_id=t, account=ACCOUNT, url=api.base_url, variable=v)
            for t, v in tenants
        ),
        encoding="utf-8",
    )
    return path


def test_check_says_per_source_what_answers_and_what_to_do(tenants_file):
    result = CliRunner().invoke(main, ["check", "--tenants-file", str(tenants_file)])
    lines = result.output.splitlines()
    assert result.exit_code == 1, result.output
    assert re.fullmatch(r"tienda_ok/meta_ads +ok · answered \(\d+\.\d s\)", lines[0])
    assert re.match(r"tienda_revocada/meta_ads +FAILED · Meta rejected the access token", lines[1])
    assert "EAAB-revoked-token" not in result.output
    assert re.match(
        r"tienda_sin_token/meta_ads +FAILED · not set: CEREBRO_TEST_META_UNSET: set it in", lines[2]
    )
    assert lines[3] == "Error: 2 sources of 3 cannot be read"


def test_check_of_one_tenant_tries_only_its_sources(tenants_file):
    result = CliRunner().invoke(
        main, ["check", "--tenants-file", str(tenants_file), "--tenant", "tienda_ok"]
    )
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.output.splitlines()] == ["tienda_ok/meta_ads"]


def test_run_stops_before_any_work_when_a_source_cannot_be_read(tenants_file, tmp_path):
    """The secret is set, the vendor refuses it: the run says so per source and stops, before
    the seeds, the warehouse or Dagster (it once retried for minutes)."""
    text = tenants_file.read_text(encoding="utf-8")
    tenants_file.write_text(text.split("  - tenant_id: tienda_sin_token")[0], encoding="utf-8")
    data_dir = tmp_path / "data"
    result = CliRunner().invoke(
        main, ["run", "--tenants-file", str(tenants_file), "--data-dir", str(data_dir)]
    )
    assert result.exit_code == 1, result.output
    assert "Running the platform" not in result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("  tienda_")]
    assert line.startswith("  tienda_revocada/meta_ads: ")
    assert result.output.splitlines()[-1] == (
        "Error: 1 source of 2 cannot be read (above): fix them, then run again "
        "(`cerebro check` tries them alone)"
    )
    assert not (data_dir / "cerebro.duckdb").exists()

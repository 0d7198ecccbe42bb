"""`cerebro activate` on a crafted warehouse, with the registry's ``klaviyo`` entry pointed at
the in-memory vendor (``activation_fake_list``): what a user types and reads."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from cerebro import tenants
from cerebro.actions.activation import registry
from cerebro.cli.main import main
from tests.cerebro.actions.activation.sync import activation_fake_list
from tests.cerebro.actions.activation.sync.activation_crafted_marts import (
    TENANT,
    customers,
    expected_list,
    held_out,
    write_marts,
)

TENANTS = f"""
tenants:
  - tenant_id: {TENANT}
    name: Tienda
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    destinations:
      klaviyo: {{secrets: {{api_key: FAKE_LIST_KEY}}}}
    activations:
      - {{segment: "Frecuentes alejados", destination: klaviyo, control_share: 0.2}}
"""
ACTIVATE = (
    "activate",
    "--tenant",
    TENANT,
    "--segment",
    "Frecuentes alejados",
    "--destination",
    "klaviyo",
)


@pytest.fixture
def cli(tmp_path, warehouse, monkeypatch):
    monkeypatch.setitem(
        registry.DESTINATIONS, "klaviyo", f"{activation_fake_list.__name__}:from_config"
    )
    # The fake's own setting (``fail``: members it answers with a failure) in the tenants
    # file's table of each destination's settings, which the file is checked against.
    monkeypatch.setitem(tenants.DESTINATION_SETTINGS, "klaviyo", frozenset({"fail"}))
    monkeypatch.setattr(activation_fake_list, "SHARED", activation_fake_list.VendorState())
    (tmp_path / "tenants.yml").write_text(TENANTS, encoding="utf-8")
    write_marts(warehouse, customers(200))
    base = {
        "CEREBRO_WAREHOUSE": "duckdb",
        "CEREBRO_DATA_DIR": str(tmp_path),
        "CEREBRO_DUCKDB_PATH": str(warehouse.settings.duckdb_path),
        "CEREBRO_TENANTS_FILE": str(tmp_path / "tenants.yml"),
    }

    def invoke(*args, **env):
        return CliRunner().invoke(main, list(args), env={**base, **env})

    return invoke


def test_a_sync_prints_its_counts_and_the_second_sends_nothing(cli, warehouse):
    first = cli(*ACTIVATE, FAKE_LIST_KEY="pk_test")
    assert first.exit_code == 0, first.output
    sent = int(re.search(r"sent: (\d+)", first.output)[1])
    assert (
        sent
        == len(activation_fake_list.SHARED.lists[f"Cerebro · {TENANT} · Frecuentes alejados"])
        > 0
    )
    assert "held out (control, 20%)" in first.output and "calls: 1" in first.output
    second = cli(*ACTIVATE, FAKE_LIST_KEY="pk_test")
    assert second.exit_code == 0, second.output
    assert "sent: 0 · refused: 0 · failed: 0 · removed: 0" in second.output
    assert f"already in the list: {sent}" in second.output and "calls: 0" in second.output


def test_dry_run_prints_the_plan_names_the_missing_secret_and_writes_nothing(cli, warehouse):
    result = cli(*ACTIVATE, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Dry run: {TENANT} · 'Frecuentes alejados' → klaviyo")
    assert re.search(r"to add: [1-9]\d*\n  to remove: 0\n", result.output)
    assert "skipped for consent (no e-mail consent): 40" in result.output
    assert "not set: FAKE_LIST_KEY (a real sync needs it)" in result.output
    # Before the first sync: what its control group can read (issue 55, decision 0059).
    segment = int(re.search(r"segment: (\d+) customers", result.output)[1])
    power = re.search(
        r"  power: base purchase rate (\d+\.\d)% in 30 days, (\d+) consented members, 20% held "
        r"out: (reads an uplift of|reads only) \d+\.\d points",
        result.output,
    )
    assert power, result.output
    assert int(power[2]) == segment - 40 and 0 < float(power[1]) < 100
    assert activation_fake_list.SHARED.requests == 0
    assert not warehouse.table_exists("ops", "activation_log")


def test_a_missing_secret_is_one_line_naming_variable_and_tenant_before_any_call(cli, warehouse):
    result = cli(*ACTIVATE)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: environment variable FAKE_LIST_KEY not set: tenant {TENANT}'s klaviyo "
        "destination reads its secrets from it (tenants file, destinations.klaviyo.secrets); "
        "nothing was sent"
    ]
    assert activation_fake_list.SHARED.requests == 0
    assert not warehouse.table_exists("ops", "activation_log")


def test_a_client_refusing_its_settings_is_one_line(cli):
    result = cli(*ACTIVATE, FAKE_LIST_KEY="wrong")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: klaviyo: FakeList: the api_key secret is not pk_test; nothing was sent"
    )


def test_an_unknown_tenant_names_the_tenants_file_ones(cli):
    result = cli("activate", "--tenant", "nadie", "--segment", "x", "--destination", "klaviyo")
    assert result.exit_code == 1
    assert re.fullmatch(r"Error: unknown tenant 'nadie'; \S+tenants\.yml has: tienda_cl\n",
                        result.stderr)  # fmt: skip


def test_failed_answers_print_the_counts_then_one_error_line_and_exit_1(cli, tmp_path):
    treated = [c for c in sorted(expected_list(customers(200))) if not held_out(c, 0.2)]
    failing = treated[:2]
    (tmp_path / "tenants.yml").write_text(
        TENANTS.replace(
            "klaviyo: {secrets:", f"klaviyo: {{settings: {{fail: {failing}}}, secrets:"
        ),
        encoding="utf-8",
    )
    result = cli(*ACTIVATE, FAKE_LIST_KEY="pk_test")
    assert result.exit_code == 1
    assert "failed: 2" in result.stdout
    assert result.stderr.strip() == (
        "Error: 2 of the answers failed (the vendor's first: HTTP 503); run the sync "
        "again later: it sends only those"
    )


def test_a_tenants_file_naming_a_retired_segment_is_one_spanish_line_with_its_new_name(
    cli, tmp_path
):
    """A tenants file written before decision 0047 (`segment: En riesgo`): the command stops
    with one line naming the cell's new name, not a traceback or an empty list."""
    (tmp_path / "tenants.yml").write_text(
        TENANTS.replace('segment: "Frecuentes alejados"', 'segment: "En riesgo"'),
        encoding="utf-8",
    )
    result = cli(*ACTIVATE, "--dry-run")
    assert result.exit_code != 0
    (line,) = result.output.strip().splitlines()
    assert "Traceback" not in result.output
    assert line.endswith(
        "activations[0].segment: el segmento RFM «En riesgo» ahora se llama «Frecuentes "
        "alejados»; los clientes en riesgo del modelo son «ALTO RIESGO - VIP» y «CLIENTE "
        "PERDIDO» (decisión 0047)"
    )


def test_stop_writes_the_stop_that_the_scheduled_syncs_skip_and_sends_nothing(cli, warehouse):
    from cerebro.actions.activation.stops import stopped_since

    result = cli(*ACTIVATE, "--stop")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{TENANT} · 'Frecuentes alejados' → klaviyo: stopped"
    assert stopped_since(warehouse, TENANT, "Frecuentes alejados", "klaviyo") is not None
    assert not warehouse.table_exists("ops", "activation_log")
    assert activation_fake_list.SHARED.lists == {}

"""`cerebro tenants add`: a new store's entry appended to the tenants file, its secrets named,
nothing lost on a refusal (the file byte for byte as it was)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from cerebro.cli import main as cli_main
from cerebro.cli.main import main
from cerebro.settings import PROJECT_ROOT
from cerebro.tenants import load_tenants

ADD = ("add", "mitienda_cl", "--name", "Mi Tienda", "--country", "cl",
       "--timezone", "America/Santiago", "--currency", "CLP",
       "--source", "shopify", "--source", "meta_ads",
       "--set", "shopify.shop=mitienda", "--set", "meta_ads.account_ids=[act_1029384756]",
       "--set", "meta_ads.start_date=2025-01-01")  # fmt: skip


@pytest.fixture
def tenants_file(tmp_path):
    path = tmp_path / "tenants.yml"
    path.write_bytes((PROJECT_ROOT / "cerebro" / "tenants.yml").read_bytes())
    return path


def _cli(tenants_file, *args, **kwargs):
    return CliRunner().invoke(main, ["tenants", "--tenants-file", str(tenants_file), *args],
                              **kwargs)  # fmt: skip


def test_a_store_is_added_with_its_secrets_named_and_the_file_kept(tenants_file):
    before = tenants_file.read_text(encoding="utf-8")
    result = _cli(tenants_file, *ADD)
    assert result.exit_code == 0, result.output
    after = tenants_file.read_text(encoding="utf-8")
    assert after.startswith(before), "the file's own text and comments stay as they were"
    added = load_tenants(tenants_file)[-1]
    assert (added.tenant_id, added.name, added.country_code) == ("mitienda_cl", "Mi Tienda", "CL")
    assert added.sources["shopify"].settings == {"shop": "mitienda"}
    assert added.sources["meta_ads"].settings == {"account_ids": ["act_1029384756"],
                                                  "start_date": "2025-01-01"}  # fmt: skip
    assert added.sources["shopify"].secrets == {"access_token": "SHOPIFY_ACCESS_TOKEN_MITIENDA_CL"}
    assert added.sources["meta_ads"].secrets == {
        "access_token": "META_ADS_ACCESS_TOKEN_MITIENDA_CL"
    }
    assert "  SHOPIFY_ACCESS_TOKEN_MITIENDA_CL  (shopify access_token)" in result.output
    assert result.output.splitlines()[-1] == (
        "Then try each source: cerebro check --tenant mitienda_cl"
    )
    # The check then names the secrets still to set, without a network call.
    check = CliRunner().invoke(
        main, ["check", "--tenants-file", str(tenants_file), "--tenant", "mitienda_cl"],
        env={"SHOPIFY_ACCESS_TOKEN_MITIENDA_CL": "", "META_ADS_ACCESS_TOKEN_MITIENDA_CL": ""},
    )  # fmt: skip
    assert check.exit_code == 1
    assert re.search(r"mitienda_cl/shopify +FAILED · not set: SHOPIFY_ACCESS_TOKEN_MITIENDA_CL",
                     check.output)  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: [x for x in a if x != "meta_ads.start_date=2025-01-01"][:-1],
         r"the taps need meta_ads\.start_date: give them \(--set meta_ads\.start_date=…\)"),
        (lambda a: [*a[:12], "--source", "tiktok"],
         r"unknown source tiktok \(did you mean 'tiktok_ads'\?\); sources are amazon_ads, "
         r"calendar, csv, exchange_rates, (\w+, )*tiktok_ads"),
        (lambda a: [*a[:1], "casafacil_cl", *a[2:]], r"tenant 'casafacil_cl' is already there"),
        (lambda a: [*a[:7], "America/Santiagoo", *a[8:]],
         r"the new entry would not load: .*timezone.*America/Santiagoo"),
        (lambda a: [*a, "--set", "shopify_shop=x"], r"'shopify_shop=x': write SOURCE\.SETTING"),
    ],
    ids=["a required setting missing", "an unknown source", "a tenant already there",
         "a misspelt time zone", "a setting without its source"],
)  # fmt: skip
def test_a_refused_entry_is_one_line_and_the_file_is_unchanged(tenants_file, change, message):
    before = tenants_file.read_bytes()
    result = _cli(tenants_file, *change(list(ADD)))
    assert result.exit_code != 0
    assert re.search(message, result.output), result.output
    assert "Traceback" not in result.output
    assert tenants_file.read_bytes() == before


def test_a_dry_run_prints_the_entry_and_writes_nothing(tenants_file):
    before = tenants_file.read_bytes()
    result = _cli(tenants_file, *ADD, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("  - tenant_id: mitienda_cl\n")
    assert "access_token: META_ADS_ACCESS_TOKEN_MITIENDA_CL" in result.output
    assert tenants_file.read_bytes() == before


def test_in_a_terminal_what_the_flags_leave_out_is_asked(tenants_file, monkeypatch):
    monkeypatch.setattr(cli_main, "_interactive", lambda: True)
    answers = "Mi Tienda\nCL\nAmerica/Santiago\nCLP\n"
    result = _cli(tenants_file, "add", "mitienda_cl", "--source", "shopify",
                  "--set", "shopify.shop=mitienda", input=answers)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Store name: Mi Tienda" in result.output
    assert load_tenants(tenants_file)[-1].timezone == "America/Santiago"


def test_outside_a_terminal_a_missing_flag_is_named(tenants_file):
    before = tenants_file.read_bytes()
    result = _cli(tenants_file, "add", "mitienda_cl", "--name", "Mi Tienda", "--source", "shopify")
    assert result.exit_code == 2
    assert "missing --country (or run the command in a terminal to be asked)" in result.output
    assert tenants_file.read_bytes() == before

"""`cerebro kpis` and `cerebro segment export` on the demo warehouse: what users type."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from cerebro.cli.main import main
from cerebro.serving.kpis import get_operations_kpis, get_rfm_segmentation
from cerebro.settings import load_settings
from cerebro.warehouse import Warehouse

pytestmark = pytest.mark.e2e
PERIOD = ["--from", "2026-10-02", "--to", "2026-10-31"]


@pytest.fixture(scope="module")
def cli(demo_platform):
    env = {"CEREBRO_DUCKDB_PATH": str(demo_platform.duckdb_path), "CEREBRO_WAREHOUSE": "duckdb"}

    def invoke(*args):
        return CliRunner().invoke(main, list(args), env=env)

    invoke.warehouse = Warehouse(load_settings(env))
    return invoke


@pytest.mark.parametrize(
    "page",
    [
        "acquisition",
        "engagement",
        "operations",
        "retention",
        "segmentation",
        "channels",
        "health",
        "margin",
    ],
)
def test_every_page_prints_as_a_table(cli, page):
    result = cli("kpis", page, "--tenant", "test_cl", *PERIOD)
    assert result.exit_code == 0, result.output
    assert "test_cl · 2026-10-02 → 2026-10-31" in result.output


def test_json_output_is_the_function_result(cli):
    result = cli("kpis", "operations", "--tenant", "test_pe", *PERIOD, "--format", "json")
    assert result.exit_code == 0, result.output
    # JSON alone on stdout (a pipe into jq reads it); test_pe's data end before the period's
    # last day, which the warning says on stderr.
    printed = json.loads(result.stdout)
    assert result.stderr.startswith("Warning: Los datos llegan hasta el 29 oct 2026")
    expected = get_operations_kpis(
        "test_pe", dt.date(2026, 10, 2), dt.date(2026, 10, 31), warehouse=cli.warehouse
    )
    assert {k: printed[k] for k in expected} == json.loads(json.dumps(expected))


def test_the_customer_page_prints_and_finds_a_customer_by_e_mail(cli):
    top = cli.warehouse.query(
        "select value.customer_id, contacts.email from marts.mart_customer_value as value "
        "join marts.mart_customer_contacts as contacts using (tenant_id, customer_id) "
        "where value.tenant_id = 'test_cl' and contacts.email is not null "
        "order by value.predicted_clv_12m desc limit 1"
    ).iloc[0]
    result = cli("customer", "--tenant", "test_cl", top["email"], "--format", "json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["customer_id"] == top["customer_id"] and printed["events"]
    table = cli("customer", "--tenant", "test_cl", top["customer_id"])
    assert f"Ficha de cliente {top['customer_id']}" in table.output and "Compra" in table.output
    # What the manager reads (decision 0047): P(alive) as a share of look-alike customers, and
    # the purchase model the tenant's latest run chose (its record in ml_clv_model_runs).
    (model,) = cli.warehouse.query(
        "select purchase_model from ml.ml_clv_model_runs where tenant_id = 'test_cl' "
        "order by cutoff_date desc, predicted_at desc limit 1"
    )["purchase_model"]
    sentence = printed["prob_alive_text"]
    name = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD"}[model]
    assert printed["purchase_model"] == model
    assert sentence.startswith(f"Según el modelo {name}, de cada 100 clientes con este historial")
    percent = int(100 * printed["prob_alive"] + 0.5)
    assert 2 <= percent <= 99 and f"unos {percent} siguen comprando." in sentence
    assert sentence in table.output
    unknown = cli("customer", "--tenant", "test_cl", "nadie@example.cl")
    assert unknown.exit_code == 1
    assert unknown.output.strip().splitlines() == [
        "Error: no customer of test_cl with a prediction has the id or e-mail "
        "'nadie@example.cl'; the Clientes page lists them"
    ]


def test_default_period_is_the_last_30_days_of_data(cli):
    result = cli("kpis", "acquisition", "--tenant", "test_cl", "--format", "json")
    printed = json.loads(result.output)
    assert (printed["date_from"], printed["date_to"]) == ("2026-10-02", "2026-10-31")


def test_segment_export_writes_exactly_the_segments_consented_customers(cli, tmp_path):
    """By default only customers with e-mail or SMS consent, each contact only with its
    channel's consent; --include-unconsented gives the whole segment as it is."""
    out, everyone = tmp_path / "en_riesgo.csv", tmp_path / "todos.csv"
    args = (
        "segment",
        "export",
        "--tenant",
        "test_cl",
        "--segment",
        "Frecuentes alejados",
        "--as-of",
        "2026-10-31",
    )
    result = cli(*args, "--out", str(out))
    assert result.exit_code == 0, result.output
    read = {"customer_id": str, "phone": str}
    exported = pd.read_csv(out, dtype=read)
    rfm = get_rfm_segmentation(
        "test_cl", dt.date(2026, 10, 1), dt.date(2026, 10, 31), warehouse=cli.warehouse
    )["customers"]
    expected = rfm[rfm["segment"] == "Frecuentes alejados"]
    assert list(exported.columns) == [
        "customer_id",
        "email",
        "phone",
        "recency_days",
        "frequency",
        "monetary",
        "r_score",
        "f_score",
        "m_score",
        "segment",
        "email_marketing_state",
        "sms_marketing_state",
        "has_email_marketing_consent",
        "has_sms_marketing_consent",
    ]
    email_ok = exported["has_email_marketing_consent"]
    sms_ok = exported["has_sms_marketing_consent"]
    assert (email_ok | sms_ok).all() and 0 < len(exported) < len(expected)
    assert (exported["email_marketing_state"][email_ok] == "SUBSCRIBED").all()
    assert exported["email"][email_ok].str.contains("@").all()
    assert exported["email"][~email_ok].isna().all() and exported["phone"][~sms_ok].isna().all()
    assert f"{len(expected) - len(exported)} left out without" in result.output

    result = cli(*args, "--out", str(everyone), "--include-unconsented")
    assert result.exit_code == 0, result.output
    whole = pd.read_csv(everyone, dtype=read)
    assert set(whole["customer_id"]) == set(expected["customer_id"])
    assert whole["email"].str.contains("@").all() and "left out" not in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["kpis", "retention", "--tenant", "nope"], "unknown tenant 'nope'"),
        (["kpis", "retention", "--tenant", "test_cl", "--from", "2026-10-31", "--to", "2026-10-01"],
         "is after date_to"),
        (["segment", "export", "--tenant", "test_cl", "--segment", "VIP", "--out", "x.csv"],
         "unknown segment 'VIP'"),
    ],
)  # fmt: skip
def test_bad_requests_fail_with_a_clear_message(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_warehouse_tells_the_user_to_run_the_demo(tmp_path):
    env = {"CEREBRO_DUCKDB_PATH": str(tmp_path / "none.duckdb"), "CEREBRO_WAREHOUSE": "duckdb"}
    result = CliRunner().invoke(main, ["kpis", "acquisition", "--tenant", "x", *PERIOD], env=env)
    assert result.exit_code == 1
    assert "make demo" in result.output

"""WhatsApp rows of mart_activation_engagement and mart_activation_whatsapp_failures on a
crafted WhatsApp activation, built by the real dbt project on DuckDB: the activation log as
the sync writes it (each send's vendor_ref is Meta's message id), the statuses as the tap
lands them (raw_whatsapp.message_statuses).

Oracle: an independent pandas computation from the same rows (``oracle`` below, written from
Meta's documented semantics: a read implies delivered, order is not promised, a failure after
a delivery did arrive), and the counts written out by hand from the story.

Run W1 (1 Nov) sends to w1..w5, holds w6 out and WhatsApp refuses w7 at send time. w1 is
delivered and read (the read arrives first), w2 delivered, w3 read with no delivered webhook,
w4 failed (131026), w5 has no status yet. Run W2 (3 Nov) sends to w8 (failed 131049, reported
twice by Meta) and w9 (failed, then delivered on another device). A status of a message
Cerebro never sent counts nowhere."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from cerebro_raw_contract import raw_stream

from cerebro.actions.activation.destinations.whatsapp import REFUSAL_REASONS
from cerebro.serving.dashboards.spec import load_dashboards
from tests.dbt_project.marts.crafted_dbt import (
    build_models,
    crafted_warehouse,
    insert_rows,
    land_empty_streams,
    warehouse_environ,
    write_tenants,
)

ROOT = Path(__file__).resolve().parents[3]
TENANT, SEGMENT = "tienda_cl", "En riesgo"
QUIET = "sin_whatsapp_cl"
W1 = dt.datetime(2026, 11, 1, 13, 0)
W2 = dt.datetime(2026, 11, 3, 13, 0)
SELECTION = ("+dim_tenants", "stg_ops__activation_log", "int_activation_members_assigned",
             "stg_klaviyo__email_events", "int_activation_engagement_counted",
             "stg_whatsapp__message_statuses", "int_activation_whatsapp_messages_reached",
             "mart_activation_engagement", "mart_activation_whatsapp_failures")  # fmt: skip


def log_row(run_id, started, customer, action, status) -> dict:
    sent = action == "send" and status == "sent"
    return {
        "run_id": run_id, "tenant_id": TENANT, "destination": "whatsapp", "segment": SEGMENT,
        "customer_id": customer, "identifier_sha256": f"hash-{customer}", "action": action,
        "status": status, "detail": "accepted" if sent else None,
        "vendor_ref": f"wamid.{customer}" if sent else None,
        "logged_at": started + dt.timedelta(minutes=1), "run_started_at": started,
    }  # fmt: skip


def status(customer: str, kind: str, when: dt.datetime, code: int | None = None) -> dict:
    return {
        "tenant_id": TENANT, "message_id": f"wamid.{customer}", "status": kind,
        "status_at": when, "recipient_phone_sha256": None, "phone_number_id": "1",
        "business_account_id": "2", "error_code": code,
        "error_title": "Message undeliverable" if code else None, "error_details": None,
        "pricing_category": None, "received_at": when, "spool_file": f"{when:%Y%m%d%H%M%S}",
    }  # fmt: skip


LOG = [
    *(log_row("W1", W1, c, "send", "sent") for c in ("w1", "w2", "w3", "w4", "w5")),
    log_row("W1", W1, "w6", "hold_out", "held_out"),
    log_row("W1", W1, "w7", "send", "refused"),
    log_row("W2", W2, "w8", "send", "sent"),
    log_row("W2", W2, "w9", "send", "sent"),
]
T = W1 + dt.timedelta(minutes=2)
STATUSES = [
    status("w1", "sent", T), status("w1", "read", T + dt.timedelta(minutes=9)),
    status("w1", "delivered", T + dt.timedelta(minutes=3)),
    status("w2", "sent", T), status("w2", "delivered", T + dt.timedelta(minutes=1)),
    status("w3", "read", T + dt.timedelta(hours=2)),
    status("w4", "sent", T), status("w4", "failed", T + dt.timedelta(minutes=5), 131026),
    status("w8", "failed", W2 + dt.timedelta(minutes=2), 131049),
    status("w8", "failed", W2 + dt.timedelta(minutes=7), 131049),
    status("w9", "failed", W2 + dt.timedelta(minutes=2), 131026),
    status("w9", "delivered", W2 + dt.timedelta(minutes=4)),
    status("nadie", "delivered", T),
]  # fmt: skip
EXPECTED = {
    # run: members_sent, delivered, read, failed, without status
    "W1": (5, 3, 2, 1, 1),
    "W2": (2, 1, 0, 1, 0),
}
COUNTS = ["members_sent", "members_delivered", "members_read", "members_failed",
          "members_without_status"]  # fmt: skip


def oracle(log: pd.DataFrame, statuses: pd.DataFrame) -> pd.DataFrame:
    """Per run, the counts from the rows, in pandas."""
    sent = log[(log["destination"] == "whatsapp") & (log["action"] == "send")
               & (log["status"] == "sent")]  # fmt: skip
    kinds = statuses.groupby("message_id")["status"].agg(set)
    rows = []
    for run_id, run in sent.groupby("run_id"):
        reached = [kinds.get(ref, set()) for ref in run["vendor_ref"]]
        delivered = [bool(k & {"delivered", "read"}) for k in reached]
        rows.append({
            "run_id": run_id, "members_sent": len(run), "members_delivered": sum(delivered),
            "members_read": sum("read" in k for k in reached),
            "members_failed": sum("failed" in k and not d for k, d in zip(reached, delivered,
                                                                          strict=True)),
            "members_without_status": sum(not k for k in reached),
        })  # fmt: skip
    return pd.DataFrame(rows).set_index("run_id")


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def warehouse(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp(f"activation_whatsapp_{request.param}")
    environ = warehouse_environ(request, request.param, directory)
    warehouse = crafted_warehouse(environ)
    write_tenants(warehouse, {TENANT: "America/Santiago", QUIET: "America/Santiago"})
    warehouse.replace_table("ops", "activation_log", pd.DataFrame(LOG))
    if request.param == "duckdb":
        # The raw table as the real target creates it, then the tap's rows.
        land_empty_streams(environ, directory, [raw_stream("whatsapp", "message_statuses")])
        insert_rows(environ["CEREBRO_DUCKDB_PATH"], "raw_whatsapp.message_statuses", STATUSES)
    else:
        landed = pd.DataFrame(STATUSES).assign(_sdc_batched_at=W2)
        landed["error_code"] = landed["error_code"].astype("Int64")
        warehouse.replace_table("raw_whatsapp", "message_statuses", landed)
    build_models(environ, directory, *SELECTION)
    return warehouse


def test_each_whatsapp_activation_counts_delivered_read_and_failed_as_the_oracle_does(
    warehouse,
):
    frame = warehouse.query(
        "select * from marts.mart_activation_engagement where destination = 'whatsapp' "
        "order by run_id"
    ).set_index("run_id")
    expected = oracle(pd.DataFrame(LOG), pd.DataFrame(STATUSES))
    assert frame.index.tolist() == ["W1", "W2"]
    for run_id, row in frame.iterrows():
        counts = tuple(int(row[c]) for c in COUNTS)
        assert counts == EXPECTED[run_id] == tuple(int(expected.loc[run_id, c]) for c in COUNTS)
    assert frame.loc["W1", "read_rate"] == pytest.approx(2 / 3)
    assert frame.loc["W1", "failed_rate"] == pytest.approx(1 / 5)
    assert frame["members_opened"].isna().all() and frame["destination_label"].eq("WhatsApp").all()


def test_failures_are_counted_by_reason_in_spanish(warehouse):
    frame = warehouse.query(
        "select run_id, failure_code, failure_reason, members_failed "
        "from marts.mart_activation_whatsapp_failures order by run_id"
    )
    assert [tuple(r) for r in frame.itertuples(index=False)] == [
        ("W1", 131026, REFUSAL_REASONS[131026], 1),
        ("W2", 131049, REFUSAL_REASONS[131049], 1),
    ]


def test_the_reasons_the_mart_words_are_the_destinations():
    text = (ROOT / "dbt_project" / "macros" / "activation_labels.sql").read_text(encoding="utf-8")
    for code, reason in REFUSAL_REASONS.items():
        assert f"when {code} then '{reason}'" in text, code


def test_the_page_shows_whatsapp_beside_klaviyo_and_its_failures(warehouse):
    page = next(d for d in load_dashboards() if d.key == "acciones")
    frame = page.card("whatsapp_por_activacion").run(warehouse, {"tenant": TENANT})
    # Newest first: W2 (1 of 2 delivered, 1 failed), then W1.
    assert frame["members_sent"].astype(int).tolist() == [2, 5]
    assert frame["members_delivered"].astype(int).tolist() == [1, 3]
    assert frame["members_read"].astype(int).tolist() == [0, 2]
    assert frame["members_failed"].astype(int).tolist() == [1, 1]
    failures = page.card("whatsapp_fallas").run(warehouse, {"tenant": TENANT})
    assert set(failures["failure_reason"]) == {REFUSAL_REASONS[131026], REFUSAL_REASONS[131049]}
    # The e-mail card shows Klaviyo's activations only.
    emails = page.card("correos_por_activacion").run(warehouse, {"tenant": TENANT})
    assert emails["segment"].iloc[0].startswith("Aún no hay eventos de Klaviyo")


def test_before_any_whatsapp_status_the_card_says_what_to_do(warehouse):
    page = next(d for d in load_dashboards() if d.key == "acciones")
    frame = page.card("whatsapp_por_activacion").run(warehouse, {"tenant": QUIET})
    assert len(frame) == 1
    assert frame["segment"].iloc[0].startswith("Aún no hay envíos de WhatsApp")

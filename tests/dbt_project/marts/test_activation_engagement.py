"""int_activation_engagement_counted on a crafted Klaviyo activation, built by the real dbt
project on DuckDB: the activation log as the sync writes it, Klaviyo's events as the tap lands
them (raw_klaviyo.email_events, the address hashed with the rule both share).

Oracle: the counts written out by hand from the story below, event by event.

Run R1 (1 Nov) adds c1..c4 to the list, holds c5 out, and Klaviyo refuses c6. c1 receives,
opens twice and clicks; c2 receives; c3's only e-mail came before R1; c4 is removed by R2
(4 Nov) before its e-mail of 5 Nov; c5 (control) and c6 (refused) receive e-mails that count
for no activation, and neither does an address Cerebro never sent. Run R2 adds c7, who
receives one e-mail and opens none."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from cerebro_raw_contract import raw_stream
from cerebro_raw_contract.email_identity import email_sha256

from cerebro.serving.dashboards.spec import load_dashboards
from tests.dbt_project.marts.crafted_dbt import (
    build_models,
    crafted_warehouse,
    insert_rows,
    land_empty_streams,
    warehouse_environ,
    write_tenants,
)

TENANT, SEGMENT = "tienda_cl", "Frecuentes alejados"
QUIET = "sin_klaviyo_cl"  # a tenant with no activation and no event
R1 = dt.datetime(2026, 11, 1, 13, 0)
R2 = dt.datetime(2026, 11, 4, 13, 0)
SELECTION = ("+dim_tenants", "stg_ops__activation_log", "int_activation_members_assigned",
             "stg_klaviyo__email_events", "int_activation_engagement_counted",
             "stg_whatsapp__message_statuses", "int_activation_whatsapp_messages_reached",
             "mart_activation_engagement")  # fmt: skip


def address(customer: str) -> str:
    return f"{customer}@example.cl"


def log_row(run_id, started, customer, action, status, minute=1) -> dict:
    sent = action in ("add", "remove") and status == "sent"
    return {
        "run_id": run_id, "tenant_id": TENANT, "destination": "klaviyo", "segment": SEGMENT,
        "customer_id": customer, "identifier_sha256": email_sha256(address(customer)),
        "action": action, "status": status, "detail": None,
        "vendor_ref": "EV" if sent else None,
        "logged_at": started + dt.timedelta(minutes=minute), "run_started_at": started,
    }  # fmt: skip


def event(number: int, metric: str, customer: str, when: dt.datetime) -> dict:
    # As people type it: the tap hashes the normal form, the log hashed the same address.
    typed = f"  {address(customer).upper()} "
    return {
        "tenant_id": TENANT, "event_id": f"E{number}", "metric_id": metric[:3],
        "metric_name": metric, "occurred_at": when, "profile_id": f"P-{customer}",
        "email_sha256": email_sha256(typed), "message_id": "MSG1", "event_value": None,
    }  # fmt: skip


LOG = [
    *(log_row("R1", R1, c, "add", "sent") for c in ("c1", "c2", "c3", "c4")),
    log_row("R1", R1, "c5", "hold_out", "held_out"),
    log_row("R1", R1, "c6", "add", "refused"),
    log_row("R2", R2, "c4", "remove", "sent"),
    log_row("R2", R2, "c7", "add", "sent"),
]
NOV = dt.datetime(2026, 11, 1)
EVENTS = [
    event(1, "Received Email", "c1", NOV + dt.timedelta(days=1)),
    event(2, "Opened Email", "c1", NOV + dt.timedelta(days=1, hours=2)),
    event(3, "Opened Email", "c1", NOV + dt.timedelta(days=1, hours=5)),
    event(4, "Clicked Email", "c1", NOV + dt.timedelta(days=1, hours=5)),
    event(5, "Received Email", "c2", NOV + dt.timedelta(days=1)),
    event(6, "Received Email", "c3", NOV - dt.timedelta(days=2)),
    event(7, "Received Email", "c4", NOV + dt.timedelta(days=4)),
    event(8, "Received Email", "c5", NOV + dt.timedelta(days=1)),
    event(9, "Received Email", "c6", NOV + dt.timedelta(days=1)),
    event(10, "Received Email", "nadie", NOV + dt.timedelta(days=1)),
    event(11, "Received Email", "c7", NOV + dt.timedelta(days=5)),
    event(12, "Placed Order", "c1", NOV + dt.timedelta(days=2)),
]
EXPECTED = {
    # run: members_sent, delivered, opened, clicked, emails_received, opened, clicked
    "R1": (4, 2, 1, 1, 2, 2, 1),
    "R2": (1, 1, 0, 0, 1, 0, 0),
}
COUNTS = ["members_sent", "members_delivered", "members_opened", "members_clicked",
          "emails_received", "emails_opened", "emails_clicked"]  # fmt: skip


@pytest.fixture(scope="module")
def warehouse(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp("activation_engagement")
    environ = warehouse_environ(request, "duckdb", directory)
    warehouse = crafted_warehouse(environ)
    write_tenants(warehouse, {TENANT: "America/Santiago", QUIET: "America/Santiago"})
    warehouse.replace_table("ops", "activation_log", pd.DataFrame(LOG))
    land_empty_streams(environ, directory, [raw_stream("klaviyo", "email_events")])
    insert_rows(environ["CEREBRO_DUCKDB_PATH"], "raw_klaviyo.email_events", EVENTS)
    build_models(environ, directory, *SELECTION)
    return warehouse


def test_each_klaviyo_activation_counts_what_its_members_received_opened_and_clicked(warehouse):
    frame = warehouse.query(
        "select * from intermediate.int_activation_engagement_counted order by run_id"
    )
    assert frame["run_id"].tolist() == ["R1", "R2"]
    assert set(frame["destination"]) == {"klaviyo"} and set(frame["segment"]) == {SEGMENT}
    for _, row in frame.iterrows():
        assert tuple(int(row[c]) for c in COUNTS) == EXPECTED[row["run_id"]], row["run_id"]


def test_staging_names_each_metric_in_one_word(warehouse):
    frame = warehouse.query(
        "select metric_name, engagement_type from staging.stg_klaviyo__email_events"
    )
    assert dict(zip(frame["metric_name"], frame["engagement_type"], strict=False)) == {
        "Received Email": "received", "Opened Email": "opened", "Clicked Email": "clicked",
        "Placed Order": "ordered",
    }  # fmt: skip


def test_the_mart_rates_opens_and_clicks_over_those_who_received_and_the_page_shows_them(
    warehouse,
):
    page = next(d for d in load_dashboards() if d.key == "acciones")
    frame = page.card("correos_por_activacion").run(warehouse, {"tenant": TENANT})
    # Newest first: R2 (1 of 1 received, none opened), then R1 (2 of 4; 1 opened, 1 clicked).
    assert frame["segment"].tolist() == [SEGMENT, SEGMENT]
    assert frame["members_sent"].astype(int).tolist() == [1, 4]
    assert frame["members_delivered"].astype(int).tolist() == [1, 2]
    assert frame["open_rate"].astype(float).tolist() == [0.0, 0.5]
    assert frame["click_rate"].astype(float).tolist() == [0.0, 0.5]
    rates = warehouse.query(
        "select run_id, delivered_rate from marts.mart_activation_engagement order by run_id"
    )
    assert rates["delivered_rate"].astype(float).tolist() == [0.5, 1.0]


def test_before_any_klaviyo_event_the_card_says_what_to_do(warehouse):
    page = next(d for d in load_dashboards() if d.key == "acciones")
    frame = page.card("correos_por_activacion").run(warehouse, {"tenant": QUIET})
    assert len(frame) == 1
    assert frame["segment"].iloc[0].startswith("Aún no hay eventos de Klaviyo")

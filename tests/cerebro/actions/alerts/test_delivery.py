"""Delivery: what a local webhook receiver and a local SMTP server get, once per rule, tenant and
day; failures recorded and retried; no secret in logs, metadata or the alert log."""

from __future__ import annotations

import json
import logging

import pandas as pd
import pytest

from tests.cerebro.actions.alerts.alert_helpers import (
    RECIPIENTS,
    SMTP_PASSWORD,
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    Mailbox,
    alerts_document,
    evaluate,
    free_port,
    rule,
    start_smtp,
)
from tests.cerebro.actions.alerts.crafted_marts import ALERT_DATE, NEXT_DAY

#: t_cl's cart abandonment is 16/20 = 80% on ALERT_DATE and 8/10 = 80% on NEXT_DAY; t_pe's
#: is 10%, so only t_cl fires.
ABANDONMENT = rule("abandono_alto", "cart_abandonment_rate", 0.75, title="Abandono de carrito alto")


def _posts(httpserver) -> list[dict]:
    return [json.loads(request.get_data()) for request, _ in httpserver.log]


def _log_rows(warehouse):
    return warehouse.query(
        "select tenant_id, rule_id, alert_date, channels, delivered_channels, attempts, "
        "last_error, sent_at from ops.alert_log order by alert_date, tenant_id, rule_id"
    )


def test_a_rule_fires_once_per_tenant_and_day_even_when_evaluated_again_and_again_next_day(
    warehouse, write_config, httpserver, webhook_environ
):
    httpserver.expect_request(WEBHOOK_PATH, method="POST").respond_with_data("ok")
    config = write_config(alerts_document([ABANDONMENT]))

    first = evaluate(warehouse, config, ALERT_DATE, webhook_environ)
    rerun = evaluate(warehouse, config, ALERT_DATE, webhook_environ)
    next_day = evaluate(warehouse, config, NEXT_DAY, webhook_environ)

    assert (first.new_alerts, first.suppressed_duplicates, first.sent) == (1, 0, 1)
    assert (rerun.new_alerts, rerun.suppressed_duplicates, rerun.sent) == (0, 1, 0)
    assert (next_day.new_alerts, next_day.suppressed_duplicates, next_day.sent) == (1, 0, 1)
    posts = _posts(httpserver)
    assert len(posts) == 2
    assert "20 nov 2026" in posts[0]["text"] and "21 nov 2026" in posts[1]["text"]
    rows = _log_rows(warehouse)
    assert [(r.tenant_id, str(r.alert_date)) for r in rows.itertuples()] == [
        ("t_cl", "2026-11-20"),
        ("t_cl", "2026-11-21"),
    ]
    assert rows["sent_at"].notna().all() and list(rows["attempts"]) == [1, 1]


def test_webhook_gets_slack_text_with_severity_title_tenant_and_formatted_values(
    warehouse, write_config, httpserver, webhook_environ
):
    httpserver.expect_request(WEBHOOK_PATH, method="POST").respond_with_data("ok")
    evaluate(warehouse, write_config(alerts_document([ABANDONMENT])), ALERT_DATE, webhook_environ)

    (request, _), *_ = httpserver.log
    assert request.headers["Content-Type"].startswith("application/json")
    assert _posts(httpserver) == [
        {
            "text": "\u26a0\ufe0f *ADVERTENCIA* · *Abandono de carrito alto*\n"
            "Tienda Ñuñoa · 20 nov 2026\n"
            "El abandono de carrito fue de 80,0% en los últimos 7 días "
            "(14 nov 2026 \u2013 20 nov 2026); se alerta con más de 75,0%."
        }
    ]


def test_email_reaches_the_recipients_with_severity_in_the_subject_only_from_min_severity(
    warehouse, write_config, httpserver, webhook_environ, mailbox
):
    """Two alerts fire for t_cl: the webhook gets both, critical first; the e-mail channel
    (min_severity: critical) only the critical one, after logging in to the SMTP server."""
    httpserver.expect_request(WEBHOOK_PATH, method="POST").respond_with_data("ok")
    cancellations = rule(
        "cancelaciones_altas",
        "cancellation_rate",
        0.2,
        severity="critical",
        title="Tasa de cancelación alta",
        channels=["slack", "correo"],
    )
    document = alerts_document([{**ABANDONMENT, "channels": ["slack", "correo"]}, cancellations])
    document["channels"]["correo"]["min_severity"] = "critical"
    summary = evaluate(
        warehouse, write_config(document), ALERT_DATE, {**webhook_environ, **mailbox.environ()}
    )

    assert summary.sent == 3 and summary.failed_deliveries == 0
    assert [p["text"].splitlines()[0] for p in _posts(httpserver)] == [
        "\U0001f6a8 *CRÍTICA* · *Tasa de cancelación alta*",
        "\u26a0\ufe0f *ADVERTENCIA* · *Abandono de carrito alto*",
    ]
    assert mailbox.logins == ["cerebro-alerts"]
    assert mailbox.recipients == [RECIPIENTS]
    (message,) = mailbox.messages
    assert message["Subject"] == (
        "[Cerebro] CRÍTICA · Tasa de cancelación alta · Tienda Ñuñoa · 20 nov 2026"
    )
    assert message["To"] == ", ".join(RECIPIENTS)
    assert message["From"] == "alertas@cerebro.test"
    body = message.get_content()
    assert "Alerta CRÍTICA de Cerebro" in body and "Regla: cancelaciones_altas" in body
    assert "La tasa de cancelación fue de 25,0%" in body


def test_a_failed_webhook_is_recorded_and_retried_by_the_next_evaluation(
    warehouse, write_config, httpserver, webhook_environ
):
    httpserver.expect_oneshot_request(WEBHOOK_PATH, method="POST").respond_with_data(
        "upstream error", status=500
    )
    httpserver.expect_request(WEBHOOK_PATH, method="POST").respond_with_data("ok")
    config = write_config(alerts_document([ABANDONMENT]))

    failed = evaluate(warehouse, config, ALERT_DATE, webhook_environ)
    row = _log_rows(warehouse).iloc[0]
    assert (failed.sent, failed.failed_deliveries) == (0, 1)
    assert pd.isna(row["sent_at"])
    assert row["attempts"] == 1 and row["delivered_channels"] == ""
    assert "HTTP 500" in row["last_error"]

    retried = evaluate(warehouse, config, NEXT_DAY, webhook_environ)
    assert (retried.retried, retried.new_alerts, retried.sent) == (1, 1, 2)
    rows = _log_rows(warehouse)
    assert rows["sent_at"].notna().all()
    assert list(rows["attempts"]) == [2, 1] and list(rows["last_error"].isna()) == [True, True]
    texts = [post["text"] for post in _posts(httpserver)]
    # The failed post, its retry (20 Nov, older first), then 21 Nov's own alert.
    assert ["20 nov 2026" in t for t in texts] == [True, True, False]


def test_only_the_channel_that_failed_is_retried(
    warehouse, write_config, httpserver, webhook_environ, smtp_password
):
    """The webhook succeeds and the SMTP server is down; at the re-run the server is up: the
    e-mail goes out and the webhook is not posted twice."""
    httpserver.expect_request(WEBHOOK_PATH, method="POST").respond_with_data("ok")
    config = write_config(alerts_document([{**ABANDONMENT, "channels": ["slack", "correo"]}]))
    box = Mailbox(port=free_port())
    environ = {**webhook_environ, **box.environ()}

    down = evaluate(warehouse, config, ALERT_DATE, environ)
    controller = start_smtp(box)
    try:
        up = evaluate(warehouse, config, ALERT_DATE, environ)
    finally:
        controller.stop()

    assert (down.sent, down.failed_deliveries) == (1, 1)
    assert (up.suppressed_duplicates, up.retried, up.sent, up.failed_deliveries) == (1, 1, 1, 0)
    assert len(httpserver.log) == 1 and len(box.messages) == 1
    row = _log_rows(warehouse).iloc[0]
    assert row["delivered_channels"] == "slack,correo" and row["attempts"] == 2


def test_unconfigured_channels_are_skipped_and_the_alert_is_still_logged(
    warehouse, write_config, httpserver
):
    summary = evaluate(warehouse, write_config(alerts_document([ABANDONMENT])), ALERT_DATE, {})
    assert summary.metadata()["channels_not_configured"] == ["slack"]
    assert (summary.new_alerts, summary.sent, summary.failed_deliveries) == (1, 0, 0)
    assert list(_log_rows(warehouse)["channels"]) == [""]
    assert httpserver.log == []


def test_no_webhook_url_or_smtp_password_in_logs_metadata_or_the_alert_log(
    warehouse, write_config, httpserver, webhook_environ, caplog, monkeypatch
):
    """A failing webhook (HTTP 500) and a rejected SMTP login produce errors everywhere an
    operator looks; none of them holds the webhook token or the password."""
    httpserver.expect_request(WEBHOOK_PATH, method="POST").respond_with_data("no", status=500)
    monkeypatch.setenv("CEREBRO_SMTP_PASSWORD", "wrong-" + SMTP_PASSWORD)
    box = Mailbox(port=free_port())
    controller = start_smtp(box)
    config = write_config(alerts_document([{**ABANDONMENT, "channels": ["slack", "correo"]}]))
    caplog.set_level(logging.DEBUG)
    try:
        summary = evaluate(warehouse, config, ALERT_DATE, {**webhook_environ, **box.environ()})
    finally:
        controller.stop()

    assert summary.failed_deliveries == 2 and box.messages == []
    last_error = _log_rows(warehouse)["last_error"].iloc[0]
    assert "HTTP 500" in last_error and "SMTPAuthenticationError" in last_error
    # The test server's own access log (werkzeug) prints the path it was called on.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "werkzeug")
    exposed = logged + json.dumps(summary.metadata(), ensure_ascii=False) + last_error
    assert "delivery failed" in logged
    for secret in (WEBHOOK_SECRET, WEBHOOK_PATH, SMTP_PASSWORD):
        assert secret not in exposed


@pytest.mark.parametrize("bad_url", ["hooks.slack.com/services/T0/B0/tok3n", "ftp://x/tok3n"])
def test_a_webhook_variable_that_is_not_an_http_url_fails_without_echoing_it(
    warehouse, write_config, bad_url
):
    config = write_config(alerts_document([ABANDONMENT]))
    summary = evaluate(warehouse, config, ALERT_DATE, {"TEST_ALERTS_WEBHOOK_URL": bad_url})
    last_error = _log_rows(warehouse)["last_error"].iloc[0]
    assert summary.failed_deliveries == 1
    assert "must start with https://" in last_error and "tok3n" not in last_error


def test_a_non_ascii_smtp_password_is_a_delivery_failure_that_does_not_quote_it(
    warehouse, write_config, mailbox, monkeypatch
):
    """smtplib sends credentials as ASCII: the failure is recorded, the password not shown."""
    monkeypatch.setenv("CEREBRO_SMTP_PASSWORD", "contraseña-secreta")
    config = write_config(alerts_document([{**ABANDONMENT, "channels": ["correo"]}]))
    summary = evaluate(warehouse, config, ALERT_DATE, mailbox.environ())
    last_error = _log_rows(warehouse)["last_error"].iloc[0]
    assert summary.failed_deliveries == 1 and mailbox.messages == []
    assert last_error.endswith("the SMTP user name and password must be ASCII")
    assert "contraseña" not in last_error

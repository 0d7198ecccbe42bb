"""Helpers shared by the alert tests: alerts documents, one evaluation, a local SMTP server
(aiosmtpd) that checks a login, and the names of the secrets that must never leak."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from cerebro.actions.alerts import run_alerts
from tests.cerebro.actions.alerts.crafted_marts import NOW, TENANTS

WEBHOOK_ENV = "TEST_ALERTS_WEBHOOK_URL"
#: The secret part of a Slack incoming-webhook URL is its path.
WEBHOOK_PATH = "/services/T0CEREBRO/B0ALERTS/s3cr3tW3bh00kT0k3n"
WEBHOOK_SECRET = "s3cr3tW3bh00kT0k3n"
SMTP_USER = "cerebro-alerts"
SMTP_PASSWORD = "sMtP-p4ss-7f3a9"
RECIPIENTS = ["gerencia@tienda.cl", "datos@tienda.cl"]


def alerts_document(rules: list[dict], **extra) -> dict:
    """An alerts file with a webhook channel (``slack``), an e-mail channel (``correo``) and
    ``rules``."""
    channels = {
        "slack": {"type": "webhook", "webhook_env": WEBHOOK_ENV},
        "correo": {"type": "email", "to": RECIPIENTS},
    }
    return {"channels": channels, "rules": rules, **extra}


def rule(rule_id: str, metric: str, threshold, **settings) -> dict:
    return {
        "id": rule_id,
        "severity": "warning",
        "metric": metric,
        "threshold": threshold,
        "channels": ["slack"],
        **settings,
    }


def evaluate(warehouse, config, day: dt.date, environ: dict | None = None, *, now=NOW):
    """One evaluation for both crafted tenants as of ``day``."""
    return run_alerts(
        warehouse,
        TENANTS,
        config,
        alert_dates={t.tenant_id: day for t in TENANTS},
        now=now,
        environ=environ or {},
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    """What the local SMTP server received, parsed."""

    port: int
    messages: list = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"

    def environ(self) -> dict[str, str]:
        return {
            "CEREBRO_SMTP_HOST": "127.0.0.1",
            "CEREBRO_SMTP_PORT": str(self.port),
            "CEREBRO_SMTP_USER": SMTP_USER,
            "CEREBRO_SMTP_FROM": "alertas@cerebro.test",
            "CEREBRO_SMTP_STARTTLS": "false",
        }


def _authenticator(mailbox: Mailbox):
    def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode() == SMTP_USER and auth_data.password.decode() == SMTP_PASSWORD
        )
        if ok:
            mailbox.logins.append(auth_data.login.decode())
        # handled=False: aiosmtpd answers a refusal with 535 itself.
        return AuthResult(success=ok, handled=False)

    return check


def start_smtp(mailbox: Mailbox) -> Controller:
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=mailbox.port,
        authenticator=_authenticator(mailbox),
        auth_require_tls=False,  # a local test server without TLS, as CEREBRO_SMTP_STARTTLS=false
    )
    controller.start()
    return controller

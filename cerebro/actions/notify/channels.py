"""The two delivery channels: a Slack-compatible incoming webhook and SMTP e-mail.

Webhook URLs carry their secret in the path (Slack, Google Chat, Teams), so they come from
environment variables and never appear in an error message or a log line; neither does the
SMTP password.
"""

from __future__ import annotations

import json
import os
import smtplib
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import urlsplit

from cerebro.settings import port_number


class NotifyError(RuntimeError):
    """A notification could not be delivered; the message names the channel, not its secret."""


def _redacted(url: str) -> str:
    """Scheme and host only: the path of an incoming-webhook URL is its token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}/…"


def post_webhook(url: str, payload: Mapping, *, timeout: float = 10.0) -> None:
    """POST ``payload`` as JSON (Slack's incoming-webhook format is ``{"text": ...}``)."""
    if urlsplit(url).scheme not in ("http", "https"):
        # urllib's own error for a malformed URL quotes the whole URL, token included.
        raise NotifyError("a webhook URL must start with https:// (or http://)")
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as error:
        raise NotifyError(f"webhook {_redacted(url)} answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise NotifyError(f"webhook {_redacted(url)} unreachable: {reason}") from None


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    sender: str = "cerebro@localhost"
    username: str = ""
    # Only the variable's name is kept: the password is read when a message is sent.
    password_env_var: str = "CEREBRO_SMTP_PASSWORD"
    starttls: bool = True
    timeout: float = field(default=15.0, compare=False)

    @property
    def password(self) -> str:
        return os.environ.get(self.password_env_var, "")


def smtp_settings_from_env(environ: Mapping[str, str] | None = None) -> SmtpSettings | None:
    """SMTP settings from ``CEREBRO_SMTP_*`` variables; None when no host is configured."""
    env = os.environ if environ is None else environ
    host = env.get("CEREBRO_SMTP_HOST", "").strip()
    if not host:
        return None
    return SmtpSettings(
        host=host,
        port=port_number(
            env.get("CEREBRO_SMTP_PORT", "587"), "CEREBRO_SMTP_PORT", "e-mail's are 587 and 465"
        ),
        sender=env.get("CEREBRO_SMTP_FROM", "cerebro@localhost"),
        username=env.get("CEREBRO_SMTP_USER", ""),
        starttls=env.get("CEREBRO_SMTP_STARTTLS", "true").lower() in {"1", "true", "yes"},
    )


def send_email(
    smtp: SmtpSettings, *, to: list[str], subject: str, text: str, html: str | None = None
) -> None:
    """Send one message (plain text, plus an HTML alternative when given) to ``to``."""
    if not to:
        raise NotifyError("an e-mail needs at least one recipient")
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as client:
            if smtp.starttls:
                client.starttls()
            if smtp.username:
                client.login(smtp.username, smtp.password)
            client.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        # A failed login's text may echo the user name, never the password.
        reason = f"{type(error).__name__}: {error}"
        raise NotifyError(f"SMTP {smtp.host}:{smtp.port}: {reason}") from None
    except UnicodeEncodeError:
        # smtplib sends AUTH credentials as ASCII; the error's text would quote a character.
        raise NotifyError(
            f"SMTP {smtp.host}:{smtp.port}: the SMTP user name and password must be ASCII"
        ) from None

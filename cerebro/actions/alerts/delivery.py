"""Sending a notification to the channels of the alerts file.

A channel is *configured* when its secret is in the environment: the webhook URL in the
variable its ``webhook_env`` names, the SMTP server in ``CEREBRO_SMTP_*``. An unconfigured
channel is left out (the demo runs with none); a configured one that fails raises NotifyError,
whose text names the channel and never its URL or password.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from cerebro.actions.alerts.config import Channel
from cerebro.actions.alerts.messages import Notification
from cerebro.actions.notify import NotifyError, SmtpSettings, post_webhook, send_email
from cerebro.actions.notify.channels import smtp_settings_from_env


@dataclass
class Deliverer:
    """The channels of the alerts file, bound to the environment that holds their secrets."""

    channels: Mapping[str, Channel]
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)

    def __post_init__(self) -> None:
        self._smtp: SmtpSettings | None = None
        self._smtp_problem: str | None = None
        try:
            self._smtp = smtp_settings_from_env(self.environ)
        except ValueError:
            self._smtp_problem = "CEREBRO_SMTP_PORT must be a port number"

    def is_configured(self, name: str) -> bool:
        channel = self.channels[name]
        if channel.type == "webhook":
            return bool(self.environ.get(channel.webhook_env, "").strip())
        return self._smtp is not None or self._smtp_problem is not None

    def not_configured_reason(self, name: str) -> str:
        channel = self.channels[name]
        if channel.type == "webhook":
            return f"{channel.webhook_env} is not set"
        return "CEREBRO_SMTP_HOST is not set"

    def targets(self, names: tuple[str, ...], severity: str) -> tuple[str, ...]:
        """The configured channels among ``names`` that take ``severity``."""
        return tuple(
            name
            for name in names
            if self.channels[name].accepts(severity) and self.is_configured(name)
        )

    def send(self, name: str, notification: Notification) -> None:
        """Deliver ``notification`` to channel ``name``; NotifyError when it fails."""
        channel = self.channels[name]
        try:
            if channel.type == "webhook":
                url = self.environ.get(channel.webhook_env, "").strip()
                post_webhook(url, notification.slack_payload)
                return
            if self._smtp is None:
                raise NotifyError(self._smtp_problem or "CEREBRO_SMTP_HOST is not set")
            send_email(
                self._smtp,
                to=list(channel.to),
                subject=notification.subject,
                text=notification.text,
            )
        except NotifyError as error:
            raise NotifyError(f"channel {name}: {error}") from None

    def send_all(
        self, names: tuple[str, ...], notification: Notification
    ) -> tuple[list[str], list[str]]:
        """Send to every configured channel of ``names``; (delivered names, error texts)."""
        delivered, errors = [], []
        for name in names:
            if name not in self.channels or not self.is_configured(name):
                continue
            try:
                self.send(name, notification)
            except NotifyError as error:
                errors.append(str(error))
                continue
            delivered.append(name)
        return delivered, errors

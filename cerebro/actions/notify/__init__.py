"""Outbound notifications (alerts, scheduled reports): Slack-compatible webhooks and e-mail."""

from cerebro.actions.notify.channels import (
    NotifyError,
    SmtpSettings,
    post_webhook,
    send_email,
    smtp_settings_from_env,
)

__all__ = ["NotifyError", "SmtpSettings", "post_webhook", "send_email", "smtp_settings_from_env"]

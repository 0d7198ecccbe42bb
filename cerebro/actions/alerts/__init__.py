"""Threshold alerts on the marts, evaluated after each daily run and sent to Slack-compatible
webhooks and e-mail, at most once per rule, tenant and day (``cerebro/alerts.yml``)."""

from cerebro.actions.alerts.config import (
    AlertConfigError,
    AlertsConfig,
    alerts_file_from_env,
    load_alerts_config,
)
from cerebro.actions.alerts.evaluate import AlertRunSummary, last_complete_local_day, run_alerts
from cerebro.actions.alerts.metrics import METRICS

__all__ = [
    "METRICS",
    "AlertConfigError",
    "AlertRunSummary",
    "AlertsConfig",
    "alerts_file_from_env",
    "last_complete_local_day",
    "load_alerts_config",
    "run_alerts",
]

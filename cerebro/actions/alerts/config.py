"""The alerts file (``cerebro/alerts.yml``): delivery channels and threshold rules.

Parsing checks everything a typo could break (unknown metric or key, bad severity, missing
threshold, a channel a rule names but nobody declared, a URL where a variable name belongs) and
says where and how to fix it. Webhook URLs and SMTP passwords never appear in the file: it
names the environment variables that hold them.
"""

from __future__ import annotations

import logging
import os
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from cerebro.actions.alerts.metrics import METRICS, MetricSpec
from cerebro.settings import PROJECT_ROOT
from cerebro.yaml_schema import SchemaError, read_yaml

ALERTS_FILE_ENV = "CEREBRO_ALERTS_FILE"
DEFAULT_ALERTS_FILE = PROJECT_ROOT / "cerebro" / "alerts.yml"
#: Least to most severe: a channel's ``min_severity`` lets through its level and those after it.
SEVERITIES = ("info", "warning", "critical")
#: The file may spell a comparison as a word (YAML reads a bare ``>`` as a block scalar).
COMPARISONS = {
    "above": ">",
    "at_or_above": ">=",
    "below": "<",
    "at_or_below": "<=",
    ">": ">",
    ">=": ">=",
    "<": "<",
    "<=": "<=",
}
CHANNEL_TYPES = ("webhook", "email")
#: How many days back a failed delivery is retried by later evaluations.
DEFAULT_RETRY_DAYS = 3
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_ENV_VAR = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TOP_KEYS = {"retry_days", "channels", "rules", "run_failures"}
_RULE_KEYS = {
    "id", "title", "severity", "metric", "comparison", "threshold", "lookback_days",
    "channels", "message", "overrides", "enabled",
}  # fmt: skip
_OVERRIDE_KEYS = {"threshold", "severity", "lookback_days", "enabled"}


_LOG = logging.getLogger(__name__)
#: Where a skipped override is said (a logger's ``warning``, or a Dagster step's log).
Warn = Callable[[str], None]


class AlertConfigError(ValueError):
    """The alerts file is invalid; the message says where and how to fix it."""


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Channel:
    """Where alerts go: a Slack-compatible webhook (URL in ``webhook_env``) or e-mail."""

    name: str
    type: str
    webhook_env: str | None = None
    to: tuple[str, ...] = ()
    min_severity: str = "info"

    def accepts(self, severity: str) -> bool:
        return severity_rank(severity) >= severity_rank(self.min_severity)


@dataclass(frozen=True)
class Rule:
    """One threshold rule, as it applies to one tenant once ``for_tenant`` has merged the
    tenant's overrides."""

    id: str
    title: str
    severity: str
    metric: str
    comparison: str  # one of ">", ">=", "<", "<="
    threshold: float
    lookback_days: int | None
    channels: tuple[str, ...]
    message: str
    params: Mapping[str, object] = field(default_factory=dict)
    overrides: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    enabled: bool = True

    @property
    def spec(self) -> MetricSpec:
        return METRICS[self.metric]

    def for_tenant(self, tenant_id: str) -> Rule:
        """The rule with ``tenant_id``'s overrides (threshold, severity, window, enabled)."""
        override = self.overrides.get(tenant_id)
        return replace(self, **override) if override else self

    def fires(self, value: float | None) -> bool:
        """Whether ``value`` crosses the threshold; no value (no data) never fires."""
        if value is None:
            return False
        return {
            ">": value > self.threshold,
            ">=": value >= self.threshold,
            "<": value < self.threshold,
            "<=": value <= self.threshold,
        }[self.comparison]


@dataclass(frozen=True)
class AlertsConfig:
    path: Path
    channels: Mapping[str, Channel]
    rules: tuple[Rule, ...]
    run_failure_channels: tuple[str, ...] = ()
    retry_days: int = DEFAULT_RETRY_DAYS


def alerts_file_from_env(environ: Mapping[str, str] | None = None) -> Path:
    """``CEREBRO_ALERTS_FILE`` when set, else ``cerebro/alerts.yml``."""
    env = os.environ if environ is None else environ
    return Path(env.get(ALERTS_FILE_ENV) or DEFAULT_ALERTS_FILE)


def load_alerts_config(
    path: Path, *, tenant_ids: Iterable[str] | None = None, warn: Warn = _LOG.warning
) -> AlertsConfig:
    """Read and validate the alerts file; with ``tenant_ids``, an override naming another
    tenant is skipped and said through ``warn`` (a Dagster step passes its own log, so that
    `cerebro run` shows it on a line of its own)."""
    if not path.exists():
        raise AlertConfigError(f"alerts file not found: {path} (set {ALERTS_FILE_ENV})")
    try:
        # The tenants file's reader: a key written twice is refused, not silently the last.
        document = read_yaml(path) or {}
    except SchemaError as error:
        raise AlertConfigError(f"{path}: {error}") from None
    return parse_alerts_config(document, path, tenant_ids=tenant_ids, warn=warn)


def parse_alerts_config(
    document: object,
    path: Path,
    *,
    tenant_ids: Iterable[str] | None = None,
    warn: Warn = _LOG.warning,
) -> AlertsConfig:
    """Validate an already parsed alerts document (see :func:`load_alerts_config`)."""
    where = str(path)
    if not isinstance(document, dict):
        raise AlertConfigError(f"{where}: expected a mapping with 'channels:' and 'rules:'")
    _no_unknown_keys(document, _TOP_KEYS, where)
    channels = {
        name: _parse_channel(name, spec, f"{where}: channels.{name}")
        for name, spec in _mapping(document.get("channels"), f"{where}: channels").items()
    }
    known_tenants = None if tenant_ids is None else set(tenant_ids)
    entries = document.get("rules") or []
    if not isinstance(entries, list):
        raise AlertConfigError(f"{where}: 'rules:' must be a list of rules")
    rules = tuple(
        _parse_rule(entry, f"{where}: rules[{i}]", channels, known_tenants, warn)
        for i, entry in enumerate(entries)
    )
    ids = [rule.id for rule in rules]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise AlertConfigError(f"{where}: duplicated rule id {duplicated}")
    run_failures = _mapping(document.get("run_failures"), f"{where}: run_failures")
    _no_unknown_keys(run_failures, {"channels"}, f"{where}: run_failures")
    retry_days = document.get("retry_days", DEFAULT_RETRY_DAYS)
    if not isinstance(retry_days, int) or isinstance(retry_days, bool) or retry_days < 0:
        raise AlertConfigError(f"{where}: retry_days must be a whole number of days >= 0")
    return AlertsConfig(
        path=path,
        channels=channels,
        rules=rules,
        run_failure_channels=_channel_names(
            run_failures.get("channels") or [], channels, f"{where}: run_failures"
        ),
        retry_days=retry_days,
    )


def _mapping(value: object, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise AlertConfigError(f"{where}: expected a mapping")
    return value


def _no_unknown_keys(entry: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise AlertConfigError(
            f"{where}: unknown key(s) {unknown}; allowed keys are {sorted(allowed)}"
        )


def _parse_severity(value: object, where: str) -> str:
    if value is None:
        raise AlertConfigError(f"{where}: 'severity' is required: {', '.join(SEVERITIES)}")
    if value not in SEVERITIES:
        raise AlertConfigError(f"{where}: severity {value!r} is not one of {', '.join(SEVERITIES)}")
    return str(value)


def _parse_channel(name: str, spec: object, where: str) -> Channel:
    if not _NAME.match(str(name)):
        raise AlertConfigError(f"{where}: a channel name is lowercase letters, digits and '_'")
    spec = _mapping(spec, where)
    kind = spec.get("type")
    if kind not in CHANNEL_TYPES:
        raise AlertConfigError(f"{where}: type must be one of {', '.join(CHANNEL_TYPES)}")
    min_severity = _parse_severity(spec.get("min_severity", "info"), f"{where}: min_severity")
    if kind == "webhook":
        _no_unknown_keys(spec, {"type", "webhook_env", "min_severity"}, where)
        env_var = str(spec.get("webhook_env") or "")
        if not _ENV_VAR.match(env_var):
            raise AlertConfigError(
                f"{where}: webhook_env must name an environment variable "
                "(e.g. CEREBRO_ALERTS_WEBHOOK_URL), never hold the URL itself"
            )
        return Channel(name, kind, webhook_env=env_var, min_severity=min_severity)
    _no_unknown_keys(spec, {"type", "to", "min_severity"}, where)
    recipients = spec.get("to")
    if isinstance(recipients, str):
        recipients = [recipients]
    if not recipients or not isinstance(recipients, list):
        raise AlertConfigError(f"{where}: 'to' must list at least one e-mail address")
    bad = [r for r in recipients if not _EMAIL.match(str(r))]
    if bad:
        raise AlertConfigError(f"{where}: not e-mail addresses: {bad}")
    return Channel(name, kind, to=tuple(str(r) for r in recipients), min_severity=min_severity)


def _channel_names(names: object, channels: Mapping[str, Channel], where: str) -> tuple[str, ...]:
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list):
        raise AlertConfigError(f"{where}: channels must be a list of channel names")
    unknown = [n for n in names if n not in channels]
    if unknown:
        raise AlertConfigError(
            f"{where}: unknown channel(s) {unknown}; declared channels are {sorted(channels)}"
        )
    return tuple(str(n) for n in names)


def _parse_threshold(value: object, spec: MetricSpec, where: str) -> float:
    if value is None:
        raise AlertConfigError(f"{where}: 'threshold' is required ({spec.threshold_hint})")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AlertConfigError(f"{where}: threshold must be a number ({spec.threshold_hint})")
    problem = spec.threshold_problem(float(value))
    if problem:
        raise AlertConfigError(f"{where}: threshold {value}: {problem}")
    return float(value)


def _parse_lookback(value: object, spec: MetricSpec, where: str) -> int | None:
    if spec.default_lookback_days is None:
        if value is not None:
            raise AlertConfigError(f"{where}: metric {spec.name} has no lookback window")
        return None
    if value is None:
        return spec.default_lookback_days
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise AlertConfigError(f"{where}: lookback_days must be a whole number of days >= 1")
    return value


def _parse_override(entry: object, spec: MetricSpec, where: str) -> dict:
    entry = _mapping(entry, where)
    _no_unknown_keys(entry, _OVERRIDE_KEYS, where)
    override: dict = {}
    if "threshold" in entry:
        override["threshold"] = _parse_threshold(entry["threshold"], spec, where)
    if "severity" in entry:
        override["severity"] = _parse_severity(entry["severity"], where)
    if "lookback_days" in entry:
        override["lookback_days"] = _parse_lookback(entry["lookback_days"], spec, where)
    if "enabled" in entry:
        override["enabled"] = _parse_enabled(entry["enabled"], where)
    return override


def _parse_enabled(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise AlertConfigError(f"{where}: enabled must be true or false")
    return value


def _check_message(template: str, spec: MetricSpec, where: str) -> str:
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    except ValueError as error:
        raise AlertConfigError(f"{where}: message is not a valid template: {error}") from None
    unknown = sorted(fields - set(spec.placeholders))
    if unknown:
        raise AlertConfigError(
            f"{where}: message uses unknown placeholder(s) {unknown}; "
            f"{spec.name} offers {sorted(spec.placeholders)}"
        )
    return template


def _parse_rule(
    entry: object,
    where: str,
    channels: Mapping[str, Channel],
    known_tenants: set[str] | None,
    warn: Warn,
) -> Rule:
    entry = _mapping(entry, where)
    rule_id = str(entry.get("id") or "")
    if not _NAME.match(rule_id):
        raise AlertConfigError(
            f"{where}: 'id' is required: lowercase letters, digits and '_' (e.g. abandono_alto)"
        )
    where = f"{where} ({rule_id})"
    metric = entry.get("metric")
    if metric not in METRICS:
        raise AlertConfigError(
            f"{where}: unknown metric {metric!r}; known metrics are {sorted(METRICS)}"
        )
    spec = METRICS[metric]
    _no_unknown_keys(entry, _RULE_KEYS | set(spec.params), where)
    comparison = entry.get("comparison", "above")
    if comparison not in COMPARISONS:
        raise AlertConfigError(
            f"{where}: comparison {comparison!r} is not one of "
            "above, at_or_above, below, at_or_below"
        )
    rule_channels = _channel_names(entry.get("channels") or [], channels, where)
    if not rule_channels:
        raise AlertConfigError(f"{where}: 'channels' must name at least one channel")
    overrides = {}
    for tenant_id, override in _mapping(entry.get("overrides"), f"{where}: overrides").items():
        if known_tenants is not None and tenant_id not in known_tenants:
            # One alerts file may serve installations with different tenants files (a tenant
            # taken out, the tests' tenants): its override is skipped, loudly, not fatal.
            warn(
                f"{where}: overrides for tenant {tenant_id!r} skipped: not in the tenants file "
                f"(tenants are {sorted(known_tenants)})"
            )
            continue
        overrides[str(tenant_id)] = _parse_override(
            override, spec, f"{where}: overrides.{tenant_id}"
        )
    try:
        params = spec.parse_params({k: v for k, v in entry.items() if k in spec.params})
    except ValueError as error:
        raise AlertConfigError(f"{where}: {error}") from None
    return Rule(
        id=rule_id,
        title=str(entry.get("title") or spec.default_title),
        severity=_parse_severity(entry.get("severity"), where),
        metric=str(metric),
        comparison=COMPARISONS[comparison],
        threshold=_parse_threshold(entry.get("threshold"), spec, where),
        lookback_days=_parse_lookback(entry.get("lookback_days"), spec, where),
        channels=rule_channels,
        message=_check_message(str(entry.get("message") or spec.default_message), spec, where),
        params=params,
        overrides=overrides,
        enabled=_parse_enabled(entry.get("enabled", True), where),
    )

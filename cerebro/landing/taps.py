"""Which Singer tap runs for a tenant's source, with which configuration."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

from cerebro.settings import console_script
from cerebro.tenants import TAP_EXECUTABLES, SourceConfig, Tenant


class MissingSecretError(RuntimeError):
    """A source's credential environment variable is not set."""


def demo_end_date(tenant: Tenant) -> str:
    """The demo's last day: configured, or yesterday on the tenant's local calendar."""
    if tenant.demo and tenant.demo.end_date:
        return str(tenant.demo.end_date)
    return (dt.datetime.now(ZoneInfo(tenant.timezone)).date() - dt.timedelta(days=1)).isoformat()


def demo_settings(tenant: Tenant, cache_dir: Path) -> dict:
    """Configuration of tap-cerebro-demo for one tenant (without the source)."""
    assert tenant.demo is not None
    return {
        "tenant_id": tenant.tenant_id,
        "profile": tenant.demo.profile,
        "timezone": tenant.timezone,
        "customers": tenant.demo.customers,
        "seed": tenant.demo.seed,
        "end_date": demo_end_date(tenant),
        "history_days": tenant.demo.history_days,
        "cache_dir": str(cache_dir),
    }


def tap_invocation(tenant: Tenant, source: SourceConfig, cache_dir: Path) -> tuple[list[str], dict]:
    """The tap's command line and its configuration, secrets read from the environment now."""
    if source.tap not in TAP_EXECUTABLES:
        raise ValueError(
            f"tenant {tenant.tenant_id}: tap {source.tap!r} for {source.source} is not installed; "
            f"available taps: {sorted(TAP_EXECUTABLES)}"
        )
    if source.is_demo:
        config = {**demo_settings(tenant, cache_dir), "source": source.source}
    else:
        config = {"tenant_id": tenant.tenant_id, **source.settings}
        if source.tap == "csv":
            # Date-times without an offset in the files are the tenant's local time (decision 0010).
            config.setdefault("timezone", tenant.timezone)
        for setting, env_var in source.secrets.items():
            if not os.environ.get(env_var):
                raise MissingSecretError(
                    f"tenant {tenant.tenant_id}: {source.source} needs {setting} from the "
                    f"environment variable {env_var}, which is not set"
                )
            config[setting] = os.environ[env_var]
    return [console_script(TAP_EXECUTABLES[source.tap])], config

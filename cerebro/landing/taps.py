"""Which Singer tap runs for a tenant's source, with which configuration."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from cerebro_raw_contract import sources_of_tap

from cerebro.progress import counted
from cerebro.settings import console_script
from cerebro.tenants import TAP_EXECUTABLES, SourceConfig, Tenant

#: Where secrets are set (docs/configuration.md, tenant-secrets.env.example).
SECRETS_FILE = "the secrets file (tenant-secrets.env, see docs/configuration.md)"


class MissingSecretError(RuntimeError):
    """A source's credential environment variable is not set."""


@dataclass(frozen=True)
class MissingSecret:
    """A tap setting whose environment variable, named in the tenants file, is not set."""

    tenant_id: str
    source: str
    setting: str
    env_var: str

    def __str__(self) -> str:
        return (
            f"tenant {self.tenant_id}: {self.source} needs {self.setting} from the "
            f"environment variable {self.env_var}, which is not set"
        )


def missing_secrets(tenants: Iterable[Tenant]) -> list[MissingSecret]:
    """Every source secret of ``tenants`` that is not set now (destinations' secrets are the
    activation's to check, when it syncs)."""
    return [
        MissingSecret(tenant.tenant_id, source.source, setting, env_var)
        for tenant in tenants
        for source in tenant.sources.values()
        if not source.is_demo
        for setting, env_var in source.secrets.items()
        if not os.environ.get(env_var)
    ]


def check_source_secrets(tenants: Iterable[Tenant]) -> None:
    """Fail in one line before any work when a source's secret is not set: the landing would
    meet it only after the seeds were built, and retry it."""
    missing = missing_secrets(tenants)
    if len(missing) == 1:
        raise MissingSecretError(f"{missing[0]}: export it, or set it in {SECRETS_FILE}")
    if missing:
        names = ", ".join(sorted({m.env_var for m in missing}))
        where = ", ".join(f"{m.tenant_id}/{m.source}" for m in missing)
        raise MissingSecretError(
            f"{counted(len({m.env_var for m in missing}), 'environment variable')} the tenants "
            f"file names for source credentials not set: {names} ({where}): export them, or "
            f"set them in {SECRETS_FILE}"
        )


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
        "billed_in": dict(tenant.demo.billed_in),
        "store_platform": tenant.demo.store,
        "cache_dir": str(cache_dir),
    }


#: Taps whose ``timezone`` setting is the tenant's unless the tenants file says otherwise: the
#: CSV files' date-times without an offset are the tenant's local time (decision 0010); a GA4
#: property reports days in its own time zone, the store's as a rule (decision 0074).
TAPS_IN_TENANT_TIMEZONE = frozenset({"csv", "ga4"})

#: Taps whose refresh token is single-use: each run's new one is kept in ``token_dir``.
ROTATING_REFRESH_TOKEN_TAPS = frozenset({"mercadolibre"})


def tap_invocation(
    tenant: Tenant, source: SourceConfig, cache_dir: Path, token_dir: Path | None = None
) -> tuple[list[str], dict]:
    """The tap's command line and its configuration, secrets read from the environment now.

    ``token_dir`` (the state folder) keeps the refresh tokens a tap rotates (Mercado Libre's
    work once, decision 0068): ``<tenant>/<tap>.refresh_token.json`` beside the tenant's Singer
    states, one per tap (its sources share it), written by the tap, readable by its owner only."""
    if source.tap not in TAP_EXECUTABLES:
        raise ValueError(
            f"tenant {tenant.tenant_id}: tap {source.tap!r} for {source.source} is not installed; "
            f"available taps: {sorted(TAP_EXECUTABLES)}"
        )
    if source.is_demo:
        config = {**demo_settings(tenant, cache_dir), "source": source.source}
    else:
        config = {"tenant_id": tenant.tenant_id, **source.settings}
        if source.tap in TAPS_IN_TENANT_TIMEZONE:
            config.setdefault("timezone", tenant.timezone)
        if len(sources_of_tap(source.tap)) > 1:
            # A tap landing several sources emits the streams of the one it runs for.
            config["source"] = source.source
        missing = [m for m in missing_secrets([tenant]) if m.source == source.source]
        if missing:
            raise MissingSecretError(str(missing[0]))
        for setting, env_var in source.secrets.items():
            config[setting] = os.environ[env_var]
        if source.tap in ROTATING_REFRESH_TOKEN_TAPS and token_dir is not None:
            config.setdefault(
                "token_store_path",
                str(token_dir / tenant.tenant_id / f"{source.tap}.refresh_token.json"),
            )
    return [console_script(TAP_EXECUTABLES[source.tap])], config

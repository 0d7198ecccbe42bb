"""The tenants configuration file: who the tenants are and where their data comes from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import yaml
from tap_cerebro_demo.generator.profiles import PROFILES
from tap_cerebro_demo.generator.storage import STREAMS_BY_SOURCE

from ml_assets.clv.settings import ClvSettings
from ml_assets.mmm.settings import MmmSettings

SOURCES = tuple(STREAMS_BY_SOURCE)
DEMO_TAP = "demo"
_TENANT_ID = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
_ENV_VAR = re.compile(r"^[A-Z_][A-Z0-9_]*$")


class TenantConfigError(ValueError):
    """The tenants file is invalid; the message says where and how to fix it."""


@dataclass(frozen=True)
class SourceConfig:
    source: str
    tap: str
    settings: dict = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)  # tap setting -> env var name

    @property
    def is_demo(self) -> bool:
        return self.tap == DEMO_TAP


@dataclass(frozen=True)
class DemoConfig:
    profile: str
    customers: int = 9500
    seed: int = 42
    end_date: str | None = None
    history_days: int = 730


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    name: str
    timezone: str
    currency: str
    country_code: str
    sources: dict[str, SourceConfig]
    demo: DemoConfig | None = None
    # Customer-value model settings (the optional `clv:` block; defaults in ClvSettings).
    clv: ClvSettings = field(default_factory=ClvSettings)
    # Budget-brain settings (the optional `mmm:` block; defaults in MmmSettings).
    mmm: MmmSettings = field(default_factory=MmmSettings)


def load_tenants(path: Path) -> list[Tenant]:
    """Read and validate the tenants file."""
    if not path.exists():
        raise TenantConfigError(f"tenants file not found: {path} (set CEREBRO_TENANTS_FILE)")
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = document.get("tenants")
    if not isinstance(entries, list) or not entries:
        raise TenantConfigError(f"{path}: expected a non-empty 'tenants:' list")
    tenants = [_parse_tenant(entry, f"{path}: tenants[{i}]") for i, entry in enumerate(entries)]
    ids = [t.tenant_id for t in tenants]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise TenantConfigError(f"{path}: duplicated tenant_id {duplicated}")
    return tenants


def _require(entry: dict, key: str, where: str) -> str:
    value = entry.get(key)
    if value in (None, ""):
        raise TenantConfigError(f"{where}: '{key}' is required")
    return str(value)


def _parse_tenant(entry: dict, where: str) -> Tenant:
    tenant_id = _require(entry, "tenant_id", where)
    if not _TENANT_ID.match(tenant_id):
        raise TenantConfigError(
            f"{where}: tenant_id {tenant_id!r} must be lowercase letters, digits and underscores"
        )
    where = f"{where} ({tenant_id})"
    timezone = _require(entry, "timezone", where)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise TenantConfigError(f"{where}: unknown timezone {timezone!r}") from error
    currency = _require(entry, "currency", where)
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise TenantConfigError(f"{where}: currency must be an ISO 4217 code such as CLP")
    sources = {
        name: _parse_source(name, spec or {}, f"{where}: sources.{name}")
        for name, spec in (entry.get("sources") or {}).items()
    }
    demo = None
    if entry.get("demo"):
        demo = DemoConfig(**entry["demo"])
        if demo.profile not in PROFILES:
            raise TenantConfigError(f"{where}: demo profile must be one of {sorted(PROFILES)}")
    if any(s.is_demo for s in sources.values()) and demo is None:
        raise TenantConfigError(f"{where}: sources use the demo tap but there is no 'demo:' block")
    try:
        clv = ClvSettings.from_mapping(entry.get("clv"))
    except (TypeError, ValueError) as error:
        raise TenantConfigError(f"{where}: clv: {error}") from error
    try:
        mmm = MmmSettings.from_mapping(entry.get("mmm"))
    except (TypeError, ValueError) as error:
        raise TenantConfigError(f"{where}: mmm: {error}") from error
    return Tenant(
        tenant_id=tenant_id,
        name=_require(entry, "name", where),
        timezone=timezone,
        currency=currency,
        country_code=_require(entry, "country_code", where),
        sources=sources,
        demo=demo,
        clv=clv,
        mmm=mmm,
    )


def _parse_source(name: str, spec: dict, where: str) -> SourceConfig:
    if name not in SOURCES:
        raise TenantConfigError(f"{where}: unknown source; known sources are {list(SOURCES)}")
    secrets = spec.get("secrets") or {}
    for setting, env_var in secrets.items():
        if not _ENV_VAR.match(str(env_var)):
            raise TenantConfigError(
                f"{where}: secrets.{setting} must name an environment variable "
                f"(e.g. SHOP_TOKEN), never hold the secret itself"
            )
    return SourceConfig(
        source=name,
        tap=_require(spec, "tap", where),
        settings=spec.get("settings") or {},
        secrets=secrets,
    )


def tenants_frame(tenants: list[Tenant]) -> pd.DataFrame:
    """The tenants as the warehouse's ``cerebro_config.tenants`` table, read by dbt."""
    return pd.DataFrame(
        [
            {
                "tenant_id": t.tenant_id,
                "tenant_name": t.name,
                "timezone": t.timezone,
                "currency": t.currency,
                "country_code": t.country_code,
            }
            for t in tenants
        ]
    )

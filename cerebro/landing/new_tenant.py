"""`cerebro tenants add`: a new store's entry in the tenants file, and the secrets it needs.

What a source needs comes from its tap's own settings schema (``tap-… --about``): the settings
it requires and those it marks secret. Secrets are written as the names of environment
variables (``<TAP>_<SETTING>_<TENANT>``, upper case), never as values. A source is given by its
tap's name, and lands where that tap lands: another store platform's tap (``woocommerce``)
under the store's source, ``shopify``, Stripe's there and under its own. The entry is appended
as text, so the file's comments stay, and the file is replaced only once the new text loads
with every tenant it had plus the new one.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml
from cerebro_raw_contract import sources_of_tap

from cerebro.output_files import atomic_output
from cerebro.settings import console_script
from cerebro.tenants import (
    DEMO_TAP,
    TAP_EXECUTABLES,
    Tenant,
    TenantConfigError,
    load_tenants,
    parse_tenants_text,
)
from cerebro.yaml_schema import read_text, suggestion

#: Settings Cerebro fills itself when it runs a tap (cerebro/landing/taps.py).
FILLED_BY_CEREBRO = frozenset({"tenant_id", "timezone"})


@dataclass(frozen=True)
class TapSettings:
    """What a tap's schema asks for: settings it requires (not secret) and its secrets."""

    required: tuple[str, ...]
    secrets: tuple[str, ...]


def tap_settings(tap: str) -> TapSettings:
    """The tap's required and secret settings, read from its ``--about`` (its own schema)."""
    about = subprocess.run(
        [console_script(TAP_EXECUTABLES[tap]), "--about", "--format", "json"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    schema = json.loads(about.stdout)["settings"]
    properties = schema.get("properties", {})
    secrets = tuple(name for name, spec in properties.items() if spec.get("secret"))
    required = tuple(
        name
        for name in schema.get("required", [])
        if name not in secrets and name not in FILLED_BY_CEREBRO
    )
    return TapSettings(required, secrets)


def secret_variable(source: str, setting: str, tenant_id: str) -> str:
    """The environment variable a new tenant's secret is read from (two sources' tokens
    never share one)."""
    return f"{source}_{setting}_{tenant_id}".upper()


def setting_value(text: str) -> object:
    """A ``--set`` value read as YAML (a list, a number), except a date, which the taps read
    as the text it was written as."""
    value = yaml.safe_load(text) if text else ""
    return text if isinstance(value, dt.date) else value


@dataclass(frozen=True)
class NewTenant:
    tenant_id: str
    name: str
    timezone: str
    currency: str
    country_code: str
    #: source (its tap's name) -> settings given for it
    sources: dict[str, dict[str, object]]


def entry_text(tenant: NewTenant, needs: dict[str, TapSettings]) -> str:
    """The tenant's entry as YAML text, indented as an item of the file's ``tenants:`` list."""
    sources = {}
    for tap, settings in tenant.sources.items():
        spec: dict[str, object] = {"tap": tap}
        if settings:
            spec["settings"] = settings
        secrets = {
            name: secret_variable(tap, name, tenant.tenant_id) for name in needs[tap].secrets
        }
        if secrets:
            spec["secrets"] = secrets
        for source in sources_of_tap(tap):
            sources[source] = copy.deepcopy(spec)  # no YAML anchors between two entries
    entry = {
        "tenant_id": tenant.tenant_id,
        "name": tenant.name,
        "timezone": tenant.timezone,
        "currency": tenant.currency,
        "country_code": tenant.country_code,
        "sources": sources,
    }
    text = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=100)
    return "".join(f"  {line}\n" for line in text.splitlines())


def what_sources_need(tenant: NewTenant) -> dict[str, TapSettings]:
    """Each source's needs; a source that is not a tap, or a required setting not given, is
    refused in one line naming the flags to add."""
    real_taps = sorted(set(TAP_EXECUTABLES) - {DEMO_TAP})
    unknown = sorted(set(tenant.sources) - set(real_taps))
    if unknown:
        named = ", ".join(f"{name}{suggestion(name, real_taps)}" for name in unknown)
        raise TenantConfigError(f"unknown source {named}; sources are {', '.join(real_taps)}")
    landing = {}
    for tap in tenant.sources:
        for source in sources_of_tap(tap):
            other = landing.setdefault(source, tap)
            if other != tap:
                raise TenantConfigError(
                    f"{other} and {tap} both land the {source} source: give one of them"
                )
    needs = {source: tap_settings(source) for source in tenant.sources}
    missing = [
        f"{source}.{name}"
        for source, settings in tenant.sources.items()
        for name in needs[source].required
        if name not in settings
    ]
    if missing:
        flags = " ".join(f"--set {name}=…" for name in missing)
        raise TenantConfigError(f"the taps need {', '.join(missing)}: give them ({flags})")
    return needs


def add_tenant(path: Path, tenant: NewTenant) -> Tenant:
    """Append ``tenant`` to the tenants file at ``path``, or start the file with it where there
    is none yet (a deployment's own file, apart from the demo's); the added tenant as loaded.
    One-line ``TenantConfigError`` for what the user fixes."""
    first = not path.exists()
    current = [] if first else load_tenants(path)
    if any(t.tenant_id == tenant.tenant_id for t in current):
        raise TenantConfigError(f"{path}: tenant {tenant.tenant_id!r} is already there")
    needs = what_sources_need(tenant)
    text = "tenants:\n" if first else read_text(path)
    new_text = text + ("" if text.endswith("\n") else "\n") + entry_text(tenant, needs)
    try:
        added = parse_tenants_text(new_text)
    except TenantConfigError as error:
        raise TenantConfigError(f"{path}: the new entry would not load: {error}") from None
    if [t.tenant_id for t in added] != [*(t.tenant_id for t in current), tenant.tenant_id]:
        raise TenantConfigError(
            f"{path}: the tenants list is not the file's last block, so the entry cannot be "
            "appended; add it by hand (`cerebro tenants add … --dry-run` prints it)"
        )
    with atomic_output(path) as temporary:
        temporary.write_text(new_text, encoding="utf-8")
    return added[-1]

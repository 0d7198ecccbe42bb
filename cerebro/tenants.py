"""The tenants configuration file: who the tenants are and where their data comes from."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib.metadata
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import available_timezones

import pandas as pd
from cerebro_raw_contract import SOURCES, STORE_PLATFORM_TAPS, STORE_SOURCE
from cerebro_raw_contract.currencies import ISO_4217_CODES
from cerebro_raw_contract.demo_profiles import (
    DEMO_BILLED_SOURCES,
    DEMO_PROFILES,
    DEMO_RATE_CURRENCIES,
    DEMO_STORE_PLATFORMS,
)

from cerebro.segment_names import retired_segment_message, unknown_segment_message
from cerebro.yaml_schema import (
    SchemaError,
    item,
    key,
    known_keys,
    mapping,
    one_of,
    parse_yaml,
    read_text,
    required,
    shown,
    suggestion,
    text,
    whole_number,
)
from ml_assets.clv.settings import ClvSettings
from ml_assets.mmm.settings import MmmSettings

DEMO_TAP = "demo"

#: Every tap's console script is named so: ``tap-cerebro-meta-ads`` is the tap ``meta_ads``.
TAP_SCRIPT_PREFIX = "tap-cerebro-"


def _installed_taps() -> dict[str, str]:
    """Tap name -> console script, read from this project's installed entry points.

    ``[project.scripts]`` in pyproject.toml is the one list of the taps: a tap is the script
    that runs it, and the tenants file may name only a tap whose script is installed.
    tests/test_tap_lists.py keeps pyproject.toml's other lists of packages equal to it."""
    scripts = importlib.metadata.distribution("cerebro").entry_points.select(
        group="console_scripts"
    )
    return {
        script.name.removeprefix(TAP_SCRIPT_PREFIX).replace("-", "_"): script.name
        for script in sorted(scripts, key=lambda script: script.name)
        if script.name.startswith(TAP_SCRIPT_PREFIX)
    }


#: Tap name in the tenants file -> console script installed by this project (cerebro.landing.taps
#: runs them; the tenants file may name only these).
TAP_EXECUTABLES = _installed_taps()

#: Destination name -> the settings its client reads (``destinations.<name>.settings``; the
#: client of each is cerebro/actions/activation/destinations/<name>.py): the
#: tenants file refuses any other key when it is loaded, since a misspelt one (``list_prefx``)
#: would otherwise be ignored and its default used without a word.
DESTINATION_SETTINGS: dict[str, frozenset[str]] = {
    "klaviyo": frozenset({"base_url", "revision", "list_prefix"}),
    "meta_audiences": frozenset({"ad_account_id", "base_url", "api_version"}),
    "google_customer_match": frozenset(
        {
            "customer_id",
            "login_customer_id",
            "base_url",
            "api_version",
            "token_url",
            "job_wait_seconds",
        }
    ),
    "shopify_coupons": frozenset(
        {"shop", "api_version", "base_url", "expiry_days", "title_prefix", "code_prefix", "rescue"}
    ),
    "whatsapp": frozenset(
        {
            "base_url",
            "api_version",
            "phone_number_id",
            "template_name",
            "language",
            "parameters",
            "name_fallback",
            "messages_per_second",
        }
    ),
}

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
class DestinationConfig:
    """Where a tenant's segments can be sent (``destinations.<name>``): the client's settings
    as written and the names of the environment variables holding its secrets."""

    destination: str
    settings: dict = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)  # setting -> env var name


@dataclass(frozen=True)
class ActivationConfig:
    """One segment kept in sync with one destination (an ``activations:`` entry): what the
    scheduled syncs run, and the control share ``cerebro activate`` uses for that pair."""

    segment: str
    destination: str
    #: Share of the segment held out as control, never sent (issue 24: 10 % by default).
    control_share: float = 0.10


@dataclass(frozen=True)
class DemoConfig:
    # A profile of the demo generator (taps/tap_cerebro_demo/generator/profiles.py), checked
    # when the file loads against the raw contract's list of their names (DEMO_PROFILES), so
    # that the library never imports the demo.
    profile: str
    customers: int = 9500
    seed: int = 42
    end_date: str | None = None
    history_days: int = 730
    # Ad sources whose demo account bills in another currency than the tenant's (source -> ISO
    # 4217 code, e.g. {meta_ads: USD}); the tenant then lands the rates (exchange_rates).
    billed_in: dict[str, str] = field(default_factory=dict)
    # The platform the demo store runs on (DEMO_STORE_PLATFORMS): woocommerce lands the same
    # business through the WooCommerce tap's mapping, as such a store would land.
    store: str = "shopify"


@dataclass(frozen=True)
class StaticPagesConfig:
    """The tenant's static HTML pages (``static_pages:``). Contact data (customers' names,
    e-mails, phones) stays out of them unless turned on: a folder of plain files is easily
    forwarded, and most readers need the figures, not the people."""

    contact_data: bool = False


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
    # Activation (issue 24): destinations by name, and the segments synced to them.
    destinations: dict[str, DestinationConfig] = field(default_factory=dict)
    activations: tuple[ActivationConfig, ...] = ()
    static_pages: StaticPagesConfig = field(default_factory=StaticPagesConfig)


def load_tenants(path: Path) -> list[Tenant]:
    """Read the tenants file and validate every key the platform reads from it; an invalid file
    raises ``TenantConfigError`` with one line naming the file and the key path."""
    if not path.exists():
        raise TenantConfigError(f"tenants file not found: {path} (set CEREBRO_TENANTS_FILE)")
    try:
        return list(_parsed_tenants(read_text(path)))
    except SchemaError as error:
        raise TenantConfigError(f"{path}: {error}") from error


def parse_tenants_text(text: str) -> list[Tenant]:
    """The tenants a tenants file's text describes (``load_tenants`` without the file)."""
    try:
        return list(_parsed_tenants(text))
    except SchemaError as error:
        raise TenantConfigError(str(error)) from error


@functools.lru_cache(maxsize=8)
def _parsed_tenants(text: str) -> tuple[Tenant, ...]:
    """The tenants a file's text describes, parsed once per process and text. One
    ``cerebro run`` reads the file wherever a step needs it (the command, the runner, every
    asset through its resource): each read sees the file as it is now, but only a changed
    text is parsed and checked again. The parse depends on nothing but the text."""
    return tuple(_tenants(parse_yaml(text)))


def _tenants(document: object) -> list[Tenant]:
    if document is None:
        raise SchemaError("the file is empty; it needs a 'tenants:' list (see cerebro/tenants.yml)")
    document = mapping(document, "top level", "a mapping with a 'tenants:' list")
    known_keys(document, ("tenants",), "")
    entries = document.get("tenants")
    if entries == [] or (entries is None and "tenants" in document):
        raise SchemaError("tenants: the list is empty; add a store (`cerebro tenants add`)")
    if not isinstance(entries, list):
        raise SchemaError(f"tenants: expected a list of tenants, got {shown(entries)}")
    tenants = [_tenant(entry, item("tenants", i)) for i, entry in enumerate(entries)]
    seen: dict[str, int] = {}
    for i, tenant in enumerate(tenants):
        if tenant.tenant_id in seen:
            raise SchemaError(
                f"tenants[{i}].tenant_id: duplicated tenant_id {tenant.tenant_id!r} (also "
                f"tenants[{seen[tenant.tenant_id]}]); each tenant needs an id of its own"
            )
        seen[tenant.tenant_id] = i
    return tenants


def _tenant(entry: object, where: str) -> Tenant:
    entry = mapping(entry, where, "a tenant (a mapping with tenant_id, name, timezone, ...)")
    known_keys(entry, _field_names(Tenant), where)
    tenant_id = text(required(entry, "tenant_id", where), key(where, "tenant_id"))
    if not _TENANT_ID.match(tenant_id):
        raise SchemaError(
            f"{key(where, 'tenant_id')}: {tenant_id!r} must be 2 to 63 lowercase letters, digits "
            "and underscores, starting with a letter (e.g. casafacil_cl)"
        )
    sources_where = key(where, "sources")
    sources = {
        name: _source(name, spec, key(sources_where, name))
        for name, spec in mapping(
            _or_empty(entry.get("sources")), sources_where, "a mapping of source name to its tap"
        ).items()
    }
    demo = _demo(entry["demo"], key(where, "demo")) if entry.get("demo") is not None else None
    destinations_where = key(where, "destinations")
    destinations = {
        name: _destination(name, spec, key(destinations_where, name))
        for name, spec in mapping(
            _or_empty(entry.get("destinations")),
            destinations_where,
            "a mapping of destination name to its settings and secrets",
        ).items()
    }
    if demo is None and any(s.is_demo for s in sources.values()):
        raise SchemaError(f"{where}: sources use the demo tap but there is no 'demo:' block")
    if demo is not None and demo.billed_in and "exchange_rates" not in sources:
        billed = ", ".join(f"{source} in {code}" for source, code in demo.billed_in.items())
        raise SchemaError(
            f"{key(key(where, 'demo'), 'billed_in')}: {billed} needs the rates that convert it: "
            "add exchange_rates: {tap: demo} under sources"
        )
    return Tenant(
        tenant_id=tenant_id,
        name=text(required(entry, "name", where), key(where, "name")),
        timezone=_timezone(required(entry, "timezone", where), key(where, "timezone")),
        currency=_currency(required(entry, "currency", where), key(where, "currency")),
        country_code=_country_code(
            required(entry, "country_code", where), key(where, "country_code")
        ),
        sources=sources,
        demo=demo,
        clv=_model_settings(ClvSettings, entry.get("clv"), key(where, "clv")),
        mmm=_model_settings(MmmSettings, entry.get("mmm"), key(where, "mmm")),
        destinations=destinations,
        activations=_activations(entry.get("activations"), destinations, key(where, "activations")),
        static_pages=_static_pages(entry.get("static_pages"), key(where, "static_pages")),
    )


def _or_empty(value: object) -> object:
    """An optional block left empty (``sources:`` with nothing under it) is an empty one."""
    return {} if value is None else value


def _field_names(cls) -> tuple[str, ...]:
    """The keys of a block are the fields of the object it becomes (defined once, there)."""
    return tuple(f.name for f in dataclasses.fields(cls))


@functools.cache
def _tz_database() -> frozenset[str]:
    return frozenset(available_timezones())


def _timezone(value: object, where: str) -> str:
    value = text(value, where)
    if value not in _tz_database():
        raise SchemaError(
            f"{where}: unknown timezone {value!r}{suggestion(value, _tz_database())}; "
            "use a name of the tz database such as America/Santiago"
        )
    return value


def _currency(value: object, where: str) -> str:
    value = text(value, where)
    if value not in ISO_4217_CODES:
        # Only a case slip gets a "did you mean": a name such as 'pesos' is no near-miss.
        upper = value.upper()
        hint = f" (did you mean {upper!r}?)" if upper in ISO_4217_CODES else " (e.g. CLP, PEN)"
        raise SchemaError(f"{where}: {value!r} is not an ISO 4217 currency code{hint}")
    return value


def _country_code(value: object, where: str) -> str:
    value = text(value, where)
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise SchemaError(f"{where}: {value!r} is not an ISO 3166 country code such as CL or PE")
    return value


def _demo(value: object, where: str) -> DemoConfig:
    value = mapping(value, where, "a mapping with the demo's profile (e.g. {profile: cl_services})")
    known_keys(value, _field_names(DemoConfig), where)
    end_date = value.get("end_date")
    if end_date is not None:
        # YAML reads an unquoted 2026-10-31 as a date, a quoted one as text: both are fine.
        try:
            end_date = dt.date.fromisoformat(str(end_date)).isoformat()
        except ValueError as error:
            raise SchemaError(
                f"{key(where, 'end_date')}: {shown(end_date)} is not a date (YYYY-MM-DD)"
            ) from error
    defaults = DemoConfig(profile="")
    return DemoConfig(
        profile=one_of(
            required(value, "profile", where), DEMO_PROFILES, key(where, "profile"), "demo profile"
        ),
        customers=whole_number(
            value.get("customers", defaults.customers), key(where, "customers"), minimum=1
        ),
        seed=whole_number(value.get("seed", defaults.seed), key(where, "seed"), minimum=0),
        end_date=end_date,
        history_days=whole_number(
            value.get("history_days", defaults.history_days), key(where, "history_days"), minimum=1
        ),
        billed_in=_billed_in(value.get("billed_in"), value.get("profile"), key(where, "billed_in")),
        store=one_of(
            value.get("store", defaults.store),
            DEMO_STORE_PLATFORMS,
            key(where, "store"),
            "store platform of the demo",
        ),
    )


def _billed_in(value: object, profile: object, where: str) -> dict[str, str]:
    """The demo accounts billed in another currency: an ad source of the demo each, in the one
    currency the profile's exchange-rate series quotes (the generator has no other)."""
    billed = mapping(
        _or_empty(value), where, "a mapping of ad source to currency, e.g. {meta_ads: USD}"
    )
    for source, currency in billed.items():
        one_of(source, DEMO_BILLED_SOURCES, where, "ad source of the demo")
        code = _currency(currency, key(where, source))
        rated = DEMO_RATE_CURRENCIES.get(str(profile))
        if code != rated:
            raise SchemaError(
                f"{key(where, source)}: the demo profile {profile} has exchange rates for "
                + (f"{rated} only" if rated else "no currency")
                + f", not {code}"
            )
    return {str(source): str(currency) for source, currency in billed.items()}


def _model_settings(cls, value: object, where: str):
    """A model's settings block (``clv:``, ``mmm:``); the model's settings class checks it."""
    if value is None:
        return cls()
    value = mapping(value, where, "a mapping of settings")
    try:
        return cls.from_mapping(value)
    except (TypeError, ValueError) as error:
        raise SchemaError(f"{where}: {error}") from error


def _static_pages(value: object, where: str) -> StaticPagesConfig:
    value = mapping(_or_empty(value), where, "a mapping such as {contact_data: false}")
    known_keys(value, _field_names(StaticPagesConfig), where)
    contact_data = value.get("contact_data", StaticPagesConfig().contact_data)
    if not isinstance(contact_data, bool):
        raise SchemaError(
            f"{key(where, 'contact_data')}: expected true or false, got {shown(contact_data)}"
        )
    return StaticPagesConfig(contact_data=contact_data)


def _source(name: str, spec: object, where: str) -> SourceConfig:
    if name in STORE_PLATFORM_TAPS and name not in SOURCES:
        raise SchemaError(
            f"{where}: {name} is a store's tap, which lands the store's orders and customers: "
            f"write it as {STORE_SOURCE}: {{tap: {name}}}"
        )
    one_of(name, SOURCES, where, "source")
    spec = mapping(spec, where, "a mapping with the source's tap (e.g. {tap: demo})")
    known_keys(spec, tuple(n for n in _field_names(SourceConfig) if n != "source"), where)
    tap = one_of(required(spec, "tap", where), TAP_EXECUTABLES, key(where, "tap"), "tap")
    if tap in STORE_PLATFORM_TAPS and name not in STORE_PLATFORM_TAPS[tap]:
        raise SchemaError(
            f"{key(where, 'tap')}: {tap} lands the store's orders and customers, under "
            f"{STORE_SOURCE}: {{tap: {tap}}}, not under {name}"
        )
    settings = mapping(
        _or_empty(spec.get("settings")), key(where, "settings"), "a mapping of tap settings"
    )
    secrets = _secrets(spec.get("secrets"), key(where, "secrets"))
    if tap == DEMO_TAP and (settings or secrets):
        raise SchemaError(f"{where}: the demo tap takes no settings or secrets; remove them")
    _refuse_credentials(settings, key(where, "settings"))
    for setting in secrets:
        if setting in settings:
            raise SchemaError(
                f"{key(where, 'settings')}.{setting}: also under secrets; keep it in one place"
            )
    return SourceConfig(source=name, tap=tap, settings=settings, secrets=secrets)


def _destination(name: str, spec: object, where: str) -> DestinationConfig:
    one_of(name, DESTINATION_SETTINGS, where, "destination")
    spec = mapping(
        _or_empty(spec), where, "a mapping with the destination's settings: and secrets:"
    )
    known_keys(spec, tuple(n for n in _field_names(DestinationConfig) if n != "destination"), where)
    settings = mapping(
        _or_empty(spec.get("settings")), key(where, "settings"), "a mapping of settings"
    )
    secrets = _secrets(spec.get("secrets"), key(where, "secrets"), "setting")
    _refuse_credentials(settings, key(where, "settings"))
    known_keys(settings, DESTINATION_SETTINGS[name], key(where, "settings"))
    for setting, value in settings.items():
        if setting.endswith("_url"):
            _url(value, key(key(where, "settings"), setting))
    for setting in secrets:
        if setting in settings:
            raise SchemaError(
                f"{key(where, 'settings')}.{setting}: also under secrets; keep it in one place"
            )
    return DestinationConfig(destination=name, settings=settings, secrets=secrets)


def _url(value: object, where: str) -> str:
    """An http(s) address with a host: without its scheme (``a.klaviyo.com``) urllib cannot
    open it, and the sync would fail at its first call instead of here."""
    address = text(value, where).strip()
    parts = urllib.parse.urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        example = f"https://{address}" if "://" not in address else "https://a.klaviyo.com"
        raise SchemaError(
            f"{where}: {shown(value)} is not an http(s) address; write it whole, e.g. {example}"
        )
    return address


def _activations(
    value: object, destinations: dict[str, DestinationConfig], where: str
) -> tuple[ActivationConfig, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise SchemaError(
            f"{where}: expected a list of {{segment: ..., destination: ...}}, got {shown(value)}"
        )
    activations, seen = [], {}
    default_share = ActivationConfig(segment="", destination="").control_share
    for index, entry in enumerate(value):
        at = item(where, index)
        entry = mapping(
            entry, at, 'a mapping such as {segment: "ALTO RIESGO - VIP", destination: klaviyo}'
        )
        known_keys(entry, _field_names(ActivationConfig), at)
        segment = text(required(entry, "segment", at), key(at, "segment"))
        retired = retired_segment_message(segment)
        if retired is not None:
            raise SchemaError(f"{key(at, 'segment')}: {retired}")
        unknown = unknown_segment_message(segment)
        if unknown is not None:
            raise SchemaError(f"{key(at, 'segment')}: {unknown}")
        destination = text(required(entry, "destination", at), key(at, "destination"))
        if destination not in destinations:
            configured = ", ".join(sorted(destinations)) or "none"
            raise SchemaError(
                f"{key(at, 'destination')}: {destination!r} is not one of this tenant's "
                f"destinations{suggestion(destination, destinations)} (configured: "
                f"{configured}); configure it under destinations: first"
            )
        share = entry.get("control_share", default_share)
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share < 1:
            raise SchemaError(
                f"{key(at, 'control_share')}: expected a share from 0 to below 1 "
                f"(0.1 holds out 10 %), got {shown(share)}"
            )
        if (segment, destination) in seen:
            first = item(where, seen[segment, destination])
            raise SchemaError(
                f"{at}: {segment!r} to {destination} is also {first}; keep one entry per "
                "segment and destination"
            )
        seen[segment, destination] = index
        activations.append(ActivationConfig(segment, destination, float(share)))
    return tuple(activations)


def _secrets(value: object, where: str, what: str = "tap setting") -> dict[str, str]:
    """``{setting: name of the environment variable holding it}``."""
    if value is None:
        return {}
    value = mapping(
        value, where, f"a mapping of {what} to environment variable name "
        "(e.g. {access_token: SHOP_TOKEN})"
    )  # fmt: skip
    for setting, env_var in value.items():
        if not isinstance(env_var, str) or not _ENV_VAR.match(env_var):
            raise SchemaError(
                f"{key(where, setting)}: must name an environment variable (e.g. SHOP_TOKEN), "
                "never hold the secret itself"
            )
    return value


def _refuse_credentials(settings: object, where: str) -> None:
    """Settings are written in the file, which is versioned and shared: a credential there
    leaks. Refuse any key, at any depth, whose name says it holds one."""
    if isinstance(settings, list):
        for index, value in enumerate(settings):
            _refuse_credentials(value, item(where, index))
    elif isinstance(settings, dict):
        for name, value in settings.items():
            if _looks_like_credential(str(name)):
                raise SchemaError(
                    f"{key(where, name)}: a credential does not belong in the tenants file (it "
                    "is shared and versioned); put it in an environment variable and move the "
                    f"key under secrets: with that variable's name "
                    f"(e.g. secrets: {{{name}: {str(name).upper()}}})"
                )
            _refuse_credentials(value, key(where, name))


#: Words in a setting's name that say it holds a credential (access_token, client_secret,
#: refresh_token, developer_token, password, api_key, ...).
_CREDENTIAL_WORDS = frozenset(
    {"token", "secret", "password", "passwd", "apikey", "credential", "credentials"}
)
_CREDENTIAL_PAIRS = ("api_key", "access_key", "private_key", "secret_key", "auth_key")
#: Last words of a setting's name that make it an address, whatever comes before.
_ADDRESS_WORDS = frozenset({"url", "uri", "endpoint", "host"})


def _looks_like_credential(name: str) -> bool:
    snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()  # accessToken too
    words = re.split(r"[^a-z0-9]+", snake)
    if words[-1] in _ADDRESS_WORDS:
        return False  # token_url: where a token is asked for, not a token
    return bool(_CREDENTIAL_WORDS & set(words)) or any(
        p in "_".join(words) for p in _CREDENTIAL_PAIRS
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

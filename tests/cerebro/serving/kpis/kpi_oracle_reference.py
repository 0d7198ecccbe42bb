"""The oracle's reference data and text rules: seeds, tenant timezones, RUT check digit,
place names, referring domains and channel rules.

Written from KPIS.md and the decisions recorded in the KPI oracle tests, without reading the
dbt models or the KPI functions' SQL, so that it is an independent second implementation.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import yaml

SEEDS_DIR = Path(__file__).resolve().parents[4] / "dbt_project" / "seeds"
DEFAULT_TIMEZONE = "America/Santiago"
DIRECT, OTHER = "Directo", "Otro"
NO_REGION, NO_COMUNA = "Sin región", "Sin comuna"
UNKNOWN_PAYMENT_METHOD = "Otro"

#: A body of 1 to 8 ASCII digits after any leading zeros, as normalize_rut accepts.
_RUT = re.compile(r"0*([1-9][0-9]{0,7})-?([0-9K])")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://")


def _text(value) -> str | None:
    """A cell as stripped text; None for NULL, NaN and blank."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class Reference:
    """The editable seeds, read straight from their CSV files."""

    channel_rules: list[dict]  # sorted by priority
    payment_methods: dict[str, str]  # gateway (lowercase) -> label
    region_names: dict[str, str]  # region_code -> region_name
    places: dict[tuple[str, str], tuple[str, str]]  # (country, key) -> (comuna, region_code)
    rfm_segments: dict[tuple[int, int], str]  # (r_score, f_score) -> segment


def load_reference(seeds_dir: Path = SEEDS_DIR) -> Reference:
    """Read the six reference seeds (as text: codes must never become numbers)."""

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(seeds_dir / f"{name}.csv", dtype=str, keep_default_na=False)

    rules = read("channel_mapping")
    channel_rules = sorted(
        (
            {
                "priority": int(row["priority"]),
                "utm_source": _text(row["utm_source"]),
                "utm_medium": _text(row["utm_medium"]),
                "referring_domain": _text(row["referring_domain"]),
                "channel_group": row["channel_group"],
            }
            for row in rules.to_dict("records")
        ),
        key=lambda rule: rule["priority"],
    )
    gateways = read("payment_gateways")
    regions = read("regions")
    comunas = read("comunas")
    region_of = {
        (row["country_code"], row["comuna_name"]): row["region_code"]
        for row in comunas.to_dict("records")
    }
    places = {
        (row["country_code"], row["comuna_key"]): (row["comuna_name"], row["region_code"])
        for row in comunas.to_dict("records")
    }
    for row in read("comuna_aliases").to_dict("records"):
        region = region_of[(row["country_code"], row["comuna_name"])]
        places.setdefault((row["country_code"], row["alias_key"]), (row["comuna_name"], region))
    return Reference(
        channel_rules=channel_rules,
        payment_methods={
            gateway.strip().lower(): label
            for gateway, label in zip(gateways["gateway"], gateways["payment_method"], strict=True)
        },
        region_names=dict(zip(regions["region_code"], regions["region_name"], strict=True)),
        places=places,
        rfm_segments={
            (int(row["r_score"]), int(row["f_score"])): row["segment"]
            for row in read("rfm_segments").to_dict("records")
        },
    )


def tenant_timezones(tenants_file: Path) -> dict[str, str]:
    """tenant_id -> IANA timezone, from the tenants YAML (KPIS.md default when absent)."""
    entries = yaml.safe_load(Path(tenants_file).read_text(encoding="utf-8"))["tenants"]
    return {entry["tenant_id"]: entry.get("timezone") or DEFAULT_TIMEZONE for entry in entries}


def to_local(utc: pd.Timestamp | None, timezone: str) -> dt.datetime | None:
    """A naive UTC timestamp as an aware local datetime (zoneinfo, DST-aware)."""
    if utc is None or pd.isna(utc):
        return None
    return utc.to_pydatetime().replace(tzinfo=dt.UTC).astimezone(ZoneInfo(timezone))


def normalize_rut(value) -> str | None:
    """`<body>-<check digit>`: dots, ASCII whitespace and no-break spaces removed, optional
    hyphen, uppercase K, leading zeros dropped; None when the text is not shaped like a RUT."""
    text = _text(value)
    if text is None:
        return None
    match = _RUT.fullmatch(re.sub(r"[ \t\n\v\f\r\u00a0.]", "", text).upper())
    if match is None:
        return None
    return f"{match.group(1)}-{match.group(2)}"


def rut_check_digit(body: str) -> str:
    """Modulo 11: weights 2..7 cycling from the rightmost digit; 11 -> 0, 10 -> K."""
    total = sum(int(digit) * (2 + index % 6) for index, digit in enumerate(reversed(body)))
    remainder = 11 - total % 11
    return {11: "0", 10: "K"}.get(remainder, str(remainder))


def is_valid_rut(value) -> bool:
    """Present, shaped like a RUT, body in [1 000 000, 99 999 999], right check digit."""
    rut = normalize_rut(value)
    if rut is None:
        return False
    body, digit = rut.split("-")
    return 1_000_000 <= int(body) <= 99_999_999 and rut_check_digit(body) == digit


def place_key(value) -> str | None:
    """Lowercase, accents and ñ folded, curly apostrophes straightened, whitespace collapsed."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    decomposed = unicodedata.normalize("NFKD", str(value).replace("\u2019", "'"))
    folded = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(folded.lower().split()) or None


def match_place(reference: Reference, country, city) -> tuple[str, str] | None:
    """(official comuna name, region code) of a free-text city in a country, if known."""
    key, country = place_key(city), _text(country)
    if key is None or country is None:
        return None
    return reference.places.get((country.upper(), key))


def customer_region(reference: Reference, country, city, province_code) -> str:
    """Region name: comuna match first, then `<country>-<province code>`, else Sin región."""
    place = match_place(reference, country, city)
    if place is not None:
        return reference.region_names[place[1]]
    country, code = _text(country), _text(province_code)
    if country and code:
        return reference.region_names.get(f"{country.upper()}-{code.upper()}", NO_REGION)
    return NO_REGION


def order_comuna(reference: Reference, country, city) -> str:
    """Official comuna name of the shipping city, else the raw city text, else Sin comuna."""
    place = match_place(reference, country, city)
    if place is not None:
        return place[0]
    return _text(city) or NO_COMUNA


def referring_domain(url) -> str | None:
    """Host of a URL, lowercased, without scheme, port and a leading `www.`."""
    text = _text(url)
    if text is None:
        return None
    host = re.split(r"[/?#]", _SCHEME.sub("", text.lower()), maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0]
    host = host.removeprefix("www.")
    return host or None


def has_touchpoint(utm_source, utm_medium, referring_site) -> bool:
    """True when any of the three touchpoint fields has a value."""
    return any(_text(value) for value in (utm_source, utm_medium, referring_site))


def channel_group(reference: Reference, utm_source, utm_medium, referring_site) -> str:
    """The lowest-priority rule whose non-empty cells all equal the touchpoint's values."""
    touchpoint = {
        "utm_source": (_text(utm_source) or "").lower() or None,
        "utm_medium": (_text(utm_medium) or "").lower() or None,
        "referring_domain": referring_domain(referring_site),
    }
    if not any(touchpoint.values()):
        return DIRECT
    for rule in reference.channel_rules:
        cells = {name: rule[name] for name in touchpoint if rule[name] is not None}
        if cells and all(touchpoint[name] == cell.lower() for name, cell in cells.items()):
            return rule["channel_group"]
    return OTHER


#: GA4's words for "no value" in a session's source, medium or campaign.
GA4_PLACEHOLDERS = {"", "(direct)", "(none)", "(not set)"}


def _ga4_value(value: str) -> str | None:
    text = value.strip().lower()
    return None if text in GA4_PLACEHOLDERS else text


def ga4_channel(reference: Reference, source: str, medium: str) -> str:
    """GA4's session source / medium as a touchpoint: placeholders are no value, and a
    referral's source is the referring site."""
    utm_source, utm_medium = _ga4_value(source), _ga4_value(medium)
    referring_site = utm_source if utm_medium == "referral" else None
    return channel_group(reference, utm_source, utm_medium, referring_site)


def payment_method(reference: Reference, gateway) -> str:
    """The label of a gateway in payment_gateways.csv (Otro when unknown)."""
    key = (_text(gateway) or "").lower()
    return reference.payment_methods.get(key, UNKNOWN_PAYMENT_METHOD)

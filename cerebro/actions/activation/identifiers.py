"""Contact data as the ad platforms match it: normalised, then SHA-256 hex. The one home for it.

E-mail (Meta and Google alike): spaces trimmed from both ends and lower-cased, exactly as the
warehouse does it (``dbt_project/macros/pii.sql``: ``lower(trim(…))``, where SQL's ``trim``
removes spaces only), so that ``email_sha256`` in the marts, Meta's ``EMAIL`` and Google's
``hashedEmail`` are the same digest (the normal form itself lives in
``cerebro_raw_contract.email_identity``, which the Klaviyo tap hashes with too). A value that
is not an address (no ``@``, no dot in the domain, whitespace inside once trimmed) is refused
rather than hashed: the platforms would only count it as invalid.
https://developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences#hash
https://developers.google.com/google-ads/api/docs/remarketing/audience-segments/customer-match/get-started

Phone: both platforms want the number with its country code, in E.164 (``+`` country code and
national significant number, at most 15 digits); they differ in the ``+`` only:

=========  ======================  =============================================
platform   hashed text             for a Chilean mobile ``9 1234 5678``
=========  ======================  =============================================
Google     E.164 with ``+``        ``+56912345678``
Meta       digits only, no ``+``   ``56912345678`` (symbols, letters, leading 0s
                                   removed; country code required)
warehouse  ``+`` and the digits    ``+912345678`` (``phone_sha256``: no country
           as typed                is guessed there, so it equals Google's only
                                   for numbers typed with their country code)
=========  ======================  =============================================

A number typed without its prefix gets the calling code of the member's ``country_code``
only when that country's numbering plan says how long its numbers are (``NUMBERING_PLANS``)
and the digits fit it, after dropping a domestic trunk ``0`` where the country has one:
Chile's numbers all have 9 digits (mobiles start with 9, Santiago's landlines with 2), so
``9 1234 5678`` is ``+56912345678``, and ``56 9 1234 5678`` (the code typed without ``+``) is
the same number; Peru's mobiles have 9 digits and its landlines 8 (``01 234 5678``, Lima with
the trunk 0, is ``+5112345678``). A leading ``00`` is the international prefix, as a ``+``.
Anything else is refused with the reason — a number of the wrong length, letters, a country
with no plan here (Argentina's mobiles, for one, gain a 9 in E.164 that a local spelling does
not show) — because a wrongly completed number would be hashed as someone else's.

Names (Meta's ``FN`` and ``LN``): lower-case letters only, no punctuation or spaces, accented
letters kept as UTF-8 (Meta: "a-z lowercase only, no punctuation; special characters in UTF-8
format"), so ``María José`` is ``maríajosé`` and ``O'Higgins`` is ``ohiggins``. ``COUNTRY`` is
the ISO 3166 alpha-2 code in lower case. Google matches names only together with a postal
code (address matching), which members do not carry, so no name goes to Google.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass

from cerebro_raw_contract.email_identity import normal_email


class UnusableIdentifier(ValueError):
    """A contact value the platforms cannot match; the message is the reason, one line, and
    never repeats the value (it is personal data)."""


@dataclass(frozen=True)
class NumberingPlan:
    """What completing a number typed without its country prefix needs to know."""

    calling_code: str
    #: Lengths of the national significant number (what follows the calling code).
    lengths: frozenset[int]
    #: Dialled before national numbers inside the country, dropped in E.164.
    trunk_prefix: str = ""


#: ITU-T E.164 assignments and each regulator's national plan. Countries missing here still
#: have their numbers accepted when written with ``+`` (or ``00``) and their country code.
NUMBERING_PLANS: dict[str, NumberingPlan] = {
    # SUBTEL: every number 9 digits since 2016 (mobiles 9…, Santiago 2…, regions 3x-7x).
    "CL": NumberingPlan("56", frozenset({9})),
    # MTC/OSIPTEL: mobiles 9 digits (9…), landlines 8 (Lima 1 + 7, provinces 2 + 6), trunk 0.
    "PE": NumberingPlan("51", frozenset({8, 9}), "0"),
    # CRC: 10 digits for mobiles (3…) and, since 2021, landlines (60…).
    "CO": NumberingPlan("57", frozenset({10})),
    # IFT: 10 digits since 2019 (the mobile "1" after +52 and 044/045 retired).
    "MX": NumberingPlan("52", frozenset({10})),
    # URSEC: 8 digits (mobiles 9…, typed 09… at home).
    "UY": NumberingPlan("598", frozenset({8}), "0"),
    # North American Numbering Plan: area code and number, 10 digits.
    "US": NumberingPlan("1", frozenset({10})),
    "CA": NumberingPlan("1", frozenset({10})),
    # CNMC: 9 digits, no trunk prefix.
    "ES": NumberingPlan("34", frozenset({9})),
}
_PLAN_BY_CODE = {plan.calling_code: plan for plan in NUMBERING_PLANS.values()}
#: E.164 numbers have at most 15 digits; fewer than 7 is no one's full number.
_E164_DIGITS = range(7, 16)
_PHONE_CHARACTERS = re.compile(r"[0-9\s+\-.()/]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def sha256_hex(text: str) -> str:
    """Lower-case hex SHA-256 of the text's UTF-8 bytes (the platforms' and the warehouse's)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize_email(raw: str) -> str:
    """Spaces trimmed and lower-cased, as the warehouse hashes it; refused if not an address."""
    value = normal_email(raw)
    if value is None:
        raise UnusableIdentifier("e-mail is empty")
    if not _EMAIL.fullmatch(value):
        raise UnusableIdentifier("e-mail is not an address (name@domain.tld, no spaces)")
    return value


def e164_phone(raw: str, country_code: str) -> str:
    """The number in E.164 (``+56912345678``), completed with the calling code of
    ``country_code`` when typed without one and that country's plan allows it."""
    text = raw.strip()
    if not text:
        raise UnusableIdentifier("phone is empty")
    if not _PHONE_CHARACTERS.fullmatch(text):
        if any(character.isalpha() for character in text):
            raise UnusableIdentifier("phone has letters")
        raise UnusableIdentifier("phone has characters other than digits, spaces and + - . ( ) /")
    digits = re.sub(r"[^0-9]", "", text)
    plus = text.count("+")
    if plus > 1 or (plus == 1 and re.search(r"[0-9]", text.split("+")[0])):
        raise UnusableIdentifier("phone has a '+' that is not before its first digit")
    if plus == 0 and digits.startswith("00"):  # the international prefix, as '+'
        digits, plus = digits[2:], 1
    if plus:
        return _international(digits)
    plan = NUMBERING_PLANS.get(country_code.upper())
    if plan is None:
        raise UnusableIdentifier(
            f"phone has no country code and {country_code.upper()} has no numbering plan "
            "here; write it as +<country code> <number>"
        )
    national = digits
    if plan.trunk_prefix and national.startswith(plan.trunk_prefix):
        national = national.removeprefix(plan.trunk_prefix)
    if len(national) in plan.lengths and not national.startswith("0"):
        return f"+{plan.calling_code}{national}"
    if digits.startswith(plan.calling_code):
        return _international(digits)
    raise UnusableIdentifier(
        f"phone has {len(digits)} digits; a {country_code.upper()} number has "
        f"{_lengths(plan)} after +{plan.calling_code}"
    )


def meta_phone(e164: str) -> str:
    """Meta's PHONE: the E.164 digits without the ``+``."""
    return e164.removeprefix("+")


@functools.lru_cache(maxsize=4096)  # first names repeat: most members share a few hundred
def meta_name(raw: str) -> str:
    """Meta's FN or LN: lower-case letters only (accents kept), no spaces or punctuation."""
    letters = "".join(ch for ch in unicodedata.normalize("NFC", raw).lower() if ch.isalpha())
    if not letters:
        raise UnusableIdentifier("name has no letters")
    return letters


@functools.lru_cache(maxsize=256)
def meta_country(country_code: str) -> str:
    """Meta's COUNTRY: the ISO 3166 alpha-2 code, lower case."""
    code = country_code.strip().lower()
    if not re.fullmatch(r"[a-z]{2}", code):
        raise UnusableIdentifier("country is not an ISO 3166 alpha-2 code")
    return code


def _international(digits: str) -> str:
    """``+`` and the digits, checked against the plan of their calling code when known."""
    for length in (1, 2, 3):
        plan = _PLAN_BY_CODE.get(digits[:length])
        if plan is None:
            continue
        national = digits[length:]
        if len(national) in plan.lengths and not national.startswith("0"):
            return f"+{digits}"
        raise UnusableIdentifier(
            f"phone has {len(national)} digits after +{plan.calling_code}; numbers there have "
            f"{_lengths(plan)}"
        )
    if len(digits) not in _E164_DIGITS or digits.startswith("0"):
        raise UnusableIdentifier(f"phone has {len(digits)} digits; E.164 numbers have 7 to 15")
    return f"+{digits}"


def _lengths(plan: NumberingPlan) -> str:
    return " or ".join(str(length) for length in sorted(plan.lengths)) + " digits"

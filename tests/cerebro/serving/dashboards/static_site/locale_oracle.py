"""How a tenant's locale writes money and percentages, taken from Babel's CLDR data (not from
``cerebro.formatting``), and what a rendered page or CSV download writes, to compare the two.

The oracle: a tenant's currency picks its locale (es_CL for CLP, es_PE for PEN, as the issue
asks); Babel's text for a sample amount gives the symbol, its place and the separators, turned
into a pattern that any amount written that way matches."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import babel.numbers
import pandas as pd

LOCALES = {"CLP": "es_CL", "PEN": "es_PE"}
#: Anything that looks like an amount of money: a currency symbol followed by digits.
MONEY_LIKE = re.compile(r"-?(?:US\$|\$|S/)[\s\xa0]?-?[\d.,]*\d")
#: An ISO code beside a number ("49,434 CLP", "PEN 12"): the old terminal and page forms.
CODE_BESIDE_NUMBER = re.compile(r"\d[\s\xa0]*(?:CLP|PEN)\b|\b(?:CLP|PEN)[\s\xa0]*-?\d")
#: Anything that looks like a percentage.
PERCENT_LIKE = re.compile(r"-?\d[\d.,]*[\s\xa0]?%")


def separators(currency: str) -> tuple[str, str]:
    """The decimal and group symbols of the tenant's locale."""
    locale = LOCALES[currency]
    return babel.numbers.get_decimal_symbol(locale), babel.numbers.get_group_symbol(locale)


def _number(currency: str, decimals: int | None) -> str:
    """A number with the locale's grouping and ``decimals`` decimals (None: any, or none)."""
    decimal_symbol, group = separators(currency)
    whole = rf"\d{{1,3}}(?:{re.escape(group)}\d{{3}})*"
    if decimals is None:
        return rf"{whole}(?:{re.escape(decimal_symbol)}\d+)?"
    return whole + (rf"{re.escape(decimal_symbol)}\d{{{decimals}}}" if decimals else "")


def money_pattern(currency: str) -> re.Pattern:
    """Any amount as Babel writes it in the tenant's locale, with the currency's minor unit
    (a minus sign first, before the symbol)."""
    sample = babel.numbers.format_currency(1234567, currency, locale=LOCALES[currency])
    digits = re.search(r"\d.*\d", sample)
    prefix, suffix = sample[: digits.start()], sample[digits.end() :]
    number = _number(currency, babel.numbers.get_currency_precision(currency))
    return re.compile(rf"-?{re.escape(prefix)}{number}{re.escape(suffix)}")


def percent_pattern(currency: str) -> re.Pattern:
    """Any percentage as Babel writes it in the tenant's locale."""
    prefix, suffix = babel.numbers.format_percent(0.5, locale=LOCALES[currency]).split("50")
    return re.compile(rf"-?{re.escape(prefix)}{_number(currency, None)}{re.escape(suffix)}")


def raw_float(currency: str) -> re.Pattern:
    """A number written with more decimals than any CSV column needs (a raw float), with the
    decimal symbol of the tenant's locale (the other symbol may be the field delimiter)."""
    decimal_symbol, _ = separators(currency)
    return re.compile(rf"\d{re.escape(decimal_symbol)}\d{{5,}}")


class _Texts(HTMLParser):
    """Every text node of a page outside <script>, and every string inside its figures."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._script: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._script = dict(attrs).get("type", "")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is None:
            self.texts.append(data)
        elif self._script == "application/json":
            self.texts += _strings(json.loads(data))


#: Figure keys that hold formats and templates, not shown text.
_NOT_SHOWN = {"hovertemplate", "texttemplate", "template", "tickformat"}


def _strings(value) -> list[str]:
    """The strings a figure shows: trace data (customdata, text, labels, names, axis ticks);
    hover templates only place them."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    if isinstance(value, dict):
        shown = [item for key, item in value.items() if key not in _NOT_SHOWN]
        return [text for item in shown for text in _strings(item)]
    return []


def page_texts(path: Path) -> list[str]:
    reader = _Texts()
    reader.feed(path.read_text(encoding="utf-8"))
    return reader.texts


def misformatted(texts: list[str], currency: str) -> list[str]:
    """Every amount or percentage in ``texts`` not written the tenant's way, and every ISO
    code beside a number."""
    money, percent = money_pattern(currency), percent_pattern(currency)
    wrong = []
    for text in texts:
        wrong += [m for m in MONEY_LIKE.findall(text) if not money.fullmatch(m)]
        wrong += [m for m in PERCENT_LIKE.findall(text) if not percent.fullmatch(m)]
        wrong += CODE_BESIDE_NUMBER.findall(text)
    return wrong


def read_download(path: Path, currency: str) -> pd.DataFrame:
    """A CSV download read back as a spreadsheet in the tenant's locale reads it: fields split
    on ';' where the decimal symbol is a comma, else on ','; the decimal symbol of the locale."""
    decimal_symbol, _ = separators(currency)
    delimiter = ";" if decimal_symbol == "," else ","
    return pd.read_csv(path, sep=delimiter, decimal=decimal_symbol, encoding="utf-8-sig")

"""The dbt macros that write sentences (format_number, format_money, format_percent) agree with
cerebro/formatting.py: their symbols and separators (var('currency_formats')) are Babel's for
each tenant currency's locale, and every expected text of their table-driven test
(macro_test_format_spanish, which checks the SQL on both warehouses) is what the Python
module writes. Together: a sentence and a page write the same amount the same way."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import babel.numbers
import pytest
import yaml

from cerebro.formatting import (
    DEFAULT_LOCALE,
    LOCALES,
    format_currency,
    format_number,
    format_percent,
    locale_for,
)

DBT = Path(__file__).resolve().parents[2] / "dbt_project"
MACRO_TEST = DBT / "models" / "macro_tests" / "macro_test_format_spanish.sql"


def _vars() -> dict:
    return yaml.safe_load((DBT / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]


def _cases() -> list[tuple]:
    """The (name, macro, value, decimals, currency, expected) cases of the macro test."""
    text = MACRO_TEST.read_text(encoding="utf-8")
    listed = re.search(r"\{%- set cases = (\[.*?\]) -%\}", text, re.DOTALL).group(1)
    return ast.literal_eval(re.sub(r"\bnone\b", "None", listed))


@pytest.mark.parametrize("currency", sorted(LOCALES))
def test_sentence_symbols_and_separators_are_babels_for_the_currencys_locale(currency):
    spec = _vars()["currency_formats"][currency]
    locale = LOCALES[currency]
    sample = babel.numbers.format_currency(1234, currency, locale=locale)
    assert spec["symbol"] == sample[: sample.index("1")]
    assert spec["decimals"] == babel.numbers.get_currency_precision(currency)
    assert spec["decimal"] == babel.numbers.get_decimal_symbol(locale)
    assert spec["group"] == babel.numbers.get_group_symbol(locale)


def test_every_tenant_currency_has_sentence_formats_and_the_default_locale_its_separators():
    assert set(_vars()["currency_formats"]) == set(LOCALES)
    default = _vars()["default_number_separators"]
    assert default["decimal"] == babel.numbers.get_decimal_symbol(DEFAULT_LOCALE)
    assert default["group"] == babel.numbers.get_group_symbol(DEFAULT_LOCALE)
    # format_percent appends "%" to the number: both locales write it so, with no space.
    for locale in {*LOCALES.values(), DEFAULT_LOCALE}:
        assert babel.numbers.format_percent(0.5, locale=locale) == "50%"


def _python(macro: str, value: float, decimals: int | None, currency: str | None) -> str:
    locale = locale_for(currency or "")
    if macro == "format_money":
        return format_currency(value, currency)
    if macro == "format_percent":
        return format_percent(value, decimals, locale)
    return format_number(value, decimals, locale)


@pytest.mark.parametrize(
    "case",
    [
        case
        for case in _cases()
        # Dates are not numbers; NULL stays NULL in SQL; a currency without a locale is
        # written with its ISO code in SQL (the sentences know no other symbol).
        if case[1] != "format_long_date" and case[5] is not None and case[4] in (None, *LOCALES)
    ],
    ids=lambda case: case[0],
)
def test_every_macro_test_case_expects_what_the_python_module_writes(case):
    _name, macro, value, decimals, currency, expected = case
    assert expected == _python(macro, float(value), decimals, currency)


def test_the_macro_test_covers_both_locales():
    currencies = {case[4] for case in _cases() if case[1] != "format_long_date"}
    assert {"CLP", "PEN", None} <= currencies

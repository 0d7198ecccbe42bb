"""A spec card's display and formats as Metabase ``display`` and ``visualization_settings``.

Metabase keys per-column settings by ``["name","<column>"]`` (JSON, no spaces) for native
queries. Rates are fractions in [0, 1] and shown as percentages; money is in the tenant's
currency. Numbers look as on the static pages (``cerebro.formatting``): the separators of the
tenant's locale, and money as the currency's local symbol before the amount with the currency's
minor unit ("$49.434", "S/ 79,171.79"). Metabase's own currency style writes "CLP 49.434"
(its formatter knows a symbol for only a few currencies), so money is a decimal with the symbol
as its prefix; the currency is kept in the settings for anyone switching the style.
"""

from __future__ import annotations

import json

from cerebro.formatting import currency_affixes, locale_for, minor_unit, number_separators
from cerebro.serving.dashboards.spec import Card
from cerebro.serving.metabase.rate_changes import (
    is_rate_comparison,
    rate_change_colours,
    rate_change_columns,
    rate_change_labels,
)

#: Spec displays Metabase has no name for: a donut is Metabase's pie (always drawn with a
#: hole, the total in the middle); a heatmap is a table coloured by cell value.
DISPLAYS = {
    "scalar": "scalar",
    "bar": "bar",
    "row": "row",
    "pie": "pie",
    "donut": "pie",
    "line": "line",
    "area": "area",
    "scatter": "scatter",
    "table": "table",
    "heatmap": "table",
}
#: Metabase's visualization-settings version. Settings saved without it are version 1 and
#: migrated when saved and read (``migrate-viz-settings`` in Metabase's models/interface.clj):
#: a v1 ``pie.show_legend: true`` becomes percentages drawn inside the slices, and the card
#: read back differs from the one sent, so every apply would rewrite it.
SETTINGS_VERSION = 2
#: Date styles are an enumeration in Metabase (six, e.g. "D/M/YYYY", "D MMMM, YYYY"); a
#: native query's date column carries no time unit, so a table shows the day too: a month is
#: "1 oct, 2026". (An unknown style such as "MMMM, YYYY" is saved without complaint but makes
#: the browser warn and format with the style text itself.)
DATE_FORMATS = {
    "date": {"date_style": "D/M/YYYY"},
    "month": {"date_style": "D MMMM, YYYY", "date_abbreviate": True},
}
#: Heatmap colour scale, white (low) to Metabase's brand blue (high).
HEATMAP_COLOURS = ["#FFFFFF", "#509EE3"]
CHARTS = {"bar", "row", "line", "area", "scatter"}


def metabase_display(card: Card) -> str:
    """``smartscalar`` (Metabase's "Trend": last row against the one before) for scalars
    compared with the previous period, a table for rates so compared (``rate_changes.py``),
    else the spec display's Metabase name."""
    if is_rate_comparison(card):
        return "table"
    if card.display == "scalar" and card.comparison == "previous_period":
        return "smartscalar"
    return DISPLAYS[card.display]


def column_key(column: str) -> str:
    return json.dumps(["name", column], separators=(",", ":"))


def column_format(kind: str, currency: str) -> dict:
    """Metabase column settings for one spec format, for a tenant whose currency is
    ``currency``."""
    separators = {"number_separators": number_separators(locale_for(currency))}
    if kind == "currency":
        prefix, suffix = currency_affixes(currency)
        affixes = {key: text for key, text in (("prefix", prefix), ("suffix", suffix)) if text}
        return {
            "number_style": "decimal",
            "currency": currency,
            "decimals": minor_unit(currency),
            **affixes,
            **separators,
        }
    numbers = {
        "integer": {"number_style": "decimal", "decimals": 0},
        "number": {"number_style": "decimal", "decimals": 2},
        "percent": {"number_style": "percent", "decimals": 1},
        "hours": {"number_style": "decimal", "decimals": 2, "suffix": " h"},
        "days": {"number_style": "decimal", "decimals": 1, "suffix": " días"},
        "points": {"number_style": "decimal", "decimals": 1, "suffix": " pp"},
    }
    if kind in numbers:
        return {**numbers[kind], **separators}
    return {**DATE_FORMATS, "text": {}}[kind]


def _column_settings(card: Card, currency: str) -> dict:
    columns, labels = card.columns, card.labels or {}
    if is_rate_comparison(card):
        columns, labels = rate_change_columns(card), rate_change_labels(card)
    settings = {}
    for column, kind in columns.items():
        entry = column_format(kind, currency)
        if column in labels:
            entry = {**entry, "column_title": labels[column]}
        if entry:
            settings[column_key(column)] = entry
    return settings


def _chart_settings(card: Card) -> dict:
    dimensions = [card.x] if card.x else []
    if card.series:
        dimensions.append(card.series)
    settings = {"graph.dimensions": dimensions, "graph.metrics": list(card.y)}
    if card.x:
        settings["graph.x_axis.title_text"] = card.label(card.x)
    if len(card.y) == 1:
        settings["graph.y_axis.title_text"] = card.label(card.y[0])
    # A series' title (several metrics) and its colour (when the spec says what it means).
    series = {
        metric: ({"title": card.label(metric)} if len(card.y) > 1 else {})
        | ({"color": color} if (color := card.series_color(metric)) else {})
        for metric in card.y
    }
    if any(series.values()):
        settings["series_settings"] = series
    if card.display in {"bar", "row"}:
        settings["graph.show_values"] = True
    return settings


def _heatmap_settings(card: Card) -> dict:
    """A table (pivoted when the spec names a series column) whose value cells are coloured
    on a range from the lowest to the highest value."""
    values = list(card.y) or [c for c in card.columns if c not in {card.x, card.series}]
    settings: dict = {
        "table.column_formatting": [
            {
                "id": 0,
                "columns": values,
                "type": "range",
                "colors": HEATMAP_COLOURS,
                "min_type": None,
                "max_type": None,
                "highlight_row": False,
            }
        ]
    }
    if card.series and len(card.y) == 1:
        settings.update(
            {"table.pivot": True, "table.pivot_column": card.series, "table.cell_column": card.y[0]}
        )
    return settings


def visualization_settings(card: Card, currency: str) -> dict:
    """The card's ``visualization_settings``: what to chart, titles and number formats, in
    Metabase's current settings version (so Metabase stores them as sent)."""
    settings: dict = {"version": SETTINGS_VERSION}
    if is_rate_comparison(card):
        settings["table.columns"] = [
            {"name": column, "enabled": True} for column in rate_change_columns(card)
        ]
        settings["table.column_formatting"] = rate_change_colours(card)
    elif card.display == "scalar":
        metric = card.y[0] if card.y else list(card.columns)[-1]
        settings["scalar.field"] = metric
        if card.comparison == "previous_period":
            settings["scalar.comparisons"] = [{"id": "previous_period", "type": "previousValue"}]
            # Metabase paints a rise green; for a metric where lower is better, red.
            if card.higher_is_better is False:
                settings["scalar.switch_positive_negative"] = True
    elif card.display in {"pie", "donut"}:
        settings.update(
            {
                "pie.dimension": card.x,
                "pie.metric": card.y[0],
                "pie.show_legend": True,
                "pie.show_total": card.display == "donut",
                "pie.percent_visibility": "legend",
            }
        )
    elif card.display in CHARTS:
        settings.update(_chart_settings(card))
    elif card.display == "table":
        settings["table.columns"] = [{"name": column, "enabled": True} for column in card.columns]
    elif card.display == "heatmap":
        settings.update(_heatmap_settings(card))
    column_settings = _column_settings(card, currency)
    if column_settings:
        settings["column_settings"] = column_settings
    return settings

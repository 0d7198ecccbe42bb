"""What a static page shows for one card, from the card's rows: a scalar (with its change
against the previous period), a chart (a Plotly figure as JSON), a table (formatted cells plus
the raw values it sorts by, and a CSV), a "no data" placeholder, or the query's error.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cerebro.formatting import (
    as_date,
    csv_delimiter,
    format_csv_value,
    format_period,
    format_value,
    is_missing,
    locale_for,
)
from cerebro.labels import country_name
from cerebro.serving.dashboards.figures import NUMERIC_FORMATS, build_figure
from cerebro.serving.dashboards.spec import Card
from cerebro.serving.dashboards.trend import trend

EMPTY_MESSAGE = "Sin datos para este período"
#: A page shows at most this many rows of a table; its CSV has them all.
TABLE_ROWS_SHOWN = 500
CHART_DISPLAYS = frozenset({"bar", "row", "pie", "donut", "line", "area", "scatter", "heatmap"})
#: Traffic-light words in a text cell (a source's or a model's health) show as coloured lights.
STATUS_LIGHTS = {"verde": "light-green", "amarillo": "light-yellow", "rojo": "light-red"}
#: Text longer than this is a sentence (an insight, a recommendation) and wraps; labels do not.
SENTENCE_LENGTH = 40


@dataclass(frozen=True)
class ScalarView:
    value: str
    is_text: bool = False
    change: str | None = None  # "▲ 12,3%"
    direction: str = ""  # "up", "down", "flat" (CSS class)
    tone: str = ""  # "good", "bad" or "" for the metric (CSS class)
    previous: str | None = None  # "Período anterior (<first day> to <last day>): 1.234"


@dataclass(frozen=True)
class TableView:
    headers: list[tuple[str, str]]  # (label, CSS class: "number" or "")
    rows: list[list[tuple[str, str, str, str]]]  # per cell: text, sort key, CSS class, light
    total_rows: int
    csv_name: str
    #: Labels of the contact columns left out of the page and its CSV (contact_data.py).
    hidden_columns: tuple[str, ...] = ()

    @property
    def truncated(self) -> bool:
        return self.total_rows > len(self.rows)


@dataclass
class CardView:
    """One card on a page; exactly one of the optional parts is set, or none when empty."""

    card: Card
    scalar: ScalarView | None = None
    figure_json: str | None = None
    table: TableView | None = None
    error: str | None = None
    not_applicable: str | None = None  # why the card means nothing for this tenant
    withheld: str | None = None  # why the card is not drawn: it would show contact data
    #: A form the page computes in the browser (``Card.widget``), and why it cannot, if so.
    widget: str | None = None
    widget_missing: str | None = None
    #: A table narrowed in the page to one value of a column (``browser_cards.Choice``).
    choices: list | None = None

    @property
    def kind(self) -> str:
        if self.widget is not None:
            return "widget"
        if self.error is not None:
            return "error"
        if self.not_applicable is not None:
            return "not_applicable"
        if self.withheld is not None:
            return "withheld"
        if self.scalar is not None:
            return "scalar"
        if self.figure_json is not None:
            return "chart"
        if self.table is not None:
            return "table"
        return "empty"

    @property
    def style(self) -> str:
        """Position on the 24-column grid, as CSS custom properties (cerebro.css)."""
        layout = self.card.layout
        return (
            f"--col:{layout['col'] + 1};--w:{layout['width']};"
            f"--row:{layout['row'] + 1};--h:{layout['height']}"
        )


def scalar_view(card: Card, frame: pd.DataFrame, currency: str) -> ScalarView:
    """The card's value (its first metric in the first row), or with ``comparison:
    previous_period`` the current (last) row's value and its change from the previous row."""
    column = card.y[0] if card.y else list(card.columns)[-1]
    fmt = card.columns.get(column, "text")
    if card.comparison != "previous_period" or len(frame) < 2:
        row = frame.iloc[-1] if card.comparison == "previous_period" else frame.iloc[0]
        return ScalarView(format_value(row[column], fmt, currency), is_text=fmt == "text")
    previous, current = frame.iloc[0], frame.iloc[-1]
    change = trend(previous[column], current[column], fmt, currency, card.higher_is_better)
    return ScalarView(
        value=format_value(current[column], fmt, currency),
        change=change.text,
        direction=change.direction,
        tone=change.tone,
        previous=_previous_period_text(
            previous, current, format_value(previous[column], fmt, currency)
        ),
    )


def _previous_period_text(previous: pd.Series, current: pd.Series, value: str) -> str:
    start = as_date(previous.get("period_start"))
    current_start = as_date(current.get("period_start"))
    if start is None or current_start is None:
        return f"Período anterior: {value}"
    end = current_start - dt.timedelta(days=1)
    return f"Período anterior ({format_period(start, end)}): {value}"


def _sort_key(value: object, fmt: str) -> str:
    """What a table column sorts by in the browser: the raw number, or the ISO date, or text."""
    if is_missing(value):
        return ""
    if fmt in NUMERIC_FORMATS:
        return repr(float(value))
    if fmt in ("date", "month"):
        return str(as_date(value))
    return format_value(value, fmt)


def table_cell(value: object, fmt: str, currency: str) -> tuple[str, str, str, str]:
    """A table cell: numbers align right, sentences wrap, traffic-light words get their light."""
    text = format_value(value, fmt, currency)
    if fmt in NUMERIC_FORMATS:
        return text, _sort_key(value, fmt), "number", ""
    is_sentence = fmt == "text" and len(text) > SENTENCE_LENGTH
    light = STATUS_LIGHTS.get(text.lower(), "") if fmt == "text" else ""
    return text, _sort_key(value, fmt), "sentence" if is_sentence else "", light


def table_view(
    card: Card,
    frame: pd.DataFrame,
    currency: str,
    csv_name: str,
    hidden_columns: tuple[str, ...] = (),
) -> TableView:
    """The first rows of a table card, formatted, with what each column sorts by."""
    rows = [
        [table_cell(record[c], fmt, currency) for c, fmt in card.columns.items()]
        for record in frame.head(TABLE_ROWS_SHOWN).to_dict("records")
    ]
    headers = [
        (card.label(c), "number" if fmt in NUMERIC_FORMATS else "")
        for c, fmt in card.columns.items()
    ]
    return TableView(
        headers=headers,
        rows=rows,
        total_rows=len(frame),
        csv_name=csv_name,
        hidden_columns=hidden_columns,
    )


def write_csv(card: Card, frame: pd.DataFrame, path: Path, currency: str) -> None:
    """Every row of the card with Spanish headers, for a spreadsheet in the tenant's locale:
    its field separator and decimal symbol, money rounded to the currency's minor unit, no
    thousands separators, ISO dates (``formatting.format_csv_value``), in UTF-8 with a
    byte-order mark so that Excel detects the encoding and reads the accents."""
    columns = list(card.columns)
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream, delimiter=csv_delimiter(locale_for(currency)))
        writer.writerow([card.label(c) for c in columns])
        for record in frame[columns].itertuples(index=False):
            writer.writerow(
                format_csv_value(value, card.columns[c], currency)
                for c, value in zip(columns, record, strict=True)
            )


def figure_json(card: Card, frame: pd.DataFrame, currency: str) -> str:
    """The chart as JSON, safe to embed in a <script> element."""
    return build_figure(card, frame, currency).to_json().replace("</", "<\\/")


def not_applicable_view(card: Card, country_code: str) -> CardView:
    """A card made for tenants of other countries (``countries``), e.g. the Chilean RUT on a
    Peruvian store's page: it says so instead of showing a meaningless 0 %."""
    where = " ni ".join(country_name(code) for code in card.countries or ())
    return CardView(
        card, not_applicable=f"No aplica en {country_name(country_code)}: solo para {where}."
    )


def card_view(
    card: Card,
    frame: pd.DataFrame,
    currency: str,
    csv_name: str,
    hidden_columns: tuple[str, ...] = (),
) -> CardView:
    """The view of a card whose query returned ``frame`` (a table's CSV is written apart);
    ``hidden_columns`` are the labels of the contact columns taken out of ``frame``."""
    if frame.empty:
        return CardView(card)
    if card.display == "scalar":
        return CardView(card, scalar=scalar_view(card, frame, currency))
    if card.display == "table":
        return CardView(card, table=table_view(card, frame, currency, csv_name, hidden_columns))
    if card.display in CHART_DISPLAYS:
        return CardView(card, figure_json=figure_json(card, frame, currency))
    raise ValueError(f"card {card.key!r}: unknown display {card.display!r}")

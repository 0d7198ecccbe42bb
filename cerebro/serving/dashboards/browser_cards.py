"""What the static pages let a reader choose in the browser, computed when the page is written:
a table narrowed to one value of a column (its rows and its CSV per value), and a search filter
over every customer the page carries (each searchable card's view per customer).

Both are bounded: a choice shows at most ``TABLE_ROWS_SHOWN`` rows per value (its CSV has them
all), and a search carries at most the filter's ``search_limit`` customers, most relevant first
(its ``search_sql``'s order). E-mails are matched by their SHA-256 hash (of the address
trimmed and in lower case): no address is written into the page for the search, whatever
``static_pages.contact_data`` says; the cards' contact columns follow that setting as on every
page (``contact_data.py``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cerebro.formatting import format_integer, format_value, is_missing, locale_for
from cerebro.labels import translate_frame
from cerebro.serving.dashboards.card_views import (
    TABLE_ROWS_SHOWN,
    TableView,
    table_cell,
    table_view,
    write_csv,
)
from cerebro.serving.dashboards.contact_data import without_contact_data
from cerebro.serving.dashboards.figures import (
    LINE_DOTS_UP_TO,
    NUMERIC_FORMATS,
    TIME_FORMATS,
    ChartBuilder,
    chart_values,
)
from cerebro.serving.dashboards.spec import Card, Dashboard, Filter

#: The search key column every ``rows_sql`` and ``search_sql`` returns first.
KEY = "key"


@dataclass(frozen=True)
class Choice:
    """One value of a table's choice: its label, its rows on the page and its CSV file."""

    label: str
    table: TableView
    csv_name: str


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "vacio"


def table_choices(
    card: Card, frame: pd.DataFrame, currency: str, csv_name: str, tenant_dir: Path
) -> list[Choice]:
    """Per value of the card's choice column (in the order the rows come), the table of its
    rows and its CSV written beside the page (``<page>-<card>-<value>.csv``)."""
    column = card.choose["column"]
    choices, used = [], set()
    for value in dict.fromkeys(frame[column]):
        if is_missing(value):
            continue
        label = format_value(value, card.columns[column], currency)
        slug = _slug(label)
        while slug in used:
            slug += "-"
        used.add(slug)
        rows = frame[frame[column] == value]
        name = f"{csv_name.removesuffix('.csv')}-{slug}.csv"
        write_csv(card, rows, tenant_dir / name, currency)
        choices.append(Choice(label, table_view(card, rows, currency, name), name))
    return choices


def email_hash(email: str) -> str:
    """The SHA-256 (hex) of an e-mail address trimmed and in lower case, as ``cerebro.js``
    hashes what the reader types."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


class _Formatter:
    """``format_value`` and ``table_cell`` remembered per value: a page of customers repeats
    its dates, prices and segments thousands of times, and each formatting goes through
    Babel's patterns."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.texts: dict = {}
        self.cells: dict = {}

    def text(self, value, fmt: str) -> str:
        if is_missing(value):
            return format_value(value, fmt, self.currency)
        key = (value, fmt)
        if key not in self.texts:
            self.texts[key] = format_value(value, fmt, self.currency)
        return self.texts[key]

    def cell(self, value, fmt: str):
        """A table cell, compact: its text alone where it sorts by its text and has neither
        class nor light, else ``[text, sort key or null where it is the text, class, light]``
        without its trailing empty parts (``cerebro.js`` reads both forms)."""
        if is_missing(value):
            found = table_cell(value, fmt, self.currency)
        else:
            key = (value, fmt)
            if key not in self.cells:
                self.cells[key] = table_cell(value, fmt, self.currency)
            found = self.cells[key]
        text, sort, css, light = found
        if sort == text and not css and not light:
            return text
        compact = [text, None if sort == text else sort, css, light]
        while compact[-1] == "":
            compact.pop()
        return compact


def _by_key(frame: pd.DataFrame) -> dict[str, list[int]]:
    """Row positions of each key, in the frame's order."""
    positions: dict[str, list[int]] = {}
    for position, key in enumerate(frame[KEY].astype(str)):
        positions.setdefault(key, []).append(position)
    return positions


def _card_views(card: Card, frame: pd.DataFrame, currency: str) -> dict[str, dict]:
    """Each customer's view of a card, as ``cerebro.js`` puts it in place: a scalar's text
    (``card_views.scalar_view``), a table's first rows and their count (``table_view``), a line
    chart's points (``ChartBuilder.line_points``); customers without rows have none. Computed
    over all the customers' rows at once: per customer, pandas would cost more than the page."""
    formatter = _Formatter(currency)
    positions = _by_key(frame)
    if card.display in ("line", "area"):
        return _line_views(card, frame, positions, formatter)
    if card.display == "scalar":
        column = card.y[0] if card.y else list(card.columns)[-1]
        fmt = card.columns.get(column, "text")
        values = frame[column].tolist()
        return {
            key: {"scalar": formatter.text(values[rows[0]], fmt)} for key, rows in positions.items()
        }
    columns = [(list(frame[c]), fmt) for c, fmt in card.columns.items()]
    return {
        key: {
            "rows": [
                [formatter.cell(values[row], fmt) for values, fmt in columns]
                for row in rows[:TABLE_ROWS_SHOWN]
            ],
            "total": len(rows),
        }
        for key, rows in positions.items()
    }


def _line_views(card, frame, positions, formatter) -> dict[str, dict]:
    builder = ChartBuilder(card, frame.drop(columns=KEY), formatter.currency)
    if card.series:  # one line per series value: the builder's own grouping, per customer
        return {
            key: {"lines": ChartBuilder(card, frame.iloc[rows].drop(columns=KEY),
                                        formatter.currency).line_points()}
            for key, rows in positions.items()
        }  # fmt: skip
    x = builder.x
    x_fmt = builder.fmt(x)
    ordered = x_fmt in NUMERIC_FORMATS | TIME_FORMATS
    xs = chart_values(frame, x, x_fmt)
    x_raw = frame[x].tolist()
    metrics = []
    for y in builder.metrics:
        y_fmt = builder.fmt(y)
        texts = [formatter.text(v, y_fmt) for v in frame[y]]
        metrics.append((chart_values(frame, y, y_fmt), texts))
    views = {}
    for key, rows in positions.items():
        if ordered:  # as line_points sorts: by x, stably
            rows = sorted(rows, key=lambda row: (is_missing(x_raw[row]), x_raw[row]))
        x_texts = [formatter.text(x_raw[row], x_fmt) for row in rows]
        views[key] = {
            "lines": [
                {
                    "x": [xs[row] for row in rows],
                    "y": [_short(ys[row]) for row in rows],
                    "customdata": [
                        [x_text, texts[row]] for x_text, row in zip(x_texts, rows, strict=True)
                    ],
                    "mode": "lines+markers" if len(rows) <= LINE_DOTS_UP_TO else "lines",
                }
                for ys, texts in metrics
            ]
        }
    return views


def _short(value):
    """A plotted value to 6 significant digits: the tooltip shows the formatted text, and a
    line drawn a hundred pixels high cannot show more."""
    return value if value is None or isinstance(value, str) else float(f"{value:.6g}")


def search_payload(
    dashboard: Dashboard,
    search: Filter,
    values: dict,
    warehouse,
    tenant,
) -> dict:
    """The customers a page's search filter finds and, per card that uses it, each one's view.

    ``values`` are the page's filter values (the tenant and the rest, the search one unset)."""
    params = {k: v for k, v in values.items() if k != search.key}
    limit = int(search.static_page["search_limit"])
    found = warehouse.query(*_bound(search.static_page["search_sql"], params))
    total = len(found)
    found = found.head(limit)
    keys = [str(key) for key in found[KEY]]
    emails = {}
    if "email" in found.columns:
        emails = {
            email_hash(str(email)): str(key)
            for key, email in zip(found[KEY], found["email"], strict=True)
            if not is_missing(email) and str(email).strip()
        }
    cards = {}
    chosen = set(keys)
    for card in dashboard.cards:
        if card.rows_sql is None or search.key not in card.parameters:
            continue
        frame = warehouse.query(*_bound(card.rows_sql, params))
        frame = translate_frame(frame, tenant.country_code, tenant.currency)
        view_card = card
        if not tenant.contact_data:
            view_card, frame, _ = without_contact_data(card, frame)
        frame = frame[frame[KEY].astype(str).isin(chosen)].reset_index(drop=True)
        cards[card.key] = _card_views(view_card, frame, tenant.currency)
    locale = locale_for(tenant.currency)
    return {
        "keys": keys,
        "emails": emails,
        "cards": cards,
        "limit": limit,
        "total": total,
        "scope": search.static_page.get("search_scope", ""),
        "limit_text": format_integer(limit, locale),
        "total_text": format_integer(total, locale),
    }


def _bound(sql: str, params: dict) -> tuple[str, dict]:
    """A static-page query in the warehouse's ``%(name)s`` style, with the page's filter
    values it uses (as a card's SQL is bound)."""
    return Card(key="static", title="", display="table", sql=sql, columns={}, layout={}).bind(
        params
    )


def browser_filters(dashboard: Dashboard) -> set[str]:
    """The filters the static page hands to the reader's browser: those every card using them
    takes over (a form, a table's choice, a search). They get a control, not a chip."""
    handled = set()
    for item in dashboard.filters:
        users = [card for card in dashboard.cards if item.key in card.parameters]
        if item.type == "tenant" or not users:
            continue
        if all(
            card.widget is not None
            or (card.choose or {}).get("filter") == item.key
            or (item.is_search and card.rows_sql is not None)
            for card in users
        ):
            handled.add(item.key)
    return handled

"""Dashboard specs: one YAML file per dashboard under ``metabase/dashboards/``, validated
against ``metabase/dashboard.schema.json``. Two renderers read them — Metabase provisioning
and the static HTML pages — so a card is defined once.

A card's SQL uses Metabase's native-query syntax: ``{{name}}`` is a parameter (a dashboard
filter) and ``[[ ... ]]`` an optional clause, kept only when every parameter in it has a
value. :meth:`Card.bind` turns that into the warehouse's ``%(name)s`` style with bound
values, so the same text runs in Metabase, on DuckDB and on PostgreSQL.

A card with ``comparison: previous_period`` writes its SQL for one period (the dashboard's
date range); the loader runs it for the previous period of equal length too
(:func:`compared_sql`), so no card writes that comparison by hand.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from cerebro import labels
from cerebro.settings import PROJECT_ROOT
from cerebro.warehouse import Warehouse

SPECS_DIR = PROJECT_ROOT / "metabase" / "dashboards"
SCHEMA_FILE = SPECS_DIR.parent / "dashboard.schema.json"
#: PyYAML's safe loader on libyaml where PyYAML was built with it (the wheels are): the same
#: documents, parsed about eight times faster than by the pure-Python loader. Every page, the
#: provisioning and the tests load all the specs, often many times per process.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PARAMETER = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")
_OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)
#: Card SQL may read only the marts schema (and the dashboards' own views in it).
_TABLE_REFERENCE = re.compile(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)\.", re.IGNORECASE)
#: `extract(year from alias.column)` names a column, not a table.
_EXTRACT_FROM = re.compile(r"\bextract\s*\(\s*[a-z_]+\s+from\b", re.IGNORECASE)
ALLOWED_SCHEMAS = frozenset({"marts"})
#: The column a comparison card gets before its own: the first day of each period.
PERIOD_START, PERIOD_START_LABEL = "period_start", "Inicio del período"


class DashboardSpecError(ValueError):
    """A spec file is invalid; the message names the file and the problem."""


@dataclass(frozen=True)
class Filter:
    key: str
    label: str
    type: str
    required: bool = False
    default: object = None
    values_sql: str | None = None
    #: The values_sql choices are suggestions: any other value may be typed (a search box).
    any_value: bool = False
    #: With default 'period_start': the period opens on the tenant's last ``period_days`` days.
    period_days: int | None = None
    #: On the static pages, a search box over embedded data: ``search_sql`` (key first, and an
    #: optional ``email``) and ``search_limit`` (schema: ``static_page``).
    static_page: dict | None = None

    @property
    def is_search(self) -> bool:
        return bool(self.static_page and self.static_page.get("search_sql"))


#: The colour of a series by what it means (``Card.series_colors``), on the static pages and in
#: Metabase alike: green is good news, red bad, grey neither.
MEANING_COLORS = {"good": "#2f9e44", "bad": "#e03131", "neutral": "#868e96"}


@dataclass(frozen=True)
class Card:
    key: str
    title: str
    display: str
    sql: str
    columns: dict[str, str]
    layout: dict[str, int]
    description: str = ""
    labels: dict[str, str] | None = None
    x: str | None = None
    y: tuple[str, ...] = ()
    series: str | None = None
    marker: str | None = None
    comparison: str | None = None
    #: With a comparison: whether a rise is good news for the metric (colours its change).
    higher_is_better: bool | None = None
    #: Metric -> what its series means ("good", "bad", "neutral"): coloured so, not by its
    #: place in the palette (failures were drawn in green).
    series_colors: dict[str, str] | None = None
    #: The card applies only to tenants of these countries (e.g. the Chilean RUT).
    countries: tuple[str, ...] | None = None
    kpi: dict[str, str] | None = None
    #: How the static pages show the card where they differ from Metabase: ``description``,
    #: ``widget`` (a form computed in the page), ``choose`` (rows narrowed to one value of a
    #: column, with its CSV) or ``rows_sql`` (every customer's rows, for a search filter).
    static_page: dict | None = None

    @property
    def widget(self) -> str | None:
        """The form the static pages show instead of the card's rows, if any."""
        return (self.static_page or {}).get("widget")

    @property
    def choose(self) -> dict | None:
        """``{"filter", "column"}``: the table's rows narrowed in the page by one column."""
        return (self.static_page or {}).get("choose")

    @property
    def rows_sql(self) -> str | None:
        return (self.static_page or {}).get("rows_sql")

    @property
    def static_description(self) -> str:
        """What the card says on the static pages."""
        return (self.static_page or {}).get("description") or self.description

    @property
    def parameters(self) -> list[str]:
        """Parameter names in order of first use (required and optional)."""
        return list(dict.fromkeys(_PARAMETER.findall(self.sql)))

    @property
    def required_parameters(self) -> list[str]:
        return list(dict.fromkeys(_PARAMETER.findall(_OPTIONAL.sub("", self.sql))))

    def label(self, column: str) -> str:
        return (self.labels or {}).get(column, column)

    def series_color(self, metric: str) -> str | None:
        """The colour of ``metric``'s series when the spec says what it means."""
        meaning = (self.series_colors or {}).get(metric)
        return None if meaning is None else MEANING_COLORS[meaning]

    def applies_to(self, country_code: str) -> bool:
        """Whether the card has a meaning for a tenant of that country (``countries``); a tenant
        whose country is not known gets every card."""
        return self.countries is None or not country_code or country_code in self.countries

    def bind(self, values: dict[str, object]) -> tuple[str, dict[str, object]]:
        """The SQL in the warehouse's ``%(name)s`` style and its parameters. Optional clauses
        whose parameters are all given (not None) are kept, the others dropped."""
        missing = [name for name in self.required_parameters if values.get(name) is None]
        if missing:
            raise DashboardSpecError(f"card {self.key!r} needs a value for {missing}")

        def optional(match: re.Match) -> str:
            names = _PARAMETER.findall(match.group(1))
            return match.group(1) if all(values.get(n) is not None for n in names) else ""

        text = _OPTIONAL.sub(optional, self.sql).replace("%", "%%")
        used = dict.fromkeys(_PARAMETER.findall(text))
        return _PARAMETER.sub(r"%(\1)s", text), {name: values[name] for name in used}

    def run(self, warehouse, values: dict[str, object]):
        """The card's rows as a DataFrame, on either warehouse."""
        sql, params = self.bind(values)
        return warehouse.query(sql, params)


@dataclass(frozen=True)
class Dashboard:
    key: str
    title: str
    position: int
    filters: tuple[Filter, ...]
    cards: tuple[Card, ...]
    description: str = ""
    path: Path | None = None

    def filter(self, key: str) -> Filter:
        return next(f for f in self.filters if f.key == key)

    def card(self, key: str) -> Card:
        return next(c for c in self.cards if c.key == key)


@cache
def _schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _validate(document: object, where: str) -> None:
    import jsonschema  # only needed when specs are loaded

    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        location = "/".join(map(str, first.absolute_path)) or "(top)"
        raise DashboardSpecError(f"{where}: {location}: {first.message}")


def _check_consistency(dashboard: Dashboard, where: str) -> None:
    """What the JSON schema cannot say: unique keys, parameters that are filters, columns
    that exist, marts-only SQL."""
    for kind, keys in (
        ("filter", [f.key for f in dashboard.filters]),
        ("card", [c.key for c in dashboard.cards]),
    ):
        duplicated = sorted({k for k in keys if keys.count(k) > 1})
        if duplicated:
            raise DashboardSpecError(f"{where}: duplicated {kind} keys {duplicated}")
    for item in dashboard.filters:
        if item.required and item.type != "tenant" and item.default is None:
            raise DashboardSpecError(
                f"{where}: filter {item.key!r} is required, so it needs a default"
            )
        if item.period_days is not None and item.default != "period_start":
            raise DashboardSpecError(
                f"{where}: filter {item.key!r} sets period_days without default period_start"
            )
    filters = {f.key for f in dashboard.filters}
    for card in dashboard.cards:
        unknown = [p for p in card.parameters if p not in filters]
        if unknown:
            raise DashboardSpecError(
                f"{where}: card {card.key!r} uses {unknown}, which are not dashboard filters"
            )
        named = [card.x, *card.y, card.series, card.marker]
        absent = [c for c in named if c is not None and c not in card.columns]
        if absent:
            raise DashboardSpecError(
                f"{where}: card {card.key!r} charts {absent}, which are not in its columns"
            )
        uncharted = sorted(set(card.series_colors or {}) - set(card.y))
        if uncharted:
            raise DashboardSpecError(
                f"{where}: card {card.key!r} colours {uncharted}, which are not among its y"
            )
        _check_marts_only(card.sql, f"{where}: card {card.key!r}")
        if card.rows_sql is not None:
            _check_marts_only(card.rows_sql, f"{where}: card {card.key!r} (rows_sql)")
        _check_static_page(dashboard, card, where)
    for item in dashboard.filters:
        if item.is_search:
            _check_marts_only(item.static_page["search_sql"], f"{where}: filter {item.key!r}")


def _check_marts_only(sql: str, where: str) -> None:
    schemas = {s.lower() for s in _TABLE_REFERENCE.findall(_EXTRACT_FROM.sub("", sql))}
    if not schemas or not schemas <= ALLOWED_SCHEMAS:
        raise DashboardSpecError(f"{where} must read the marts schema only (reads {schemas})")


#: The displays a card's per-customer rows (``rows_sql``) can be shown with in the page.
SEARCHABLE_DISPLAYS = frozenset({"scalar", "table", "line", "area"})


def _check_static_page(dashboard: Dashboard, card: Card, where: str) -> None:
    """A card's ``static_page``: a choice names a filter the card uses and one of its columns;
    per-customer rows go with a search filter the card uses, on a display the page can redraw."""
    if card.choose is not None:
        if card.display != "table" or card.choose["filter"] not in card.parameters:
            raise DashboardSpecError(
                f"{where}: card {card.key!r} chooses by filter {card.choose['filter']!r}: only "
                "a table card can, by a filter it uses"
            )
        if card.choose["column"] not in card.columns:
            raise DashboardSpecError(
                f"{where}: card {card.key!r} chooses by {card.choose['column']!r}, "
                "which is not in its columns"
            )
    searches = [f.key for f in dashboard.filters if f.is_search and f.key in card.parameters]
    if card.rows_sql is not None and (not searches or card.display not in SEARCHABLE_DISPLAYS):
        raise DashboardSpecError(
            f"{where}: card {card.key!r} has rows_sql: it needs a search filter among its "
            f"parameters and a display among {sorted(SEARCHABLE_DISPLAYS)}"
        )
    if searches and card.rows_sql is None and card.widget is None:
        raise DashboardSpecError(
            f"{where}: card {card.key!r} uses search filter {searches[0]!r}: give it rows_sql "
            "(its rows for every customer the page can find)"
        )


def compared_sql(sql: str, start: str, end: str) -> str:
    """A one-period card query (its range in ``{{start}}`` .. ``{{end}}``) run for the previous
    period of equal length and for the chosen one: one row each, ``period_start`` first, in
    that order. A period's value is the query's; for a figure on the history up to the
    period's end (the repurchase rate), the previous value is the one at the previous end."""
    first, last = f"cast({{{{{start}}}}} as date)", f"cast({{{{{end}}}}} as date)"
    previous_first = f"({first} - cast({last} - {first} + 1 as integer))"
    previous = re.sub(
        r"\{\{\s*(" + re.escape(start) + "|" + re.escape(end) + r")\s*\}\}",
        lambda m: previous_first if m.group(1) == start else f"({first} - 1)",
        sql,
    )
    # The newline before ")" keeps a trailing "-- comment" in the spec from swallowing it.
    return (
        f"select {previous_first} as {PERIOD_START}, previous_period.*\n"
        f"from (\n{previous.rstrip()}\n) as previous_period\n"
        "union all\n"
        f"select {first} as {PERIOD_START}, chosen_period.*\n"
        f"from (\n{sql.rstrip()}\n) as chosen_period\n"
        f"order by {PERIOD_START}"
    )


def in_tenant_words(dashboard: Dashboard, country_code: str, currency: str) -> Dashboard:
    """The dashboard as a tenant of that country and currency reads it: its titles,
    descriptions and column and filter labels in the tenant's words ("por cada sol", "Órdenes
    por distrito"; :func:`cerebro.labels.in_tenant_words`). A card meant for other countries
    (the Chilean RUT) keeps its own words: the page says it does not apply."""

    def worded(text: str) -> str:
        return labels.in_tenant_words(text, country_code, currency)

    def card_worded(card: Card) -> Card:
        if not card.applies_to(country_code):
            return card
        return dataclasses.replace(
            card,
            title=worded(card.title),
            description=worded(card.description),
            labels={k: worded(v) for k, v in card.labels.items()} if card.labels else None,
            static_page=_static_page_worded(card.static_page, worded),
        )

    if not labels.tenant_words(country_code, currency):
        return dashboard
    return dataclasses.replace(
        dashboard,
        title=worded(dashboard.title),
        description=worded(dashboard.description),
        filters=tuple(dataclasses.replace(f, label=worded(f.label)) for f in dashboard.filters),
        cards=tuple(card_worded(card) for card in dashboard.cards),
    )


def _static_page_worded(static_page: dict | None, worded) -> dict | None:
    """A card's ``static_page`` with its description in the tenant's words."""
    if not static_page or "description" not in static_page:
        return static_page
    return {**static_page, "description": worded(static_page["description"])}


def _date_range(filters: tuple[Filter, ...]) -> tuple[str, str] | None:
    """The keys of the dashboard's date range (defaults period_start, period_end), if any."""
    start = next((f.key for f in filters if f.default == "period_start"), None)
    end = next((f.key for f in filters if f.default == "period_end"), None)
    return None if start is None or end is None else (start, end)


def _compared(card: Card, date_range: tuple[str, str] | None, where: str) -> Card:
    """A comparison card as it runs: its SQL for both periods, ``period_start`` first."""
    if card.comparison != "previous_period":
        return card
    if date_range is None:
        raise DashboardSpecError(
            f"{where}: card {card.key!r} compares with the previous period, "
            "but the dashboard has no date range (period_start / period_end filters)"
        )
    if PERIOD_START in card.columns:
        raise DashboardSpecError(
            f"{where}: card {card.key!r} declares {PERIOD_START!r}: a comparison card's SQL "
            "returns its value for one period, and the loader adds the previous one"
        )
    return dataclasses.replace(
        card,
        sql=compared_sql(card.sql, *date_range),
        columns={PERIOD_START: "date", **card.columns},
        labels={PERIOD_START: PERIOD_START_LABEL, **(card.labels or {})},
    )


def _card(entry: dict) -> Card:
    entry = dict(entry)
    entry["y"] = tuple(entry.get("y", ()))
    if "countries" in entry:
        entry["countries"] = tuple(entry["countries"])
    return Card(**entry)


def load_dashboard(path: Path) -> Dashboard:
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        raise DashboardSpecError(f"{path}: not valid YAML: {error}") from error
    _validate(document, str(path))
    dashboard = Dashboard(
        key=document["key"],
        title=document["title"],
        position=document["position"],
        description=document.get("description", ""),
        filters=tuple(Filter(**f) for f in document["filters"]),
        cards=tuple(_card(c) for c in document["cards"]),
        path=path,
    )
    _check_consistency(dashboard, str(path))
    date_range = _date_range(dashboard.filters)
    return dataclasses.replace(
        dashboard, cards=tuple(_compared(c, date_range, str(path)) for c in dashboard.cards)
    )


@cache
def _load_unchanged(path: Path, mtime_ns: int) -> Dashboard:
    """A spec read once per process while its file is unchanged: the code location reads every
    spec from several modules at load, and a Dashboard is immutable, so they share it."""
    return load_dashboard(path)


def load_dashboards(directory: Path = SPECS_DIR) -> list[Dashboard]:
    """Every spec in ``directory``, ordered by position; keys are unique across files."""
    dashboards = sorted(
        (_load_unchanged(p, p.stat().st_mtime_ns) for p in sorted(directory.glob("*.yml"))),
        key=lambda d: d.position,
    )
    keys = [d.key for d in dashboards]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    if duplicated:
        raise DashboardSpecError(f"{directory}: duplicated dashboard keys {duplicated}")
    return dashboards


#: The period dashboards open on: the tenant's last 30 days of data (as the run summary).
DEFAULT_PERIOD_DAYS = 30


def latest_data_date(tenant_id: str, warehouse: Warehouse) -> dt.date | None:
    """The last local day with orders: the natural end of a default period."""
    frame = warehouse.query(
        "select max(created_date) as last_day from marts.mart_orders_daily "
        "where tenant_id = %(tenant_id)s",
        {"tenant_id": tenant_id},
    )
    value = frame["last_day"].iloc[0]
    return None if value is None else dt.date.fromisoformat(str(value)[:10])


def filter_values(dashboard: Dashboard, warehouse, tenant_id: str, **chosen) -> dict:
    """Every filter's value for one tenant: what the caller chose, else the filter's default
    ('period_start' / 'period_end' resolve to the tenant's last 30 days of data, or its
    ``period_days``), else None (optional clauses using it are dropped)."""
    end = latest_data_date(tenant_id, warehouse) or dt.date.today()
    return resolve_filter_values(dashboard, tenant_id, end, **chosen)


def resolve_filter_values(dashboard: Dashboard, tenant_id: str, end, **chosen) -> dict:
    """The rules of :func:`filter_values` with the period's last day given (``end``), for
    callers that know it without reading the marts."""
    values = {}
    for item in dashboard.filters:
        if item.key in chosen:
            values[item.key] = chosen[item.key]
        elif item.type == "tenant":
            values[item.key] = tenant_id
        elif item.default == "period_start":
            days = item.period_days or DEFAULT_PERIOD_DAYS
            values[item.key] = end - dt.timedelta(days=days - 1)
        elif item.default == "period_end":
            values[item.key] = end
        else:
            values[item.key] = item.default
    return values

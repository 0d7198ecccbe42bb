"""One word, one notion (KPIS.md; decision 0047): on one warehouse, every number a reader sees
beside "en riesgo", "perdido", "leal" or "alto riesgo" is the same number for that word, on the
static pages, in the Metabase cards' queries, in the e-mail reports and in `cerebro segment
export`.

Oracle: the words themselves. A number is *beside* a word when a single-number card's title
holds the word, when a row of a chart or table labels its count with it, when a sentence holding
counts "N clientes <word>", or when a complete customer list or an export labels that many
customers with it. Two different numbers for one word fail, whichever source they come from; so
does a word no source shows (the test would prove nothing). Lists that show a part of a
population by design (a top 100, one customer's page) cannot give the population's number:
their customers are checked against the export of the same word instead.

Run on the session's demo warehouse (tests/conftest.py), already built for the other page
tests: the numbers are those of a real platform run, not of crafted rows.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from collections import defaultdict

import pandas as pd
import pytest
from click.testing import CliRunner

from cerebro.actions.reports.headlines import build_report
from cerebro.cli.main import main
from cerebro.formatting import csv_delimiter, locale_for
from cerebro.labels import CHURN_RISK_SEGMENTS
from cerebro.serving.dashboards.figures import NUMERIC_FORMATS
from cerebro.serving.dashboards.spec import Card, filter_values, load_dashboards
from cerebro.serving.dashboards.static_site import render_cards, site_tenants
from cerebro.serving.metabase.desired import metabase_sql
from tests.support.demo_platform import DEMO_TENANTS

pytestmark = pytest.mark.e2e

#: The words of risk, as a reader would spot them in any Spanish text (any case, any number).
WORDS = {
    "en riesgo": re.compile(r"\ben riesgo\b"),
    "alto riesgo": re.compile(r"\balto riesgo\b"),
    "perdido": re.compile(r"\bperdid[oa]s?\b"),
    "leal": re.compile(r"\bleal(es)?\b"),
}
#: "57 clientes en riesgo" in a sentence: a count of customers the word describes (thousands
#: with "." or ",", the tenant's locale).
COUNTED = re.compile(r"(\d{1,3}(?:[.,]\d{3})*|\d+) clientes? (en riesgo|perdid[oa]s?|leal(?:es)?)")
#: Lists that show part of a population by design, by (dashboard, card), and why.
EXCERPTS = {
    ("clientes", "top_100_en_riesgo"): "the 100 customers en riesgo with most to recover",
    ("ficha_cliente", "ficha_resumen"): "one customer",
    ("retencion_lealtad", "bajaron_de_banda"): "the customers whose band dropped this week",
}


def words_in(text: object) -> set[str]:
    folded = str(text).casefold()
    return {word for word, pattern in WORDS.items() if pattern.search(folded)}


def integer(text: str) -> int:
    return int(re.sub(r"[.,\s]", "", text))


@dataclasses.dataclass
class Sightings:
    """Every (word, number, where) seen, and the customers excerpts label with each word."""

    numbers: dict[str, set[tuple[int, str]]] = dataclasses.field(
        default_factory=lambda: defaultdict(set)
    )
    excerpts: dict[str, list[tuple[str, str]]] = dataclasses.field(
        default_factory=lambda: defaultdict(list)
    )

    def add(self, words: set[str], number: int, where: str) -> None:
        for word in words:
            self.numbers[word].add((int(number), where))

    def distinct(self, word: str) -> set[int]:
        return {number for number, _ in self.numbers[word]}


def _count_column(card: Card) -> str | None:
    metric = card.y[0] if card.y else None
    if metric is not None and card.columns.get(metric) == "integer":
        return metric
    return next((c for c, fmt in card.columns.items() if fmt == "integer"), None)


def collect_frame(seen: Sightings, where: str, key: tuple[str, str], card: Card, frame) -> None:
    """The numbers beside words in one card's rows (codes already shown by their names)."""
    texts = [c for c, fmt in card.columns.items() if fmt not in NUMERIC_FORMATS and c in frame]
    if "customer_id" in card.columns:
        if key in EXCERPTS:
            for row in frame.itertuples(index=False):
                for column in texts:
                    for word in words_in(getattr(row, column)):
                        seen.excerpts[word].append((row.customer_id, where))
            return
        # A complete customer list: how many customers it labels with each word.
        for column in texts:
            for label, customers in frame[column].value_counts().items():
                seen.add(words_in(label), customers, f"{where} ({column} = {label})")
        return
    count = _count_column(card)
    if card.display == "scalar":
        if count in frame and not frame.empty and pd.notna(frame[count].iloc[0]):
            seen.add(words_in(card.title), frame[count].iloc[0], where)
        return
    for row in frame.to_dict("records"):
        for column in texts:
            cell = row[column]
            if count in row and pd.notna(row[count]):
                seen.add(words_in(cell), row[count], f"{where} ({cell})")
            # A sentence that counts customers with a word ("... en 57 clientes en riesgo").
            for found in COUNTED.finditer(str(cell).casefold()):
                seen.add(words_in(found[2]), integer(found[1]), f"{where} (sentence)")


def collect_static_pages(seen, warehouse, dashboards, tenant_id, tmp_path) -> None:
    """The static pages as rendered: a scalar's text, a chart's hover data, a table's CSV."""
    (tenant,) = site_tenants(warehouse, [tenant_id])
    tenant = dataclasses.replace(tenant, contact_data=True)
    delimiter = csv_delimiter(locale_for(tenant.currency))
    for dashboard in dashboards:
        values = filter_values(dashboard, warehouse, tenant_id)
        views, _, failures = render_cards(dashboard, tenant, values, warehouse, tmp_path)
        assert not failures, failures
        for view in views:
            card, where = view.card, f"static {dashboard.key}/{view.card.key}"
            if view.scalar is not None and _count_column(card) == (card.y or [None])[0]:
                seen.add(words_in(card.title), integer(view.scalar.value), where)
            elif view.figure_json is not None:
                _collect_figure(seen, where, card, json.loads(view.figure_json))
            elif view.table is not None:
                with (tmp_path / view.table.csv_name).open(encoding="utf-8-sig") as stream:
                    rows = list(csv.reader(stream, delimiter=delimiter))
                labels = {card.label(c): c for c in card.columns}
                frame = pd.DataFrame(rows[1:], columns=[labels[h] for h in rows[0]])
                for column, fmt in card.columns.items():
                    if fmt == "integer" and column in frame:
                        frame[column] = frame[column].map(lambda v: integer(v) if v else None)
                collect_frame(seen, where, (dashboard.key, card.key), card, frame)


def _collect_figure(seen: Sightings, where: str, card: Card, figure: dict) -> None:
    """A chart's bars and points: each hover pair is (category, value) as the reader sees them,
    and a series' name labels all of its points."""
    if card.columns.get(card.y[0] if card.y else "") != "integer":
        return
    for trace in figure["data"]:
        for point in trace.get("customdata") or []:
            if len(point) == 2:  # bars and lines; other charts carry more (or no) pairs
                category, value = point
                seen.add(words_in(f"{category} {trace.get('name', '')}"), integer(value), where)


def collect_metabase(seen, warehouse, dashboards, tenant_id) -> None:
    """The SQL Metabase runs (`metabase_sql`: codes named in SQL), with each filter's default."""
    country = site_tenants(warehouse, [tenant_id])[0].country_code
    for dashboard in dashboards:
        values = filter_values(dashboard, warehouse, tenant_id)
        for card in dashboard.cards:
            if not card.applies_to(country):
                continue
            as_run = dataclasses.replace(card, sql=metabase_sql(card))
            frame = as_run.run(warehouse, values)
            where = f"metabase {dashboard.key}/{card.key}"
            collect_frame(seen, where, (dashboard.key, card.key), card, frame)


def collect_reports(seen, warehouse, dashboards, tenant_id, report_date) -> None:
    for cadence in ("weekly", "monthly"):
        report = build_report(warehouse, tenant_id, cadence, report_date, dashboards=dashboards)
        assert not report.failures, report.failures
        for page in report.pages:
            for headline in page.headlines:
                if headline.format == "integer" and headline.current is not None:
                    where = f"report {cadence} {page.dashboard.key}/{headline.card.key}"
                    seen.add(words_in(headline.card.title), headline.current, where)


def export(demo, tenant_id: str, segment: str, out) -> tuple[int, pd.DataFrame | str]:
    env = {
        "CEREBRO_WAREHOUSE": "duckdb",
        "CEREBRO_DATA_DIR": str(demo.settings.data_dir),
        "CEREBRO_DUCKDB_PATH": str(demo.settings.duckdb_path),
        "CEREBRO_TENANTS_FILE": str(demo.settings.tenants_file),
    }
    args = ["segment", "export", "--tenant", tenant_id, "--segment", segment, "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--include-unconsented"], env=env)
    if result.exit_code != 0:
        return result.exit_code, result.output
    return 0, pd.read_csv(out, dtype={"customer_id": str})


@pytest.fixture(scope="module")
def seen_per_tenant(demo_duckdb, tmp_path_factory) -> dict[str, Sightings]:
    dashboards = load_dashboards()
    warehouse = demo_duckdb.warehouse
    seen = {}
    for tenant_id in DEMO_TENANTS:
        folder = tmp_path_factory.mktemp(f"risk_words_{tenant_id}")
        sightings = Sightings()
        with warehouse.reading():
            collect_static_pages(sightings, warehouse, dashboards, tenant_id, folder)
            collect_metabase(sightings, warehouse, dashboards, tenant_id)
            last_day = site_tenants(warehouse, [tenant_id])[0].last_data_date
            collect_reports(sightings, warehouse, dashboards, tenant_id, last_day)
        for code, label in CHURN_RISK_SEGMENTS.items():
            code_exit, exported = export(demo_duckdb, tenant_id, code, folder / f"{code}.csv")
            assert code_exit == 0, exported
            sightings.add(words_in(label), len(exported), f"segment export {code!r}")
            sightings.excerpts[f"export {code}"] = list(exported["customer_id"])
        seen[tenant_id] = sightings
    return seen


@pytest.mark.parametrize("tenant_id", DEMO_TENANTS)
def test_each_risk_word_has_one_number_on_pages_cards_reports_and_exports(
    seen_per_tenant, tenant_id
):
    seen = seen_per_tenant[tenant_id]
    clashes = {word: sorted(seen.numbers[word]) for word in WORDS if len(seen.distinct(word)) > 1}
    assert not clashes, f"{tenant_id}: a risk word with more than one number: {clashes}"
    # Else the test proves little: every word has a number, and one that counts anybody is
    # shown on the static pages and by the Metabase cards alike. (The reports' headlines are
    # the period's figures, none of them a risk word today; "en riesgo" is no export's segment:
    # the next test checks it against the exports of its two segments.)
    for word in WORDS:
        kinds = {where.split()[0] for number, where in seen.numbers[word] if number > 0}
        assert seen.numbers[word], (tenant_id, word)
        assert not kinds or {"static", "metabase"} <= kinds, (tenant_id, word, kinds)
    assert seen.distinct("en riesgo") != {0}, tenant_id


@pytest.mark.parametrize("tenant_id", DEMO_TENANTS)
def test_en_riesgo_is_alto_riesgo_vip_and_cliente_perdido_together(seen_per_tenant, tenant_id):
    """The pages' definition of "Clientes en riesgo", checked on the numbers they show."""
    seen = seen_per_tenant[tenant_id]
    (at_risk,), (vip,), (lost,) = (
        seen.distinct(w) for w in ("en riesgo", "alto riesgo", "perdido")
    )
    assert at_risk == vip + lost > 0


@pytest.mark.parametrize("tenant_id", DEMO_TENANTS)
def test_excerpts_label_customers_as_the_exports_of_the_same_word_do(seen_per_tenant, tenant_id):
    """The top-100 call list and the customer page label each customer with the word its
    segment's export gives it; the call list holds min(100, en riesgo) customers, all en
    riesgo."""
    seen = seen_per_tenant[tenant_id]
    exported = {
        word: {c for code, label in CHURN_RISK_SEGMENTS.items() if word in words_in(label)
               for c in seen.excerpts[f"export {code}"]}
        for word in WORDS
    }  # fmt: skip
    exported["en riesgo"] = exported["alto riesgo"] | exported["perdido"]
    for word in WORDS:
        wrong = [(c, where) for c, where in seen.excerpts[word] if c not in exported[word]]
        assert not wrong, (tenant_id, word, wrong[:5])
    (at_risk,) = seen.distinct("en riesgo")
    for source in ("static", "metabase"):
        listed = {
            c for word in ("alto riesgo", "perdido") for c, where in seen.excerpts[word]
            if where.startswith(source) and where.endswith("top_100_en_riesgo")
        }  # fmt: skip
        assert len(listed) == min(100, at_risk), (tenant_id, source)


def test_a_retired_segment_name_is_refused_by_the_export_with_its_new_name(demo_duckdb, tmp_path):
    code, output = export(demo_duckdb, DEMO_TENANTS[0], "En riesgo", tmp_path / "x.csv")
    assert code == 1 and not (tmp_path / "x.csv").exists()
    assert output.strip() == (
        "Error: el segmento RFM «En riesgo» ahora se llama «Frecuentes alejados»; los clientes "
        "en riesgo del modelo son «ALTO RIESGO - VIP» y «CLIENTE PERDIDO» (decisión 0047)"
    )

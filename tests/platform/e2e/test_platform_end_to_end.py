"""The whole platform on a small demo: taps → target → dbt build, through Dagster, twice.

Oracles: the generator's own datasets (what was emitted must be what landed),
the raw tables (what landed must be what the facts hold), and the first run
(a second run must change nothing).
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pyarrow.parquet as pq
import pytest
from cerebro_raw_contract import STORE_SOURCE, STREAMS, STREAMS_BY_SOURCE
from tap_cerebro_demo.woocommerce_store import woocommerce_records

from tests.support.demo_sources import DEMO_LANDED_SOURCES

pytestmark = pytest.mark.e2e

#: By source and stream: two sources may name a stream alike (TikTok's and Mercado Libre's
#: campaign_reports), each with its own keys.
KEYS = {
    (stream.source, stream.name): [key for key in stream.primary_keys if key != "tenant_id"]
    for stream in STREAMS
}
TENANTS = ("test_cl", "test_pe")


def test_main_command_succeeds_and_prints_the_summary(demo_platform):
    run = demo_platform.first
    assert run.exit_code == 0, run.output
    assert "Cerebro platform run succeeded" in run.output
    for tenant in TENANTS:
        assert tenant in run.output
    assert "raw_shopify.orders" in run.output
    assert str(demo_platform.duckdb_path) in run.output
    # The run's Dagster instance is its own DAGSTER_HOME, outside the data directory: the hint
    # opens that one (`make dagster` would open data/dagster_home, another instance).
    (hint,) = [line for line in run.output.splitlines() if line.startswith("Dagster UI: ")]
    assert "dagster dev" in hint and "make dagster" not in hint
    home = hint.split("(runs and logs are kept in ")[1].rstrip(")")
    assert f"DAGSTER_HOME={home} " in hint


def test_each_step_line_is_whole_and_each_warning_has_a_line_of_its_own(demo_platform):
    """Between the first line and the summary: a step, its time (or "failed", or "…" when a
    warning interrupts it) and its notes, or one warning `! step: message`. The demo's tenants
    are not the shipped alerts file's (casafacil_*): its overrides for them are skipped, and
    that warning must not be written into a step's line."""
    lines = demo_platform.first.output.splitlines()
    steps = lines[1 : lines.index(next(x for x in lines if x.startswith("Cerebro platform run")))]
    step_line = re.compile(r"  \w+ +(\d+\.\d s|failed|…)( · .*)?$")
    odd = [line for line in steps if not (step_line.match(line) or line.startswith("  ! "))]
    assert steps and not odd, "\n".join(steps)
    assert any(
        line.startswith("  ! alert_notifications: ") and "overrides for tenant" in line
        for line in steps
    ), "\n".join(steps)


def test_a_source_no_tenant_connects_says_it_was_skipped(demo_platform):
    """A landing with no tenant to land once said "0 records for 0 tenants", which reads as a
    failure; the demo's tenants connect every landed source and none of the others."""
    lines = demo_platform.first.output.splitlines()
    landings = {
        match["source"]: match["note"]
        for line in lines
        if (match := re.match(r"  land_(?P<source>\w+) +\d+\.\d s · (?P<note>.*)$", line))
    }
    assert set(DEMO_LANDED_SOURCES) < set(landings), landings
    for source, landing_note in landings.items():
        if source in DEMO_LANDED_SOURCES:
            assert re.fullmatch(r"[\d,]+ records for 3 tenants", landing_note), landing_note
        else:
            assert landing_note == f"skipped: no tenant of this run connects {source}"


def test_summary_reports_models_built_and_every_test_passed(demo_platform):
    line = next(x for x in demo_platform.first.output.splitlines() if x.startswith("dbt:"))
    models = int(line.split()[1])
    passed, total = int(line.split(";")[1].split()[0]), int(line.split(" of ")[1].split()[0])
    assert models >= 20
    assert total >= 100
    assert passed == total


#: The test demo's store on WooCommerce (tests/support/demo_platform.py): its store streams
#: land as the WooCommerce tap maps its generated store, without checkouts.
WOOCOMMERCE_TENANT = "test_woo"


def _emitted_rows(data_dir, tenant: str, source: str, stream: str) -> int:
    """How many rows the demo tap emitted for one tenant's stream."""
    dataset = data_dir / "demo" / tenant
    if tenant == WOOCOMMERCE_TENANT and source == STORE_SOURCE:
        return len(woocommerce_records(dataset).get(stream, []))
    return pq.read_table(dataset / f"{stream}.parquet").num_rows


@pytest.mark.parametrize("tenant", (*TENANTS, WOOCOMMERCE_TENANT))
@pytest.mark.parametrize(
    "source, stream", [(s, t) for s in DEMO_LANDED_SOURCES for t in STREAMS_BY_SOURCE[s]]
)
def test_every_generated_row_lands_exactly_once(demo_platform, tenant, source, stream):
    emitted = _emitted_rows(demo_platform.data_dir, tenant, source, stream)
    landed = demo_platform.query(
        f"select count(*) as n, count(distinct ({', '.join(KEYS[source, stream])})) as keys "
        f"from raw_{source}.{stream} where tenant_id = '{tenant}'"
    )
    assert landed["n"].iloc[0] == emitted
    assert landed["keys"].iloc[0] == emitted


def test_the_woocommerce_store_lands_its_orders_as_generated(demo_platform):
    """The WooCommerce store's facts hold the generated store's orders and revenue, and its
    buyers are the generator's people: each guest order, landed as a customer record of its
    own, is joined to its person exactly where the truth says resolution should (decision
    0037), as the Shopify stores' guest records are."""
    dataset = demo_platform.data_dir / "demo" / WOOCOMMERCE_TENANT
    orders = pq.read_table(dataset / "orders.parquet").to_pandas()
    truth = json.loads((dataset / "truth.json").read_text(encoding="utf-8"))
    person = {
        guest["customer_id"]: guest["person_customer_id"]
        for guest in truth["identity"]["guests"]
        if guest["is_resolvable"]
    }
    facts = demo_platform.query(
        "select count(*) as n, sum(total_amount) as revenue, count(distinct customer_id) as buyers "
        f"from marts.fct_orders where tenant_id = '{WOOCOMMERCE_TENANT}'"
    ).iloc[0]
    assert facts["n"] == len(orders)
    assert float(facts["revenue"]) == pytest.approx(orders["total_amount"].sum(), abs=0.5)
    assert (
        person
        and facts["buyers"] == orders["customer_id"].map(lambda c: person.get(c, c)).nunique()
    )


def test_every_order_has_its_customer_in_the_same_tenant(demo_platform):
    orphans = demo_platform.query(
        """
        select count(*) as n from marts.fct_orders as orders
        left join marts.dim_customers as customers
            on orders.tenant_id = customers.tenant_id and orders.customer_id = customers.customer_id
        where customers.customer_id is null
        """
    )
    assert orphans["n"].iloc[0] == 0


def test_order_amounts_reconcile_with_lines_and_with_what_landed(demo_platform):
    by_tenant = demo_platform.query(
        """
        with lines as (
            select tenant_id, order_id, sum(line_amount) as lines_amount
            from marts.fct_order_lines group by 1, 2
        )
        select
            orders.tenant_id,
            sum(orders.total_amount) as facts_total,
            sum(lines.lines_amount + orders.shipping_amount) as lines_total,
            (select sum(total_amount) from raw_shopify.orders as raw
             where raw.tenant_id = orders.tenant_id and not raw.is_test) as landed_total
        from marts.fct_orders as orders
        inner join lines using (tenant_id, order_id)
        group by 1
        """
    )
    assert set(by_tenant["tenant_id"]) == {*TENANTS, WOOCOMMERCE_TENANT}
    for row in by_tenant.itertuples():
        assert float(row.facts_total) == pytest.approx(float(row.lines_total), abs=0.01)
        assert float(row.facts_total) == pytest.approx(float(row.landed_total), abs=0.01)


def test_no_tenant_mixing_counts_and_currencies_per_tenant(demo_platform):
    facts = demo_platform.query(
        """
        select orders.tenant_id, count(*) as n_orders,
               count(distinct orders.currency) as currencies, min(orders.currency) as currency
        from marts.fct_orders as orders group by 1
        """
    ).set_index("tenant_id")
    landed = demo_platform.query(
        "select tenant_id, count(*) as n from raw_shopify.orders where not is_test group by 1"
    ).set_index("tenant_id")
    assert facts.loc["test_cl", "currency"] == "CLP"
    assert facts.loc["test_pe", "currency"] == "PEN"
    assert (facts["currencies"] == 1).all()
    assert facts["n_orders"].to_dict() == landed["n"].to_dict()
    mixed_lines = demo_platform.query(
        """
        select count(*) as n from marts.fct_order_lines as lines
        left join marts.fct_orders as orders
            on lines.tenant_id = orders.tenant_id and lines.order_id = orders.order_id
        where orders.order_id is null
        """
    )
    assert mixed_lines["n"].iloc[0] == 0


def test_local_dates_use_each_tenants_timezone(demo_platform):
    orders = demo_platform.query(
        "select tenant_id, created_at, created_date, created_hour from marts.fct_orders"
    )
    zones = {
        "test_cl": "America/Santiago",
        "test_pe": "America/Lima",
        "test_woo": "America/Santiago",
    }
    for tenant, zone in zones.items():
        mine = orders[orders["tenant_id"] == tenant]
        local = pd.to_datetime(mine["created_at"]).dt.tz_localize("UTC").dt.tz_convert(zone)
        assert (
            local.dt.date.to_numpy() == pd.to_datetime(mine["created_date"]).dt.date.to_numpy()
        ).all()
        assert (local.dt.hour.to_numpy() == mine["created_hour"].to_numpy()).all()


def test_second_run_changes_nothing(demo_platform, demo_platform_second_run):
    second = demo_platform_second_run
    assert second.exit_code == 0, second.output
    for table, before in demo_platform.first.raw.items():
        pd.testing.assert_frame_equal(before, second.raw[table], obj=table)
    for table, before in demo_platform.first.marts.items():
        pd.testing.assert_frame_equal(before, second.marts[table], obj=table)


def test_singer_state_is_kept_per_tenant_and_source(demo_platform):
    for tenant in TENANTS:
        for source in DEMO_LANDED_SOURCES:
            state = demo_platform.data_dir / "state" / tenant / f"{source}.json"
            assert state.exists(), state
            assert "bookmarks" in state.read_text()


def test_pipeline_runs_mart_shows_the_run_that_just_ended(demo_duckdb):
    runs = demo_duckdb.warehouse.query(
        "select run_status, duration_seconds, started_at from marts.mart_pipeline_runs "
        "where job_name = 'cerebro_platform'"
    )
    # A view over the history written after the run: the run itself is in it, finished.
    # (One run, or two when the slow second-run test ran first.)
    assert len(runs) >= 1 and set(runs["run_status"]) == {"SUCCESS"}
    assert (runs["duration_seconds"] > 0).all()
    assert runs["started_at"].min() >= demo_duckdb.started_at


def test_the_seeds_built_by_the_run_are_not_rebuilt_until_their_files_change(demo_duckdb):
    """The platform run builds the seeds through Dagster, which records each one's code
    version (its file's checksum): the reference sensor then has nothing to do (decision 0019)."""
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.sensors import reference_data_sensor

    home = demo_duckdb.data_dir.parent / "dagster_home"
    with dg.DagsterInstance.from_config(str(home)) as instance:
        context = dg.build_sensor_context(instance=instance, definitions=defs)
        result = reference_data_sensor(context)
    assert isinstance(result, dg.SkipReason), result

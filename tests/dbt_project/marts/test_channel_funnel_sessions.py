"""mart_channel_funnel_daily with GA4's sessions as its visit step (doc block
kpi_channel_funnel, decision 0074), against an independent pandas computation of the doc block
on crafted inputs, built by the real dbt project (GA4's staging and channel mapping, the
channel_mapping seed and the mart) on DuckDB and on PostgreSQL, once per warehouse.

The crafted inputs: one tenant landing GA4 (two properties; GA4's placeholders "(direct)",
"(none)", "(not set)"; sources in capitals and with spaces; a referral from a site the seed
names; a source no rule matches; a day with sessions and no order) and one tenant that does not
(its funnel must be what it was before GA4: sessions null everywhere); both with ad reach,
Search Console, checkouts (one that became an order, abandoned ones of a customer and of a
guest) and orders (valid, invalid, a repeat). The channel rules are the shipped seed's, read
from its CSV by the KPI oracle's reader (tests/cerebro/serving/kpis/kpi_oracle_reference.py)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cerebro.serving.kpis import get_channel_kpis
from cerebro.warehouse import Warehouse
from tests.cerebro.serving.kpis.kpi_oracle_reference import DIRECT, ga4_channel, load_reference
from tests.dbt_project.marts.crafted_dbt import build_models, crafted_warehouse, warehouse_environ

GA4, NO_GA4 = "t_ga4", "t_sin_ga4"
D = pd.Timestamp
KEYS = ["tenant_id", "funnel_date", "channel_group"]
STEPS = ["impressions", "clicks", "sessions", "checkouts_created", "valid_orders", "repeat_orders"]
LANDED = D("2026-03-10 06:00")

#: GA4 rows of the GA4 tenant: property, day, sessionSource, sessionMedium, campaign, sessions.
TRAFFIC = [
    ("111", "2026-03-01", "(direct)", "(none)", "(direct)", 40),
    ("111", "2026-03-01", "google", "organic", "(organic)", 25),
    ("111", "2026-03-01", "google", "cpc", "Verano", 12),
    ("222", "2026-03-01", "google", "cpc", "(not set)", 3),  # a second property, same channel
    ("111", "2026-03-01", "Facebook", "paid", "Retargeting", 9),
    ("111", "2026-03-01", " instagram ", "social", "(not set)", 4),
    ("111", "2026-03-02", "newsletter", "email", "marzo", 7),
    ("111", "2026-03-02", "www.google.cl", "referral", "(referral)", 2),
    ("111", "2026-03-02", "blog.ejemplo.cl", "referral", "(referral)", 5),
    ("111", "2026-03-02", "(not set)", "(not set)", "(not set)", 1),
    ("111", "2026-03-02", "chatgpt.com", "(not set)", "(not set)", 6),
    ("111", "2026-03-03", "(direct)", "(none)", "(direct)", 30),  # no order that day
]  # fmt: skip


def _traffic() -> pd.DataFrame:
    rows = [
        {"tenant_id": GA4, "property_id": prop, "date": D(day), "session_source": source,
         "session_medium": medium, "session_campaign_name": campaign, "sessions": sessions,
         "total_users": sessions - 1, "engaged_sessions": sessions // 2,
         "key_events": float(sessions % 3), "property_time_zone": "America/Santiago",
         "_sdc_batched_at": LANDED}
        for prop, day, source, medium, campaign, sessions in TRAFFIC
    ]  # fmt: skip
    return pd.DataFrame(rows)


def _crafted() -> dict[str, pd.DataFrame]:
    reach = pd.DataFrame(
        [(tenant, D(day), channel, impressions, clicks)
         for tenant in (GA4, NO_GA4)
         for day, channel, impressions, clicks in (
             ("2026-03-01", "Meta Ads", 1000, 30), ("2026-03-01", "Google Ads", 800, 50),
             ("2026-03-02", "Meta Ads", 700, 20))],
        columns=["tenant_id", "spend_date", "channel_group", "impressions", "clicks"],
    )  # fmt: skip
    organic = pd.DataFrame(
        [(tenant, D("2026-03-01"), 500, 45) for tenant in (GA4, NO_GA4)],
        columns=["tenant_id", "search_date", "impressions", "clicks"],
    )
    orders, checkouts, customers = [], [], []
    for tenant in (GA4, NO_GA4):
        customers += [(tenant, "c1", "Meta Ads"), (tenant, "c2", "Email")]
        orders += [
            (tenant, "o1", "c1", D("2026-03-01 10:00"), D("2026-03-01"), True, "Meta Ads"),
            (tenant, "o2", "c1", D("2026-03-02 11:00"), D("2026-03-02"), True, "Google Ads"),
            (tenant, "o3", "c2", D("2026-03-02 12:00"), D("2026-03-02"), False, "Email"),
            (tenant, "o4", None, D("2026-03-01 18:00"), D("2026-03-01"), True, None),
        ]
        checkouts += [
            (tenant, "k1", "c1", "o1", D("2026-03-01")),
            (tenant, "k2", "c2", None, D("2026-03-02")),
            (tenant, "k3", None, None, D("2026-03-01")),
        ]
    return {
        "reach": reach,
        "organic": organic,
        "orders": pd.DataFrame(orders, columns=["tenant_id", "order_id", "customer_id",
                               "created_at", "created_date", "is_valid", "channel_group"]),
        "checkouts": pd.DataFrame(checkouts, columns=["tenant_id", "checkout_id", "customer_id",
                                  "order_id", "created_date"]),
        "customers": pd.DataFrame(customers, columns=["tenant_id", "customer_id",
                                  "acquisition_channel"]),
        "traffic": _traffic(),
    }  # fmt: skip


# --- the oracle: the doc block, written out without the models' SQL shapes -----------------


def expected_funnel(crafted: dict[str, pd.DataFrame]) -> pd.DataFrame:
    reference = load_reference()
    steps = []
    reach = crafted["reach"].rename(columns={"spend_date": "funnel_date"})
    steps.append(reach)
    steps.append(
        crafted["organic"]
        .rename(columns={"search_date": "funnel_date"})
        .assign(channel_group="SEO / Orgánico")
    )
    traffic = crafted["traffic"]
    steps.append(
        pd.DataFrame(
            {
                "tenant_id": traffic["tenant_id"],
                "funnel_date": traffic["date"],
                "channel_group": [
                    ga4_channel(reference, s, m)
                    for s, m in zip(
                        traffic["session_source"], traffic["session_medium"], strict=True
                    )
                ],
                "sessions": traffic["sessions"],
            }
        )
    )
    orders, customers = crafted["orders"], crafted["customers"]
    order_channel = orders.set_index(["tenant_id", "order_id"])["channel_group"]
    acquisition = customers.set_index(["tenant_id", "customer_id"])["acquisition_channel"]
    checkout_channels = []
    for row in crafted["checkouts"].itertuples():
        if not pd.isna(row.order_id):
            channel = order_channel.get((row.tenant_id, row.order_id)) or DIRECT
        else:
            channel = acquisition.get((row.tenant_id, row.customer_id)) or DIRECT
        checkout_channels.append(channel)
    steps.append(
        crafted["checkouts"][["tenant_id", "created_date"]]
        .rename(columns={"created_date": "funnel_date"})
        .assign(channel_group=checkout_channels, checkouts_created=1)
    )
    valid = orders[orders["is_valid"] & orders["customer_id"].notna()]
    nth = valid.sort_values(["created_at", "order_id"]).groupby(["tenant_id", "customer_id"])
    repeats = set(valid.loc[nth.cumcount().loc[lambda n: n > 0].index, "order_id"])
    steps.append(
        pd.DataFrame(
            {
                "tenant_id": orders["tenant_id"],
                "funnel_date": orders["created_date"],
                "channel_group": orders["channel_group"].fillna(DIRECT),
                "valid_orders": orders["is_valid"].astype(int),
                "repeat_orders": [int(o in repeats) for o in orders["order_id"]],
            }
        )
    )
    frame = pd.concat(steps, ignore_index=True)
    expected = frame.groupby(KEYS).agg(
        **{step: (step, lambda s: s.sum(min_count=1)) for step in STEPS[:3]},
        **{step: (step, "sum") for step in STEPS[3:]},
    )
    return expected.reset_index()


# --- the warehouse ---------------------------------------------------------------------------

TABLES = {
    ("marts", "mart_channel_spend_daily"): ("reach", {"spend_date": "date"}),
    ("marts", "fct_organic_search_daily"): ("organic", {"search_date": "date"}),
    ("marts", "fct_orders"): ("orders", {"created_date": "date"}),
    ("marts", "fct_checkouts"): ("checkouts", {"created_date": "date"}),
    ("marts", "dim_customers"): ("customers", {}),
    ("raw_ga4", "traffic_daily"): ("traffic", {"date": "date", "key_events": "numeric"}),
}


@pytest.fixture(scope="module")
def crafted() -> dict[str, pd.DataFrame]:
    return _crafted()


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def funnel_warehouse(request, tmp_path_factory, crafted) -> Warehouse:
    """GA4's models and the funnel mart built by dbt on the crafted inputs."""
    directory = tmp_path_factory.mktemp(f"channel_funnel_{request.param}")
    environ = warehouse_environ(request, request.param, directory)
    warehouse = crafted_warehouse(environ)
    numeric = "decimal(38, 9)" if request.param == "duckdb" else "numeric"
    for (schema, table), (name, types) in TABLES.items():
        warehouse.replace_table(schema, table, crafted[name].reset_index(drop=True))
        with warehouse.connect() as connection:
            cursor = connection.cursor()
            for column, kind in types.items():
                kind = numeric if kind == "numeric" else kind
                cursor.execute(f"alter table {schema}.{table} alter column {column} "
                               f"type {kind} using cast({column} as {kind})")  # fmt: skip
            if request.param == "postgres":
                connection.commit()
    seconds = build_models(environ, directory, "channel_mapping", "stg_ga4__traffic_daily",
                           "int_ga4_traffic_channel_mapped",
                           "mart_channel_funnel_daily")  # fmt: skip
    print(f"dbt build of the funnel with GA4 on {request.param}: {seconds:.1f} s")
    # The KPI functions check the tenant against dim_tenants, which this build leaves out.
    warehouse.replace_table("marts", "dim_tenants", pd.DataFrame({"tenant_id": [GA4, NO_GA4]}))
    return warehouse


@pytest.fixture(scope="module")
def mart(funnel_warehouse) -> pd.DataFrame:
    frame = funnel_warehouse.query("select * from marts.mart_channel_funnel_daily")
    frame["funnel_date"] = pd.to_datetime(frame["funnel_date"])
    for step in STEPS:
        frame[step] = pd.to_numeric(frame[step]).astype(float)
    return frame


def test_every_funnel_row_equals_the_pandas_computation_of_the_doc_block(mart, crafted):
    expected = expected_funnel(crafted)
    expected["funnel_date"] = pd.to_datetime(expected["funnel_date"])
    merged = expected.merge(mart, on=KEYS, how="outer", suffixes=("_expected", ""),
                            indicator=True)  # fmt: skip
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][KEYS]
    for step in STEPS:
        np.testing.assert_array_equal(
            merged[f"{step}_expected"].astype(float).to_numpy(), merged[step].to_numpy(), step
        )


def test_ga4_sessions_reach_the_channels_the_seed_gives_their_source_and_medium(mart):
    """Spot checks of the oracle itself on the shipped seed, read off the crafted rows."""
    day_one = mart[(mart["tenant_id"] == GA4) & (mart["funnel_date"] == D("2026-03-01"))]
    sessions = day_one.set_index("channel_group")["sessions"]
    assert sessions["Directo"] == 40, "(direct) / (none) is Directo"
    assert sessions["SEO / Orgánico"] == 25
    assert sessions["Google Ads"] == 12 + 3, "two properties, one channel"
    assert sessions["Meta Ads"] == 9 + 4, "Facebook in capitals, ' instagram ' with spaces"
    day_two = mart[(mart["tenant_id"] == GA4) & (mart["funnel_date"] == D("2026-03-02"))]
    sessions = day_two.set_index("channel_group")["sessions"]
    assert sessions["Email"] == 7
    assert sessions["Referido"] == 2 + 5, "a referral is Referido, whatever the site"
    assert sessions["Otro"] == 6, "a source no rule matches"
    assert sessions["Directo"] == 1, "(not set) / (not set) is no information: Directo"
    assert sessions["Google Ads"] != sessions["Google Ads"], "no GA4 session: null, not 0"


def test_a_tenant_without_ga4_keeps_its_funnel_with_null_sessions(mart, crafted):
    without = mart[mart["tenant_id"] == NO_GA4]
    assert len(without) > 0 and without["sessions"].isna().all()
    with_ga4 = mart[mart["tenant_id"] == GA4]
    steps = ["impressions", "clicks", "checkouts_created", "valid_orders", "repeat_orders"]
    # Both tenants have the same reach, checkouts and orders: the same funnel but for sessions.
    both = without.merge(with_ga4, on=["funnel_date", "channel_group"], suffixes=("", "_ga4"))
    for step in steps:
        np.testing.assert_array_equal(both[step].to_numpy(), both[f"{step}_ga4"].to_numpy())
    assert dt.date(2026, 3, 3) in set(with_ga4["funnel_date"].dt.date), "sessions alone"
    assert dt.date(2026, 3, 3) not in set(without["funnel_date"].dt.date)


@pytest.mark.parametrize("tenant", [GA4, NO_GA4])
def test_the_channels_page_shows_each_channels_sessions_and_their_conversion(
    funnel_warehouse, crafted, tenant
):
    """`cerebro kpis channels` and the Canales card read the visit step: the period's sessions
    per channel and checkouts per session, null (not zero) without GA4."""
    expected = expected_funnel(crafted)
    expected = (
        expected[expected["tenant_id"] == tenant]
        .groupby("channel_group")
        .agg(
            sessions=("sessions", lambda s: s.sum(min_count=1)),
            checkouts_created=("checkouts_created", "sum"),
        )
    )
    page = get_channel_kpis(tenant, "2026-03-01", "2026-03-03", warehouse=funnel_warehouse)
    rows = {row["channel"]: row for row in page["channel_funnel"]}
    assert set(rows) == set(expected.index)
    for channel, want in expected.iterrows():
        row = rows[channel]
        if pd.isna(want["sessions"]):
            assert row["sessions"] is None and row["session_to_checkout_rate"] is None, row
            continue
        assert row["sessions"] == want["sessions"], channel
        rate = want["checkouts_created"] / want["sessions"]
        assert row["session_to_checkout_rate"] == pytest.approx(rate), channel
    total = expected["sessions"].sum(min_count=1)
    assert page["sessions"] == (None if pd.isna(total) else total)

"""mart_channel_attribution_daily (first touch, last touch, linear and position-based credit per
tenant, day and channel) against an independent pandas computation of the doc block
kpi_channel_attribution on crafted customer journeys, built by the real dbt project (the
mart and int_order_journeys) on DuckDB and on PostgreSQL, once per warehouse for the module.

The crafted journeys hold every case the definition names (no journey, one session, two, many,
a journey still being attributed, a missing last visit, a count below the visits known) and a
seeded mix of a few hundred more; invalid orders sit beside valid ones on the same days."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

from cerebro.warehouse import Warehouse
from tests.dbt_project.marts.crafted_dbt import build_models, crafted_warehouse, warehouse_environ

CHANNELS = [
    "Meta Ads",
    "Google Ads",
    "TikTok Ads",
    "SEO / Orgánico",
    "Email",
    "Directo",
    "Referido",
]
UNNAMED = "Visitas intermedias"
MODELS = ("first_touch", "last_touch", "linear", "position_based")
KEYS = ["tenant_id", "created_date", "channel_group"]
T0 = dt.datetime(2026, 5, 1, 12, 0)

#: Hand-made cases on days 10 and 11 (the seeded mix uses days 0 to 5).
#: order id, tenant, day offset, valid, amount, first channel (None: no journey), last channel
#: (None: no last visit), hours from first to last visit, momentsCount (None: not ready).
CASES = [
    ("no_journey", "t_cl", 10, True, 1000.0, None, None, None, None),
    ("one_session", "t_cl", 10, True, 2000.0, "Meta Ads", "Meta Ads", 0, 1),
    ("two_sessions", "t_cl", 10, True, 3000.0, "TikTok Ads", "Google Ads", 30, 2),
    ("five_sessions", "t_cl", 11, True, 5000.0, "Meta Ads", "Directo", 90, 5),
    ("three_same_channel", "t_cl", 11, True, 900.0, "Email", "Email", 5, 3),
    ("not_ready_two_visits", "t_pe", 10, True, 70.5, "Google Ads", "SEO / Orgánico", 10, None),
    ("no_last_visit", "t_pe", 10, True, 40.0, "Referido", None, None, 4),
    ("count_below_visits", "t_pe", 11, True, 10.0, "Meta Ads", "Email", 2, 1),
    ("invalid", "t_cl", 10, False, 99999.0, "Google Ads", "Google Ads", 0, 1),
]  # fmt: skip


def _random_cases(rng: np.random.Generator, count: int) -> list[tuple]:
    cases = []
    for index in range(count):
        has_journey = rng.random() < 0.85
        moments = int(rng.geometric(0.45))
        hours = 0 if moments == 1 else float(rng.uniform(0.5, 400))
        first = str(rng.choice(CHANNELS)) if has_journey else None
        last = first if moments == 1 else str(rng.choice(CHANNELS))
        cases.append((
            f"r{index}", str(rng.choice(["t_cl", "t_pe"])), int(rng.integers(0, 6)),
            bool(rng.random() < 0.9), float(rng.integers(1, 2000) * 10),
            first, last if has_journey and rng.random() < 0.95 else None,
            hours if has_journey else None,
            moments if has_journey and rng.random() < 0.95 else None,
        ))  # fmt: skip
    return cases


@pytest.fixture(scope="module")
def journeys() -> pd.DataFrame:
    columns = ["order_id", "tenant_id", "day", "is_valid", "total_amount", "first_channel",
               "last_channel", "hours_to_last", "moments"]  # fmt: skip
    frame = pd.DataFrame(CASES + _random_cases(np.random.default_rng(28), 300), columns=columns)
    frame["created_date"] = [T0.date() + dt.timedelta(days=int(day)) for day in frame["day"]]
    return frame


def _tables(journeys: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
    """What the two models read, as the upstream models would have built it."""
    created = pd.to_datetime(journeys["created_date"]) + pd.Timedelta(hours=12)
    has_journey = journeys["first_channel"].notna()
    first_at = (created - pd.Timedelta(days=20)).where(has_journey)
    has_last = journeys["last_channel"].notna()
    last_at = (first_at + pd.to_timedelta(journeys["hours_to_last"], unit="h")).where(has_last)
    staged = pd.DataFrame({
        "tenant_id": journeys["tenant_id"], "order_id": journeys["order_id"],
        # Noon UTC is the same day in Santiago: int_order_journeys dates each order locally.
        "created_at": created.astype("datetime64[us]"),
        "first_visit_at": first_at.astype("datetime64[us]"),
        "last_visit_at": last_at.astype("datetime64[us]"),
        "journey_moments_count": journeys["moments"].astype("Int64"),
    })  # fmt: skip
    landing = pd.DataFrame({
        "tenant_id": journeys["tenant_id"], "touchpoint_type": "order_landing",
        "touchpoint_id": journeys["order_id"],
        # int_touchpoints_channel_mapped maps an order with no landing data to Directo.
        "channel_group": journeys["first_channel"].fillna("Directo"),
        "utm_campaign": ("first_" + journeys["order_id"]).where(has_journey),
    })  # fmt: skip
    closing = journeys[has_last]
    last = pd.DataFrame({
        "tenant_id": closing["tenant_id"], "touchpoint_type": "order_last_visit",
        "touchpoint_id": closing["order_id"], "channel_group": closing["last_channel"],
        "utm_campaign": "last_" + closing["order_id"],
    })  # fmt: skip
    facts = journeys[["tenant_id", "order_id", "created_date", "is_valid", "total_amount"]]
    tenants = pd.DataFrame({"tenant_id": journeys["tenant_id"].unique(),
                            "timezone": "America/Santiago"})  # fmt: skip
    return {
        ("marts", "dim_tenants"): tenants,
        ("staging", "stg_shopify__orders"): staged,
        ("intermediate", "int_touchpoints_channel_mapped"): pd.concat([landing, last]),
        ("marts", "fct_orders"): facts,
    }


def expected_credits(journeys: pd.DataFrame) -> pd.DataFrame:
    """The doc block's rules, order by order, written out without the mart's SQL shapes."""
    totals: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in journeys[journeys["is_valid"]].itertuples():
        first = row.first_channel if isinstance(row.first_channel, str) else "Directo"
        last = row.last_channel if isinstance(row.last_channel, str) else first
        known = 2 if isinstance(row.last_channel, str) and row.hours_to_last > 0 else 1
        sessions = max(known, 0 if pd.isna(row.moments) else int(row.moments))
        if sessions == 1:
            linear = {first: 1.0}
            position = {first: 1.0}
        else:
            linear = {first: 1 / sessions}
            linear[last] = linear.get(last, 0.0) + 1 / sessions
            position = {first: 0.5 if sessions == 2 else 0.4}
            position[last] = position.get(last, 0.0) + (0.5 if sessions == 2 else 0.4)
            if sessions > 2:
                linear[UNNAMED] = (sessions - 2) / sessions
                position[UNNAMED] = 0.2
        credits = {"first_touch": {first: 1.0}, "last_touch": {last: 1.0},
                   "linear": linear, "position_based": position}  # fmt: skip
        for model, shares in credits.items():
            for channel, share in shares.items():
                cell = totals[(row.tenant_id, row.created_date, channel)]
                cell[f"{model}_orders"] += share
                cell[f"{model}_revenue_amount"] += share * row.total_amount
    frame = pd.DataFrame.from_dict({key: dict(value) for key, value in totals.items()}, "index")
    frame.index.names = KEYS
    return frame.fillna(0.0).reset_index()


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def attribution_warehouse(request, tmp_path_factory, journeys) -> Warehouse:
    """The two models built by dbt on the crafted journeys; the build's seconds are printed."""
    directory = tmp_path_factory.mktemp(f"channel_attribution_{request.param}")
    environ = warehouse_environ(request, request.param, directory)
    warehouse = crafted_warehouse(environ)
    for (schema, table), frame in _tables(journeys).items():
        warehouse.replace_table(schema, table, frame.reset_index(drop=True))
    with warehouse.connect() as connection:
        # A frame's dates land as timestamps; fct_orders has a date column.
        connection.cursor().execute(
            "alter table marts.fct_orders alter column created_date type date "
            "using cast(created_date as date)"
        )
    seconds = build_models(environ, directory, "int_order_journeys",
                           "mart_channel_attribution_daily")  # fmt: skip
    print(f"dbt build of the attribution mart on {request.param}: {seconds:.1f} s")
    return warehouse


@pytest.fixture(scope="module")
def mart(attribution_warehouse) -> pd.DataFrame:
    frame = attribution_warehouse.query("select * from marts.mart_channel_attribution_daily")
    frame["created_date"] = pd.to_datetime(frame["created_date"]).dt.date
    for model in MODELS:
        for column in (f"{model}_orders", f"{model}_revenue_amount"):
            frame[column] = pd.to_numeric(frame[column]).astype(float)
    return frame


def test_every_credit_equals_the_pandas_computation_of_the_doc_block(mart, journeys):
    expected = expected_credits(journeys)
    merged = expected.merge(mart, on=KEYS, how="outer", suffixes=("_expected", ""), indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", KEYS]
    for model in MODELS:
        for column in (f"{model}_orders", f"{model}_revenue_amount"):
            np.testing.assert_allclose(
                merged[column].to_numpy(), merged[f"{column}_expected"].to_numpy(),
                rtol=1e-9, atol=1e-9, err_msg=column,
            )  # fmt: skip


def test_each_model_credits_exactly_the_valid_orders_and_their_revenue(mart, journeys):
    valid = journeys[journeys["is_valid"]]
    for model in MODELS:
        assert mart[f"{model}_orders"].sum() == pytest.approx(len(valid), rel=1e-12), model
        assert mart[f"{model}_revenue_amount"].sum() == pytest.approx(
            valid["total_amount"].sum(), rel=1e-12
        ), model


def test_the_hand_made_journeys_get_the_documented_shares(mart):
    """Day 11 of t_cl holds two orders: five sessions Meta Ads -> Directo (5000) and three
    sessions whose known visits are both Email (900)."""
    day = mart[
        (mart["tenant_id"] == "t_cl") & (mart["created_date"] == T0.date() + dt.timedelta(11))
    ]
    day = day.set_index("channel_group")
    assert sorted(day.index) == sorted(["Meta Ads", "Directo", "Email", UNNAMED])
    assert day.loc["Meta Ads", "first_touch_revenue_amount"] == pytest.approx(5000)
    assert day.loc["Meta Ads", "last_touch_orders"] == 0
    assert day.loc["Meta Ads", "position_based_revenue_amount"] == pytest.approx(0.4 * 5000)
    assert day.loc["Directo", "linear_orders"] == pytest.approx(1 / 5)
    assert day.loc[UNNAMED, "linear_orders"] == pytest.approx(3 / 5 + 1 / 3)
    assert day.loc[UNNAMED, "position_based_orders"] == pytest.approx(0.4)
    assert day.loc["Email", "position_based_orders"] == pytest.approx(0.8)
    assert day.loc["Email", "linear_revenue_amount"] == pytest.approx(2 / 3 * 900)


def test_the_journeys_carry_the_campaign_of_their_first_and_last_visit(
    attribution_warehouse, journeys
):
    """The campaign marts' first and last click (int_order_journeys): the landing's UTM
    campaign, and the last visit's, or the landing's when Shopify gave no last visit."""
    built = attribution_warehouse.query(
        "select order_id, first_touch_utm_campaign, last_touch_utm_campaign "
        "from intermediate.int_order_journeys"
    ).set_index("order_id")
    for row in journeys.itertuples():
        first = f"first_{row.order_id}" if isinstance(row.first_channel, str) else None
        last = f"last_{row.order_id}" if isinstance(row.last_channel, str) else first
        got = built.loc[row.order_id]
        got = tuple(None if pd.isna(value) else value for value in got)
        assert got == (first, last), row.order_id

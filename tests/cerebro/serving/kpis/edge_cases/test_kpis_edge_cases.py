"""Edge cases of the KPI functions on the crafted warehouse of conftest.py.

Every expected value is counted by hand from the rows in conftest.py (the oracle); the
comments show the arithmetic. KPIS.md is the contract.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from cerebro.serving.kpis import (
    get_acquisition_kpis,
    get_cart_abandonment_rate,
    get_engagement_kpis,
    get_operations_kpis,
    get_retention_kpis,
    get_rfm_segmentation,
)
from cerebro.serving.kpis.period import InvalidPeriodError, UnknownTenantError
from cerebro.serving.kpis.segmentation import RFM_COLUMNS
from cerebro.settings import Settings
from cerebro.warehouse import Warehouse, WarehouseNotBuiltError

CL, TWIN, QUIET = "edge_cl", "edge_twin", "edge_quiet"
YEAR_2024 = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
ALL_FUNCTIONS = [
    get_acquisition_kpis,
    get_engagement_kpis,
    get_cart_abandonment_rate,
    get_operations_kpis,
    get_retention_kpis,
    get_rfm_segmentation,
]


def _hours(result: dict) -> dict[int, int]:
    """orders_by_hour without the zero hours."""
    return {row["hour"]: row["orders"] for row in result["orders_by_hour"] if row["orders"]}


def test_empty_period_gives_none_rates_zero_counts_all_24_hours_and_empty_lists(crafted):
    # Nothing in the crafted data happens before 2024.
    period = (CL, dt.date(2023, 6, 1), dt.date(2023, 6, 30))
    wh = crafted.warehouse

    assert get_acquisition_kpis(*period, warehouse=wh) == {
        "new_users": 0,
        "onboarding_rate": None,
        "rut_validation_rate": None,
        "channel_distribution": [],
        "region_distribution": [],
    }
    assert get_engagement_kpis(*period, warehouse=wh) == {
        "cart_abandonment_rate": None,
        "aov": None,
        "purchase_frequency": None,
        "conversion_by_service": [],
        "payment_methods": [],
    }
    assert get_cart_abandonment_rate(*period, warehouse=wh) == {"cart_abandonment_rate": None}
    assert get_operations_kpis(*period, warehouse=wh) == {
        "avg_service_cycle_hours": None,
        "cancellation_rate": None,
        "orders_by_comuna": [],
        "orders_by_hour": [{"hour": hour, "orders": 0} for hour in range(24)],
        "avg_rating": None,
        "ratings_count": 0,
    }
    assert get_retention_kpis(*period, warehouse=wh) == {
        "repurchase_rate": None,
        "historical_ltv": None,
        "mau": [{"month": "2023-06", "active_customers": 0}],
        "cohort_retention": [],
    }
    rfm = get_rfm_segmentation(*period, warehouse=wh)
    assert rfm["segment_distribution"] == []
    assert rfm["customers"].empty
    assert list(rfm["customers"].columns) == RFM_COLUMNS


def test_tenant_without_checkouts_has_abandonment_rate_none_not_zero_by_hand_count(crafted):
    # edge_quiet: one paid order of 4 000 by one customer, no checkout at all.
    wh = crafted.warehouse
    assert get_cart_abandonment_rate(QUIET, *YEAR_2024, warehouse=wh) == {
        "cart_abandonment_rate": None
    }
    engagement = get_engagement_kpis(QUIET, *YEAR_2024, warehouse=wh)
    assert engagement["cart_abandonment_rate"] is None
    assert engagement["aov"] == pytest.approx(4000.0)
    assert engagement["purchase_frequency"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("date_from", "date_to", "expected"),
    [
        # c1 completed, c2 abandoned, both long before the cut-off: 1 / 2.
        (dt.date(2024, 7, 15), dt.date(2024, 7, 15), 0.5),
        # c3 created exactly at the window start (cut-off - 24 h) is eligible and was
        # completed; c4, one second later, is inside the window: 0 abandoned / 1 eligible.
        (dt.date(2024, 12, 19), dt.date(2024, 12, 19), 0.0),
        # Only c9, inside the window: eligible 0, so the rate is None (not 0, no error).
        (dt.date(2024, 12, 20), dt.date(2024, 12, 20), None),
        # c1, c2, c3 eligible, c2 abandoned: 1 / 3.
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31), 1 / 3),
    ],
    ids=["two-eligible", "boundary-eligible", "all-inside-window", "year"],
)
def test_abandonment_window_excludes_young_checkouts_by_hand_count(
    crafted, date_from, date_to, expected
):
    result = get_cart_abandonment_rate(CL, date_from, date_to, warehouse=crafted.warehouse)
    if expected is None:
        assert result["cart_abandonment_rate"] is None
    else:
        assert result["cart_abandonment_rate"] == pytest.approx(expected)


def test_cancelled_only_customer_is_no_buyer_nor_rfm_customer_but_a_cancellation(crafted):
    """Customer 4's only order (104, 2024-03-10) was paid, fulfilled, rated 5, then
    cancelled: never valid, never completed; it only counts as a cancellation."""
    wh = crafted.warehouse
    retention = get_retention_kpis(CL, *YEAR_2024, warehouse=wh)
    # Buyers: 1 (orders 101, 102), 2 (103), 5 (105); repeat buyers: 1. Not 1 / 4.
    assert retention["repurchase_rate"] == pytest.approx(1 / 3)

    customers = get_rfm_segmentation(CL, *YEAR_2024, warehouse=wh)["customers"]
    assert sorted(customers["customer_id"]) == ["1", "2", "5"]

    day = get_operations_kpis(CL, dt.date(2024, 3, 10), dt.date(2024, 3, 10), warehouse=wh)
    assert day["cancellation_rate"] == pytest.approx(1.0)  # 1 cancelled / 1 created
    assert _hours(day) == {}
    assert day["orders_by_comuna"] == []
    # Its fulfillment (completed 2024-03-10 local) and its rating do not count.
    assert day["avg_service_cycle_hours"] is None
    assert (day["avg_rating"], day["ratings_count"]) == (None, 0)

    march = (CL, dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    # Created in March: 104 (cancelled) and 105: 1 / 2.
    assert get_operations_kpis(*march, warehouse=wh)["cancellation_rate"] == pytest.approx(0.5)
    march_retention = get_retention_kpis(*march, warehouse=wh)
    # The March cohort is customer 5 alone; customer 4 is in no cohort and not active.
    assert march_retention["cohort_retention"] == [
        {"cohort_month": "2024-03", "month_offset": 0, "cohort_customers": 1,
         "retained_customers": 1, "retention_rate": 1.0},
    ]  # fmt: skip
    assert march_retention["mau"] == [{"month": "2024-03", "active_customers": 1}]


def test_refund_larger_than_total_gives_negative_net_in_ltv_and_rfm_monetary(crafted):
    """Order 105 (customer 5): total 8 000, refunds 5 000 + 6 000 = 11 000. Documented
    behaviour: net_amount = total - refunds = -3 000, not capped at 0, and it flows into
    historical LTV and RFM monetary as is; AOV uses total_amount, so it stays 8 000."""
    wh = crafted.warehouse
    retention = get_retention_kpis(CL, *YEAR_2024, warehouse=wh)
    # (101: 10 000 + 102: 20 000 + 103: 5 000 + 105: -3 000) / 3 buyers.
    assert retention["historical_ltv"] == pytest.approx((10000 + 20000 + 5000 - 3000) / 3)

    rfm = get_rfm_segmentation(CL, *YEAR_2024, warehouse=wh)
    row = rfm["customers"].set_index("customer_id").loc["5"]
    assert row["monetary"] == pytest.approx(-3000.0)
    assert row["m_score"] == 1  # the lowest monetary of the three buyers

    march = get_engagement_kpis(CL, dt.date(2024, 3, 1), dt.date(2024, 3, 31), warehouse=wh)
    assert march["aov"] == pytest.approx(8000.0)


@pytest.mark.parametrize(
    ("new_day", "expected_aov", "day_before_hours"),
    [
        # Order 101 at 2024-01-15 03:00 UTC = 00:00:00 local (UTC-3, summer).
        (dt.date(2024, 1, 15), 10000.0, {}),
        # Order 102 at 2024-07-15 04:00 UTC = 00:00:00 local (UTC-4, winter); order 103,
        # one second earlier (03:59:59 UTC), is 2024-07-14 23:59:59 local.
        (dt.date(2024, 7, 15), 20000.0, {23: 1}),
    ],
    ids=["summer", "winter"],
)
def test_order_at_local_midnight_belongs_to_the_new_day_hour_0_by_zoneinfo(
    crafted, new_day, expected_aov, day_before_hours
):
    wh = crafted.warehouse
    day = get_operations_kpis(CL, new_day, new_day, warehouse=wh)
    assert _hours(day) == {0: 1}
    assert get_engagement_kpis(CL, new_day, new_day, warehouse=wh)["aov"] == expected_aov
    day_before = new_day - dt.timedelta(days=1)
    assert _hours(get_operations_kpis(CL, day_before, day_before, warehouse=wh)) == (
        day_before_hours
    )


def test_signup_at_local_midnight_counts_on_the_new_day(crafted):
    # Customer 1 signed up at 2024-01-15 03:00 UTC = 00:00:00 local; customer 2 on the 14th.
    wh = crafted.warehouse
    jan_15 = get_acquisition_kpis(CL, dt.date(2024, 1, 15), dt.date(2024, 1, 15), warehouse=wh)
    assert jan_15["new_users"] == 1
    assert jan_15["channel_distribution"] == [{"channel": "Meta Ads", "new_users": 1, "share": 1.0}]


def test_tenants_with_the_same_business_ids_never_mix(crafted):
    """edge_twin reuses edge_cl's customer, order, transaction, refund and checkout ids."""
    wh = crafted.warehouse
    jan_15 = (dt.date(2024, 1, 15), dt.date(2024, 1, 15))
    assert get_engagement_kpis(CL, *jan_15, warehouse=wh)["aov"] == pytest.approx(10000.0)
    assert get_engagement_kpis(TWIN, *jan_15, warehouse=wh)["aov"] == pytest.approx(999.0)
    # edge_cl's order 101 at 00:00 local; the twin's at 15:00 UTC = 12:00 local.
    assert _hours(get_operations_kpis(CL, *jan_15, warehouse=wh)) == {0: 1}
    assert _hours(get_operations_kpis(TWIN, *jan_15, warehouse=wh)) == {12: 1}

    # Checkouts c1, c2: edge_cl completed c1 (1 / 2), the twin abandoned both (2 / 2).
    jul_15 = (dt.date(2024, 7, 15), dt.date(2024, 7, 15))
    assert get_cart_abandonment_rate(CL, *jul_15, warehouse=wh)["cart_abandonment_rate"] == 0.5
    assert get_cart_abandonment_rate(TWIN, *jul_15, warehouse=wh)["cart_abandonment_rate"] == 1.0

    # Twin: order 101 999 - refund r105-1 of 100 = 899, order 105 50 000 (edge_cl's
    # refunds of its own order 105 do not apply): LTV (899 + 50 000) / 2, no repeat buyer.
    twin = get_retention_kpis(TWIN, *YEAR_2024, warehouse=wh)
    assert twin["historical_ltv"] == pytest.approx((899 + 50000) / 2)
    assert twin["repurchase_rate"] == 0.0
    twin_rfm = get_rfm_segmentation(TWIN, *YEAR_2024, warehouse=wh)["customers"]
    assert dict(zip(twin_rfm["customer_id"], twin_rfm["monetary"], strict=True)) == {
        "1": 899.0,
        "2": 50000.0,
    }
    assert twin_rfm["email"].tolist() == ["cliente1@edge_twin.cl", "cliente2@edge_twin.cl"]
    january = (dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    assert get_acquisition_kpis(TWIN, *january, warehouse=wh)["new_users"] == 1
    assert get_acquisition_kpis(CL, *january, warehouse=wh)["new_users"] == 3


def test_rut_validation_onboarding_and_first_touch_channel_of_january_signups(crafted):
    """January signups of edge_cl: 1 (RUT 16.000.004-k, valid with a lowercase k;
    facebook UTMs), 2 (12.345.678-4, wrong check digit; e-mail not verified; first order
    106 landed from a newsletter), 3 (no RUT, no UTMs, only a test order)."""
    result = get_acquisition_kpis(
        CL, dt.date(2024, 1, 1), dt.date(2024, 1, 31), warehouse=crafted.warehouse
    )
    assert result["new_users"] == 3
    assert result["rut_validation_rate"] == pytest.approx(1 / 3)
    assert result["onboarding_rate"] == pytest.approx(2 / 3)
    third = pytest.approx(1 / 3)
    assert result["channel_distribution"] == [
        {"channel": "Directo", "new_users": 1, "share": third},
        {"channel": "Email", "new_users": 1, "share": third},
        {"channel": "Meta Ads", "new_users": 1, "share": third},
    ]
    assert result["region_distribution"] == [{"region": "Sin región", "new_users": 3, "share": 1.0}]


def test_rfm_values_scores_and_segments_match_hand_computed_ntile(crafted):
    """As of 2024-12-31. Last valid local dates: 1 -> 2024-07-15 (orders 101, 102),
    2 -> 2024-07-14 (103 at 23:59:59 local), 5 -> 2024-03-12 (105). With three customers
    ntile(5) gives 1, 2, 3: r by recency desc (5, 2, 1), f by frequency then id
    (2, 5, 1), m by monetary (5, 2, 1). Segments from the rfm_segments seed:
    (3, 3) Necesitan atención, (2, 1) Hibernando, (1, 2) Ocasionales alejados."""
    as_of = dt.date(2024, 12, 31)
    result = get_rfm_segmentation(CL, dt.date(2024, 1, 1), as_of, warehouse=crafted.warehouse)
    rows = result["customers"].drop(columns=["email", "phone"]).to_dict("records")
    assert rows == [
        {"customer_id": "1", "recency_days": (as_of - dt.date(2024, 7, 15)).days,
         "frequency": 2, "monetary": 30000.0, "r_score": 3, "f_score": 3, "m_score": 3,
         "segment": "Necesitan atención"},
        {"customer_id": "2", "recency_days": (as_of - dt.date(2024, 7, 14)).days,
         "frequency": 1, "monetary": 5000.0, "r_score": 2, "f_score": 1, "m_score": 2,
         "segment": "Hibernando"},
        {"customer_id": "5", "recency_days": (as_of - dt.date(2024, 3, 12)).days,
         "frequency": 1, "monetary": -3000.0, "r_score": 1, "f_score": 2, "m_score": 1,
         "segment": "Ocasionales alejados"},
    ]  # fmt: skip
    assert result["segment_distribution"] == [
        {"segment": "Hibernando", "customers": 1, "share": pytest.approx(1 / 3),
         "revenue": 5000.0},
        {"segment": "Necesitan atención", "customers": 1, "share": pytest.approx(1 / 3),
         "revenue": 30000.0},
        {"segment": "Ocasionales alejados", "customers": 1, "share": pytest.approx(1 / 3),
         "revenue": -3000.0},
    ]  # fmt: skip


@pytest.mark.parametrize("function", ALL_FUNCTIONS, ids=lambda f: f.__name__)
def test_unknown_tenant_raises_naming_the_known_tenants(crafted, function):
    with pytest.raises(UnknownTenantError) as error:
        function("nope", *YEAR_2024, warehouse=crafted.warehouse)
    assert "'nope'" in str(error.value)
    assert "edge_cl, edge_quiet, edge_twin" in str(error.value)


@pytest.mark.parametrize("function", ALL_FUNCTIONS, ids=lambda f: f.__name__)
def test_date_from_after_date_to_raises_invalid_period(crafted, function):
    with pytest.raises(InvalidPeriodError, match="after"):
        function(CL, dt.date(2024, 2, 1), dt.date(2024, 1, 31), warehouse=crafted.warehouse)


@pytest.mark.parametrize("function", ALL_FUNCTIONS, ids=lambda f: f.__name__)
def test_missing_duckdb_file_raises_warehouse_not_built_saying_make_demo(tmp_path, function):
    missing = tmp_path / "nowhere" / "cerebro.duckdb"
    settings = Settings(data_dir=tmp_path, tenants_file=tmp_path / "t.yml", duckdb_path=missing)
    with pytest.raises(WarehouseNotBuiltError, match="make demo"):
        function(CL, *YEAR_2024, warehouse=Warehouse(settings))
    # Asking must not leave an empty database (or its folder) behind.
    assert not missing.parent.exists()


def test_duckdb_file_without_marts_raises_warehouse_not_built_saying_make_demo(tmp_path):
    path = tmp_path / "landed_only.duckdb"
    duckdb.connect(str(path)).close()
    settings = Settings(data_dir=tmp_path, tenants_file=tmp_path / "t.yml", duckdb_path=path)
    with pytest.raises(WarehouseNotBuiltError, match="make demo"):
        get_operations_kpis(CL, *YEAR_2024, warehouse=Warehouse(settings))

"""`get_rfm_segmentation` equals the raw-data oracle: the segment distribution and every
customer's row (values, quintile scores, segment)."""

from __future__ import annotations

from cerebro.serving.kpis import get_rfm_segmentation
from tests.cerebro.serving.kpis.kpi_oracle import rfm_segmentation
from tests.cerebro.serving.kpis.kpi_oracle_compare import (
    approx_tree,
    assert_same_kpis,
    frame_records,
)


def test_rfm_segment_distribution_matches_the_raw_data_oracle(oracle_demo, tenant, period):
    actual = get_rfm_segmentation(tenant, *period, warehouse=oracle_demo.warehouse)
    expected = rfm_segmentation(oracle_demo.shops[tenant], oracle_demo.reference, period[1])
    assert sorted(actual) == ["customers", "segment_distribution"]
    assert_same_kpis(
        {"segment_distribution": actual["segment_distribution"]},
        {"segment_distribution": expected["segment_distribution"]},
    )


def test_rfm_customer_rows_match_the_raw_data_oracle(oracle_demo, tenant, period):
    actual = get_rfm_segmentation(tenant, *period, warehouse=oracle_demo.warehouse)
    expected = rfm_segmentation(oracle_demo.shops[tenant], oracle_demo.reference, period[1])
    assert list(actual["customers"].columns) == list(expected["customers"].columns)
    actual_rows = frame_records(actual["customers"])
    expected_rows = frame_records(expected["customers"])
    assert [row["customer_id"] for row in actual_rows] == [
        row["customer_id"] for row in expected_rows
    ]
    differing = [
        {"function": got, "oracle": want}
        for got, want in zip(actual_rows, expected_rows, strict=True)
        if got != approx_tree(want)
    ]
    assert differing == []

"""The dbt benchmark's sizes and the shape it lands rows in, against hand-worked values."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pandas as pd
import pytest
from cerebro_raw_contract import STREAMS_BY_SOURCE
from tap_cerebro_demo.generator.profiles import PROFILES
from tap_cerebro_demo.generator.storage import DemoSettings, load_or_generate, read_stream

from benchmarks import dbt_bench_data
from benchmarks.dbt_bench_data import (
    ID_STRIDE,
    bench_tenants,
    landed_table,
    stream_specs,
)
from cerebro.landing.taps import demo_settings

TENANTS_YAML = """
tenants:
  - tenant_id: tienda_cl
    name: Tienda Chile
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo: {profile: cl_services, customers: 1500, seed: 42}
    sources: {shopify: {tap: demo}}
  - tenant_id: tienda_pe
    name: Tienda Perú
    timezone: America/Lima
    currency: PEN
    country_code: PE
    demo: {profile: pe_services, customers: 600, seed: 7, end_date: "2026-06-30", history_days: 400}
    sources: {shopify: {tap: demo}}
"""


@pytest.fixture
def tenants_file(tmp_path):
    path = tmp_path / "tenants.yml"
    path.write_text(TENANTS_YAML, encoding="utf-8")
    return path


def test_small_is_the_demo_tenants_file_as_it_is(tenants_file):
    tenants = bench_tenants("small", tenants_file)

    assert [(t.tenant_id, t.settings.customers, t.settings.seed) for t in tenants] == [
        ("tienda_cl", 1500, 42),
        ("tienda_pe", 600, 7),
    ]
    # The file's own last day and history where it has them, the fixed END_DATE otherwise.
    assert tenants[0].settings.end_date == dbt_bench_data.END_DATE
    assert (tenants[0].settings.days, tenants[1].settings.days) == (730, 400)
    assert tenants[1].settings.end_date == dt.date(2026, 6, 30)
    assert [t.id_shift for t in tenants] == [0, 0]


def test_large_splits_a_million_customers_in_the_demo_proportion_into_tenants_of_100k(
    tenants_file,
):
    tenants = bench_tenants("large", tenants_file)

    # 1 000 000 x 1500/2100 = 714 286 -> 8 tenants; 1 000 000 x 600/2100 = 285 714 -> 3.
    chile = [t for t in tenants if t.settings.profile == "cl_services"]
    peru = [t for t in tenants if t.settings.profile == "pe_services"]
    assert [t.settings.customers for t in chile] == [89_286] * 6 + [89_285] * 2
    assert [t.settings.customers for t in peru] == [95_238] * 3
    assert [t.tenant_id for t in peru] == ["tienda_pe", "tienda_pe_2", "tienda_pe_3"]
    assert [t.settings.seed for t in peru] == [7, 1007, 2007]
    assert [t.id_shift for t in peru] == [0, ID_STRIDE, 2 * ID_STRIDE]
    assert chile[7].tenant.name == "Tienda Chile (8)"
    assert {t.tenant.timezone for t in peru} == {"America/Lima"}


def test_an_unknown_size_is_refused_with_the_known_ones(tenants_file):
    with pytest.raises(ValueError, match=r"unknown size 'huge'.*'tiny', 'small'"):
        bench_tenants("huge", tenants_file)


def _orders_dataset(directory):
    """Three orders of a demo stream, written where the generator writes them."""
    frame = pd.DataFrame(
        {
            "tenant_id": ["tienda_pe"] * 3,
            "order_id": ["6200100000003", "6200100000001", "6200100000002"],
            "customer_id": ["6200010000001"] * 3,
            "created_at": pd.to_datetime(
                ["2026-01-02 10:00:00.900", "2026-01-01 08:00:00", "2026-01-01 09:30:00.250"],
                format="ISO8601",
            ).astype("datetime64[us]"),
            "updated_at": pd.to_datetime(
                ["2026-01-03 00:00:00.999", "2026-01-01 08:00:00", "2026-01-01 08:00:00"],
                format="ISO8601",
            ).astype("datetime64[us]"),
            "total_amount": [49.9, float("nan"), 0.1 + 0.2],
            "not_in_the_schema": [1, 2, 3],
        }
    )
    directory.mkdir()
    frame.to_parquet(directory / "orders.parquet", index=False)
    return directory


def test_a_copy_lands_the_tap_records_with_shifted_ids_and_singer_metadata(
    tmp_path, tenants_file, monkeypatch
):
    monkeypatch.setattr(dbt_bench_data, "TARGET_BATCH_ROWS", 2)
    tenant = bench_tenants("large", tenants_file)[-1]  # tienda_pe_3: shifted by 2 strides
    spec = next(s for s in stream_specs() if s.name == "orders")
    landed_at = dt.datetime(2026, 11, 1, 12, 0, 0)

    table = landed_table(_orders_dataset(tmp_path / "pe_3"), spec, tenant, landed_at).to_pylist()

    # Sorted like the tap emits: replication key (updated_at), then the keys.
    assert [row["order_id"] for row in table] == [
        "6202100000001",
        "6202100000002",
        "6202100000003",
    ]
    assert [row["customer_id"] for row in table] == ["6202010000001"] * 3
    # Whole seconds, as the tap formats timestamps; NaN becomes null.
    assert table[1]["created_at"] == dt.datetime(2026, 1, 1, 9, 30, 0)
    assert table[2]["updated_at"] == dt.datetime(2026, 1, 3, 0, 0, 0)
    assert [row["total_amount"] for row in table] == [None, 0.1 + 0.2, 49.9]
    assert "not_in_the_schema" not in table[0]
    # One record per microsecond from landed_at; a batch every 2 records.
    micro = dt.timedelta(microseconds=1)
    assert [row["_sdc_extracted_at"] for row in table] == [landed_at + i * micro for i in range(3)]
    batches = [landed_at, landed_at, landed_at + 2 * micro]
    assert [row["_sdc_batched_at"] for row in table] == batches
    assert {row["_sdc_table_version"] for row in table} == {None}
    assert {row["_sdc_deleted_at"] for row in table} == {None}
    assert table[0]["_sdc_sequence"] == int(landed_at.replace(tzinfo=dt.UTC).timestamp() * 1000)


def test_ids_beyond_one_stride_are_refused_rather_than_colliding(tmp_path, tenants_file):
    tenant = bench_tenants("large", tenants_file)[-1]
    directory = _orders_dataset(tmp_path / "pe_3")
    frame = pd.read_parquet(directory / "orders.parquet")
    frame.loc[0, "order_id"] = str(6_200_000_000_000 + ID_STRIDE)
    frame.to_parquet(directory / "orders.parquet", index=False)
    spec = next(s for s in stream_specs() if s.name == "orders")

    with pytest.raises(ValueError, match="order_id reaches 6201000000000"):
        landed_table(directory, spec, tenant, dt.datetime(2026, 11, 1))


def test_the_streams_are_the_demo_taps_with_their_keys():
    specs = {(s.source, s.name): s for s in stream_specs()}

    assert specs["shopify", "order_lines"].primary_keys == ("tenant_id", "order_line_id")
    assert specs["shopify", "order_lines"].replication_key == "order_updated_at"
    message = specs["calendar", "events"].schema_message
    assert (message["type"], message["key_properties"]) == (
        "SCHEMA",
        ["tenant_id", "event_date", "event_name"],
    )
    # One spec per stream the demo's datasets hold, each named once: its file is named by it.
    assert len({name for _, name in specs}) == len(specs)
    assert {source for source, _ in specs} == set(STREAMS_BY_SOURCE) - {"mercadolibre_ads"}
    assert {name for (source, name) in specs if source == "tiktok_ads"} == {
        "advertisers",
        "campaign_reports",
    }


def test_bench_tenant_settings_are_what_the_demo_tap_reads_from_the_tenant(tenants_file):
    tenant = bench_tenants("medium", tenants_file)[1]  # 100 000 x 600/2100 customers

    assert tenant.settings.customers == 28_571
    # The same settings (hence the same cached dataset) as the demo tap gets for the tenant.
    tap_config = demo_settings(tenant.tenant, cache_dir=tenants_file.parent)
    assert DemoSettings.from_tap_config(tap_config) == tenant.settings


def test_agency_is_100_stores_a_few_large_many_small_in_both_currencies_and_three_zones(
    tenants_file,
):
    tenants = bench_tenants("agency", tenants_file)

    customers = [t.settings.customers for t in tenants]
    assert len(tenants) == 100 and sum(customers) == 213_000
    assert Counter(customers) == {40_000: 2, 8_000: 8, 1_500: 30, 400: 60}
    assert customers == sorted(customers, reverse=True)  # largest first
    assert max(customers) <= dbt_bench_data.MAX_TENANT_CUSTOMERS
    assert len({t.tenant_id for t in tenants}) == 100
    assert len({t.settings.seed for t in tenants}) == 100
    # The demo tenants take turns, so every size class holds both currencies.
    for size in (40_000, 8_000, 1_500, 400):
        currencies = Counter(t.tenant.currency for t in tenants if t.settings.customers == size)
        assert currencies["CLP"] == currencies["PEN"] > 0
    # Every 4th Chilean store is in Magallanes, and the generator is given that zone.
    zones = Counter(t.settings.timezone for t in tenants)
    assert zones == {"America/Lima": 50, "America/Santiago": 38, "America/Punta_Arenas": 12}
    magallanes = [t for t in tenants if t.tenant.timezone == "America/Punta_Arenas"]
    assert magallanes[0].tenant_id == "tienda_cl_4"
    assert {(t.tenant.currency, t.tenant.country_code) for t in magallanes} == {("CLP", "CL")}


def test_agency_tenants_have_disjoint_shopify_id_ranges(tenants_file):
    tenants = bench_tenants("agency", tenants_file)

    # A tenant's ids lie in [id base + shift, id base + shift + ID_STRIDE) (_shift_ids keeps
    # them there); sorted, each range ends before the next begins.
    ranges = sorted(
        (PROFILES[t.settings.profile].id_base + t.id_shift, t.tenant_id) for t in tenants
    )
    starts = [start for start, _ in ranges]
    assert all(b - a >= ID_STRIDE for a, b in itertools.pairwise(starts))
    assert max(t.id_shift for t in tenants) == 49 * ID_STRIDE  # 50 copies of each profile


def test_more_copies_of_a_profile_than_id_ranges_are_refused(tenants_file, monkeypatch):
    # 202 tenants: 101 copies of each profile, one more than fit between two id bases.
    monkeypatch.setitem(dbt_bench_data.MIXED_SIZES, "agency", ((202, 10),))

    with pytest.raises(ValueError, match="101 tenants of profile 'cl_services': only 100"):
        bench_tenants("agency", tenants_file)


def test_a_magallanes_store_lives_an_hour_ahead_of_santiago_only_in_the_southern_winter(
    tmp_path,
):
    """The generator takes the tenant's zone, not its profile's: the same store generated in
    Santiago and in Punta Arenas draws the same local times, which are the same instants in
    the summer (both UTC-3) and an hour apart from April to August (Santiago UTC-4)."""
    created = {}
    for zone in ("America/Santiago", "America/Punta_Arenas"):
        settings = DemoSettings(
            tenant_id="store", profile="cl_services", timezone=zone, customers=30, seed=5,
            end_date=dt.date(2026, 10, 31), days=400,
        )  # fmt: skip
        orders = read_stream(load_or_generate(settings, tmp_path / zone), "orders").to_pandas()
        created[zone] = orders.set_index("order_id")["created_at"]
    santiago, magallanes = created["America/Santiago"], created["America/Punta_Arenas"]

    gap = (santiago - magallanes.reindex(santiago.index)).groupby(santiago.dt.month).agg(set)
    assert gap[6] == gap[7] == {pd.Timedelta(hours=1)}
    assert gap[12] == gap[1] == {pd.Timedelta(0)}

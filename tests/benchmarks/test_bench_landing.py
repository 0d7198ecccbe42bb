"""Which rows the platform benchmark lands through Singer, against hand-worked values. (That
the tap lands exactly these rows is checked by the benchmark itself on every run, and by its
smoke test: the Singer and bulk row counts must agree.)"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from benchmarks.bench_landing import SINGER_SAMPLE_DAYS, _keep_from, singer_sample
from benchmarks.dbt_bench_data import bench_tenants

TENANTS_YAML = """
tenants:
  - tenant_id: tienda_cl
    name: Tienda Chile
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo: {profile: cl_services, customers: 1500, seed: 42, end_date: "2026-10-31"}
    sources: {shopify: {tap: demo}, meta_ads: {tap: demo}}
  - tenant_id: tienda_pe
    name: Tienda Perú
    timezone: America/Lima
    currency: PEN
    country_code: PE
    demo: {profile: pe_services, customers: 600, seed: 7, end_date: "2026-06-30"}
    sources: {shopify: {tap: demo}}
"""


@pytest.fixture
def tenants_file(tmp_path):
    path = tmp_path / "tenants.yml"
    path.write_text(TENANTS_YAML, encoding="utf-8")
    return path


def test_small_lands_every_record_of_every_tenant(tenants_file):
    sample = singer_sample("small", bench_tenants("small", tenants_file))

    assert [t.tenant_id for t in sample.tenants] == ["tienda_cl", "tienda_pe"]
    assert sample.days is None and sample.start is None
    assert sample.describe() == "every record of tienda_cl, tienda_pe"


def test_large_lands_the_first_tenants_last_two_weeks(tenants_file):
    tenants = bench_tenants("large", tenants_file)

    sample = singer_sample("large", tenants)

    assert SINGER_SAMPLE_DAYS["large"] == 14
    # The first tenant is the first copy of the first demo tenant: its ids are not shifted,
    # so the tap (which knows nothing of copies) emits exactly the benchmark's rows.
    assert [t.tenant_id for t in sample.tenants] == ["tienda_cl"]
    assert sample.tenants[0].id_shift == 0
    # 2026-10-31 and the 13 days before it, from midnight UTC.
    assert sample.start == dt.datetime(2026, 10, 18, 0, 0)
    assert sample.describe() == ("sample: tienda_cl, records from 2026-10-18 (last 14 days)")


def test_the_sample_can_be_chosen_on_the_command_line(tenants_file):
    tenants = bench_tenants("small", tenants_file)

    assert singer_sample("small", tenants, 1).start == dt.datetime(2026, 10, 31)
    assert [t.tenant_id for t in singer_sample("large", tenants, None).tenants] == [
        "tienda_cl",
        "tienda_pe",
    ]
    with pytest.raises(ValueError, match="at least one day"):
        singer_sample("small", tenants, 0)


def test_rows_are_kept_from_the_start_as_the_tap_compares_its_start_date():
    start = dt.datetime(2026, 10, 18)
    table = pa.table(
        {
            "updated_at": pa.array(
                [
                    dt.datetime(2026, 10, 17, 23, 59, 59),
                    dt.datetime(2026, 10, 18, 0, 0, 0),  # the boundary is included
                    dt.datetime(2026, 10, 30, 12, 0, 0),
                ],
                pa.timestamp("us"),
            ),
            "date_start": pa.array(
                [dt.date(2026, 10, 17), dt.date(2026, 10, 18), dt.date(2026, 10, 19)],
                pa.date32(),
            ),
        }
    )

    assert _keep_from(table, "updated_at", start)["updated_at"].to_pylist() == [
        dt.datetime(2026, 10, 18),
        dt.datetime(2026, 10, 30, 12),
    ]
    # A date replication key (the ads and search streams) counts from its midnight.
    assert _keep_from(table, "date_start", start)["date_start"].to_pylist() == [
        dt.date(2026, 10, 18),
        dt.date(2026, 10, 19),
    ]

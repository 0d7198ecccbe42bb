"""The small demo the suite runs through the whole platform, and how one run of it is read.

`run_demo_platform` runs `cerebro run` in this process. Run as a module
(``python -m tests.support.demo_platform <folder>``), it is the builder of a `SharedBuild`:
one run into ``<folder>``, its outcome written with `write_result`, so that every pytest-xdist
worker reads the same run (tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from cerebro.cli.main import main
from cerebro.settings import Settings, load_settings
from cerebro.warehouse import Warehouse
from tests.support.shared_build import stop_with_parent, write_result

#: Three tenants (two currencies, two timezones, two store platforms), every source, a fixed end
#: date: small enough to run the platform twice in a few minutes, large enough for every mart to
#: have rows. Most demo
#: customers book once or twice a year, so it takes a year of history for the customer brain to
#: see some of them stop (the churn radar) and for its 90-day backtest to have repeat purchases:
#: 800 and 400 signups give about 890 and 370 orders. A third store runs on WooCommerce,
#: as the shipped demo's third store does: no abandoned checkouts, one attribution per order,
#: guests checking out without an account, no marketing consent. 600 signups: with fewer, a
#: paid channel brings too few customers to be valued and the plan has no customer-value
#: objective (a store's right answer, but not the pages these tests read).
DEMO_TENANTS_YAML = """
tenants:
  - tenant_id: test_cl
    name: Tienda de prueba Chile
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo:
      {profile: cl_services, customers: 800, seed: 11, end_date: "2026-10-31", history_days: 365,
       billed_in: {meta_ads: USD}}
    # Fewer posterior draws than the default 200: the tests check the tables' shape and
    # consistency here; interval coverage is measured in tests/ml_assets/mmm.
    # The demo's geo holdout on Google Ads (written with the demo data) calibrates that channel.
    mmm: {draws: 60, experiments: demo/test_cl/experiments.csv}
    sources: &all_demo
      shopify: {tap: demo}
      meta_ads: {tap: demo}
      google_ads: {tap: demo}
      tiktok_ads: {tap: demo}
      search_console: {tap: demo}
      calendar: {tap: demo}
      costs: {tap: demo}
      # The Chilean store's Meta account bills in USD (billed_in); the Peruvian store's demo
      # has no rates to land (an empty stream).
      exchange_rates: {tap: demo}
    # Activation destinations for `cerebro activate --dry-run` (the bad-input catalogue): the
    # hosts end in .invalid (never resolve) and the secrets' variables are set nowhere.
    destinations:
      klaviyo:
        settings: {base_url: "https://klaviyo.invalid"}
        secrets: {api_key: CEREBRO_TEST_KLAVIYO_KEY}
      shopify_coupons:
        settings: {base_url: "https://shopify.invalid", shop: prueba, api_version: "2026-10"}
        secrets: {access_token: CEREBRO_TEST_SHOPIFY_TOKEN}
      whatsapp:
        settings:
          base_url: "https://whatsapp.invalid"
          api_version: v23.0
          phone_number_id: "100000000000001"
          template_name: rescate_cliente
        secrets: {access_token: CEREBRO_TEST_WHATSAPP_TOKEN}
  - tenant_id: test_pe
    name: Tienda de prueba Perú
    timezone: America/Lima
    currency: PEN
    country_code: PE
    demo:
      {profile: pe_services, customers: 400, seed: 12, end_date: "2026-10-31", history_days: 365}
    mmm: {draws: 60}
    sources: *all_demo
  - tenant_id: test_woo
    name: Tienda WooCommerce de prueba
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo:
      {profile: cl_services, customers: 600, seed: 5, end_date: "2026-10-31",
       history_days: 365, store: woocommerce}
    mmm: {draws: 60}
    sources: *all_demo
"""
DEMO_TENANTS = ("test_cl", "test_pe", "test_woo")
#: The warehouse a shared build runs on, by the name of its folder (``duckdb``, ``spark``).
#: The Spark build runs dbt's models without their data tests (dbt's own switch, which
#: dagster-dbt honours): its marts are compared with DuckDB's, where every test passes, and
#: each kind of test runs on Spark once, in tests/platform/test_platform_on_spark.py
#: (decision 0057).
WAREHOUSE_ENVIRON = {
    "duckdb": {"CEREBRO_WAREHOUSE": "duckdb"},
    "spark": {"CEREBRO_WAREHOUSE": "spark", "DBT_INDIRECT_SELECTION": "empty"},
}


@dataclass
class DemoRun:
    """One `cerebro run` of the demo into one warehouse, and how to read that warehouse."""

    warehouse: Warehouse
    data_dir: Path
    exit_code: int
    output: str
    started_at: dt.datetime  # naive UTC, like the warehouse's timestamps
    finished_at: dt.datetime

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def settings(self) -> Settings:
        return self.warehouse.settings

    @property
    def kind(self) -> str:
        return self.warehouse.kind


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _settings(root: Path, tenants_file: Path, environ: dict[str, str]) -> Settings:
    return load_settings(
        {
            **os.environ,
            **environ,
            "CEREBRO_TENANTS_FILE": str(tenants_file),
            "CEREBRO_DATA_DIR": str(root / "data"),
        }
    )


def run_demo_platform(root: Path, tenants_file: Path, environ: dict[str, str]) -> DemoRun:
    """`cerebro run` through click, in this process, with ``environ`` added to the environment.

    The platform exports its settings into ``os.environ`` (for Dagster and dbt); the whole
    environment is restored afterwards so that the next run and other tests start clean.
    """
    data_dir = root / "data"
    saved = dict(os.environ)
    for name in ("CEREBRO_WAREHOUSE", "CEREBRO_DUCKDB_PATH", "CEREBRO_DATA_DIR",
                 "CEREBRO_SPARK_HOME"):  # fmt: skip
        os.environ.pop(name, None)
    os.environ.update({"DAGSTER_HOME": str(root / "dagster_home"), **environ})
    started_at = _utc_now()
    try:
        result = CliRunner().invoke(
            main, ["run", "--tenants-file", str(tenants_file), "--data-dir", str(data_dir)]
        )
        settings = _settings(root, tenants_file, {})
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return DemoRun(
        warehouse=Warehouse(settings),
        data_dir=data_dir,
        exit_code=result.exit_code,
        output=result.output + (repr(result.exception) if result.exception else ""),
        started_at=started_at,
        finished_at=_utc_now(),
    )


def read_shared_run(build_dir: Path, result: dict, root: Path, tenants_file: Path) -> DemoRun:
    """The run a shared build made in ``build_dir``, read from ``root``.

    ``root`` is ``build_dir`` itself where the run is read in place (Spark's metastore holds
    its tables' absolute paths), or a folder the run is copied to first, so that a worker
    may write to its warehouse while the other reads its own; the run's output then names the
    copy's files, as if the run had been made there.
    """
    output = result["output"]
    if root != build_dir:
        shutil.copytree(build_dir, root, ignore=shutil.ignore_patterns("*.lock", "result.json"))
        output = output.replace(str(build_dir), str(root))
    environ = WAREHOUSE_ENVIRON[result["warehouse"]]
    return DemoRun(
        warehouse=Warehouse(_settings(root, tenants_file, environ)),
        data_dir=root / "data",
        exit_code=result["exit_code"],
        output=output,
        started_at=dt.datetime.fromisoformat(result["started_at"]),
        finished_at=dt.datetime.fromisoformat(result["finished_at"]),
    )


def build(build_dir: Path) -> None:
    """One run of the demo into ``build_dir`` (named after its warehouse), outcome written."""
    tenants_file = build_dir / "tenants.yml"
    tenants_file.write_text(DEMO_TENANTS_YAML, encoding="utf-8")
    warehouse = build_dir.name
    run = run_demo_platform(build_dir, tenants_file, WAREHOUSE_ENVIRON[warehouse])
    used = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    write_result(
        build_dir,
        {
            "warehouse": warehouse,
            "exit_code": run.exit_code,
            "output": run.output,
            "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat(),
            # What the build cost, for whoever tunes the suite's time (not read by tests).
            "cpu_seconds": round(sum(u.ru_utime + u.ru_stime for u in used), 1),
        },
    )


if __name__ == "__main__":
    stop_with_parent()
    build(Path(sys.argv[1]))

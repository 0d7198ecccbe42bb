"""mart_pipeline_runs and mart_pipeline_reliability_daily on a crafted run history, built by
the real dbt project (once per warehouse for the module). Every expected value below is worked
out by hand from RUNS: a failure's time to recover runs from its end to the end of the first
success of the same job, for the same tenant or for every tenant, that ends after it."""

from __future__ import annotations

import pandas as pd
import pytest

from cerebro.serving.dashboards.spec import load_dashboards
from orchestration.run_history import COLUMNS
from tests.dbt_project.marts.crafted_dbt import (
    build_models,
    crafted_warehouse,
    warehouse_environ,
    write_tenants,
)

T = pd.Timestamp
EVERY = None  # a run over every tenant (a ranged cerebro run, daily_publish)
#: run_id, job, tenant, status, started_at, finished_at (UTC); created a minute before the start.
RUNS = [
    # Outside the dashboards' 30 days: a failure recovered an hour later.
    ("o1", "daily_tenant", "t_cl", "FAILURE", "2026-09-01 05:00", "2026-09-01 05:05"),
    ("o2", "daily_tenant", "t_cl", "SUCCESS", "2026-09-01 06:00", "2026-09-01 06:05"),
    ("r0", "daily_tenant", "t_cl", "SUCCESS", "2026-11-01 07:00", "2026-11-01 07:10"),  # 600 s
    ("r1", "daily_tenant", "t_cl", "SUCCESS", "2026-11-01 05:00", "2026-11-01 05:20"),  # 1200 s
    ("r00", "daily_tenant", "t_cl", "SUCCESS", "2026-11-01 09:00", "2026-11-01 09:50"),  # 3000 s
    # The brief's case: failed at 02:00, the tenant's next success ends at 02:45 -> 0.75 h;
    # r3, another tenant's success in between, does not recover it.
    ("r2", "daily_tenant", "t_cl", "FAILURE", "2026-11-02 01:55", "2026-11-02 02:00"),
    ("r3", "daily_tenant", "t_pe", "SUCCESS", "2026-11-02 02:10", "2026-11-02 02:20"),
    ("r4", "daily_tenant", "t_cl", "SUCCESS", "2026-11-02 02:30", "2026-11-02 02:45"),
    ("r4b", "daily_tenant", "t_cl", "SUCCESS", "2026-11-02 20:00", "2026-11-02 20:10"),  # 600 s
    # Never recovered: t_pe has no later success of daily_tenant (b2 below is t_cl's).
    ("r5", "daily_tenant", "t_pe", "FAILURE", "2026-11-03 05:00", "2026-11-03 05:06"),
    ("r6", "daily_tenant", "t_cl", "SUCCESS", "2026-11-03 05:10", "2026-11-03 05:40"),
    # An every-tenant backfill fails; t_cl's own success recovers t_cl (0.75 h), not the run.
    ("b1", "daily_tenant", EVERY, "FAILURE", "2026-11-04 03:00", "2026-11-04 03:30"),
    ("b2", "daily_tenant", "t_cl", "SUCCESS", "2026-11-04 04:00", "2026-11-04 04:15"),
    # Every-tenant platform runs: p3 recovers p1 (13:00 - 10:30 = 2.5 h); p2 was cancelled.
    ("p1", "cerebro_platform", EVERY, "FAILURE", "2026-11-02 10:00", "2026-11-02 10:30"),
    ("p2", "cerebro_platform", EVERY, "CANCELED", "2026-11-02 11:00", "2026-11-02 11:05"),
    ("p3", "cerebro_platform", EVERY, "SUCCESS", "2026-11-02 12:00", "2026-11-02 13:00"),
    # A one-tenant failure recovered by an every-tenant success: 09:36 - 08:06 = 1.5 h.
    ("p4", "cerebro_platform", "t_cl", "FAILURE", "2026-11-05 08:00", "2026-11-05 08:06"),
    ("p5", "cerebro_platform", EVERY, "SUCCESS", "2026-11-05 09:00", "2026-11-05 09:36"),
    # Still running, and queued (never started: its day is the day it was created).
    ("s1", "daily_publish", EVERY, "STARTED", "2026-11-04 06:00", None),
    ("q1", "daily_publish", EVERY, "QUEUED", None, None),
]
QUEUED_AT = T("2026-11-05 23:59")

#: mart_pipeline_runs: run_id -> hours to recover (None: no recovery), is an open incident.
EXPECTED_RUNS = {
    "o1": (1.0, False), "r2": (0.75, False), "r5": (None, True), "b1": (None, True),
    "p1": (2.5, False), "p4": (1.5, False),
}  # fmt: skip
#: mart_pipeline_reliability_daily, (tenant, job, day) ->
#: runs, successes, failures, failure_rate, median and max duration (s), mean hours to
#: recover, open incidents.
EXPECTED_DAYS = {
    ("t_cl", "daily_tenant", "2026-09-01"): (2, 1, 1, 0.5, 300, 300, 1.0, 0),
    ("t_cl", "daily_tenant", "2026-11-01"): (3, 3, 0, 0.0, 1200, 3000, None, 0),
    ("t_cl", "daily_tenant", "2026-11-02"): (3, 2, 1, 1 / 3, 750, 900, 0.75, 0),
    ("t_cl", "daily_tenant", "2026-11-03"): (1, 1, 0, 0.0, 1800, 1800, None, 0),
    ("t_cl", "daily_tenant", "2026-11-04"): (2, 1, 1, 0.5, 900, 900, 0.75, 0),
    ("t_pe", "daily_tenant", "2026-11-02"): (1, 1, 0, 0.0, 600, 600, None, 0),
    ("t_pe", "daily_tenant", "2026-11-03"): (1, 0, 1, 1.0, None, None, None, 1),
    ("t_pe", "daily_tenant", "2026-11-04"): (1, 0, 1, 1.0, None, None, None, 1),
    ("t_cl", "cerebro_platform", "2026-11-02"): (3, 1, 1, 0.5, 3600, 3600, 2.5, 0),
    ("t_pe", "cerebro_platform", "2026-11-02"): (3, 1, 1, 0.5, 3600, 3600, 2.5, 0),
    ("t_cl", "cerebro_platform", "2026-11-05"): (2, 1, 1, 0.5, 2160, 2160, 1.5, 0),
    ("t_pe", "cerebro_platform", "2026-11-05"): (1, 1, 0, 0.0, 2160, 2160, None, 0),
    ("t_cl", "daily_publish", "2026-11-04"): (1, 0, 0, None, None, None, None, 0),
    ("t_pe", "daily_publish", "2026-11-04"): (1, 0, 0, None, None, None, None, 0),
    ("t_cl", "daily_publish", "2026-11-05"): (1, 0, 0, None, None, None, None, 0),
    ("t_pe", "daily_publish", "2026-11-05"): (1, 0, 0, None, None, None, None, 0),
}  # fmt: skip
DAY_COLUMNS = ["runs", "successes", "failures", "failure_rate", "median_duration_seconds",
               "max_duration_seconds", "mean_hours_to_recover", "open_incidents"]  # fmt: skip


def run_history_frame() -> pd.DataFrame:
    """RUNS shaped as orchestration.run_history writes ops.dagster_runs."""
    rows = []
    for run_id, job, tenant, status, started, finished in RUNS:
        created = T(started) - pd.Timedelta(minutes=1) if started else QUEUED_AT
        rows.append({
            "run_id": run_id, "job_name": job, "status": status, "created_at": created,
            "started_at": T(started) if started else pd.NaT,
            "finished_at": T(finished) if finished else pd.NaT, "tenant_id": tenant,
            "partition_start_date": "2026-11-01", "partition_end_date": "2026-11-01",
        })  # fmt: skip
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("created_at", "started_at", "finished_at"):
        frame[column] = frame[column].astype("datetime64[us]")
    return frame.astype({"tenant_id": "string"})


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.slow)])
def ops_marts(request, tmp_path_factory):
    """The ops marts built once per warehouse on RUNS (about 15 s of dbt each; PostgreSQL runs
    with the slow tests); the build's seconds are printed."""
    directory = tmp_path_factory.mktemp(f"ops_marts_{request.param}")
    environ = warehouse_environ(request, request.param, directory)
    warehouse = crafted_warehouse(environ)
    write_tenants(warehouse, {"t_cl": "America/Santiago", "t_pe": "America/Lima"})
    warehouse.replace_table("ops", "dagster_runs", run_history_frame())
    seconds = build_models(environ, directory, "+path:models/marts/ops")
    print(f"dbt build of the ops marts on {request.param}: {seconds:.1f} s")
    return warehouse


def _value(value):
    return None if pd.isna(value) else float(value)


def test_time_to_recover_is_until_the_next_success_covering_the_failure(ops_marts):
    mart = ops_marts.query("select * from marts.mart_pipeline_runs").set_index("run_id")
    assert sorted(mart.index) == sorted(run[0] for run in RUNS)
    for run_id, row in mart.iterrows():
        hours, is_open = EXPECTED_RUNS.get(run_id, (None, False))
        assert _value(row["hours_to_recover"]) == pytest.approx(hours), run_id
        assert bool(row["is_open_incident"]) is is_open, run_id
    assert mart.loc["r4", "duration_seconds"] == 900
    assert pd.isna(mart.loc["r3", "recovered_at"]) and pd.isna(mart.loc["b1", "tenant_id"])
    assert str(mart.loc["r2", "partition_start_date"])[:10] == "2026-11-01"


def test_reliability_per_tenant_job_and_day_matches_the_hand_worked_days(ops_marts):
    mart = ops_marts.query("select * from marts.mart_pipeline_reliability_daily")
    mart["run_date"] = mart["run_date"].astype(str).str[:10]
    mart = mart.set_index(["tenant_id", "job_name", "run_date"])
    assert sorted(mart.index) == sorted(EXPECTED_DAYS)
    for key, expected in EXPECTED_DAYS.items():
        actual = tuple(_value(mart.loc[key, column]) for column in DAY_COLUMNS)
        assert actual == pytest.approx(expected), key
    opened = mart[mart["has_open_incident"].astype(bool)].index
    assert sorted(opened) == [("t_pe", "daily_tenant", "2026-11-03"),
                              ("t_pe", "daily_tenant", "2026-11-04")]  # fmt: skip


# The "Salud de datos" cards on the same marts: last 30 days (ending on the tenant's latest day
# with runs, 2026-11-05: o1 and o2 are out), counts added up before dividing.
#: t_cl: failures r2, b1, p1, p4; successes r0, r1, r00, r4, r4b, r6, b2, p3, p5.
T_CL_FAILURE_RATE = 4 / 13
#: t_cl's recoveries: r2 0.75 h, b1 0.75 h (by b2, for t_cl), p1 2.5 h, p4 1.5 h.
T_CL_MEAN_HOURS_TO_RECOVER = 5.5 / 4
#: day -> successes, failures, other runs (cancelled p2, running s1, queued q1), for t_cl.
T_CL_RUNS_PER_DAY = {
    "2026-11-01": (3, 0, 0), "2026-11-02": (3, 2, 1), "2026-11-03": (1, 0, 0),
    "2026-11-04": (1, 1, 1), "2026-11-05": (1, 1, 1),
}  # fmt: skip
#: (tenant, job) -> runs, failures, failure rate, mean and max hours to recover, open incidents.
PER_JOB = {
    ("t_cl", "cerebro_platform"): (5, 2, 0.5, 2.0, 2.5, 0),
    ("t_cl", "daily_publish"): (2, 0, None, None, None, 0),
    ("t_cl", "daily_tenant"): (9, 2, 2 / 9, 0.75, 0.75, 0),
    ("t_pe", "cerebro_platform"): (4, 1, 1 / 3, 2.5, 2.5, 0),
    ("t_pe", "daily_publish"): (2, 0, None, None, None, 0),
    ("t_pe", "daily_tenant"): (3, 2, 2 / 3, None, None, 2),
}  # fmt: skip


JOB_COLUMNS = ["runs", "failures", "failure_rate", "mean_hours_to_recover",
               "max_hours_to_recover", "open_incidents"]  # fmt: skip


@pytest.fixture(scope="module")
def health_page():
    return next(d for d in load_dashboards() if d.key == "salud_datos")


def _card(warehouse, page, key: str, tenant: str) -> pd.DataFrame:
    frame = page.card(key).run(warehouse, {"tenant": tenant})
    assert list(frame.columns) == list(page.card(key).columns), key
    return frame


def test_cards_show_thirty_days_of_failure_rate_and_time_to_recover(ops_marts, health_page):
    rate = _card(ops_marts, health_page, "tasa_fallas_pipeline", "t_cl")["value"]
    hours = _card(ops_marts, health_page, "tiempo_recuperacion_pipeline", "t_cl")["value"]
    assert float(rate.iloc[0]) == pytest.approx(T_CL_FAILURE_RATE)
    assert float(hours.iloc[0]) == pytest.approx(T_CL_MEAN_HOURS_TO_RECOVER)
    per_day = _card(ops_marts, health_page, "ejecuciones_por_dia", "t_cl")
    assert {
        str(row.run_date)[:10]: (row.successes, row.failures, row.other_runs)
        for row in per_day.itertuples()
    } == T_CL_RUNS_PER_DAY


def test_job_card_adds_up_each_jobs_days_per_tenant(ops_marts, health_page):
    for tenant in ("t_cl", "t_pe"):
        frame = _card(ops_marts, health_page, "confiabilidad_jobs", tenant).set_index("job_name")
        for job, row in frame.iterrows():
            actual = tuple(_value(row[column]) for column in JOB_COLUMNS)
            assert actual == pytest.approx(PER_JOB[(tenant, job)]), (tenant, job)
        assert sorted(frame.index) == sorted(job for t, job in PER_JOB if t == tenant)


def test_run_list_shows_the_tenants_runs_and_the_every_tenant_runs(ops_marts, health_page):
    frame = _card(ops_marts, health_page, "ejecuciones_pipeline", "t_pe")
    # Not t_cl's own runs: r3, r5 (t_pe) and b1, p1, p2, p3, p5, s1, q1 (every tenant).
    assert len(frame) == 9
    assert sorted(frame["scope"].value_counts().items()) == [
        ("Este cliente", 2),
        ("Todos los clientes", 7),
    ]

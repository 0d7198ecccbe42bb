"""The compose stack's Dagster instance (docker/dagster/dagster.yaml) keeps its connections to
PostgreSQL: a run's events are written over the connections each storage keeps, not one new
session per event (orchestration/pooled_postgres_storage.py, decision 0082).

Oracle: PostgreSQL's own count of the sessions opened on Dagster's database
(``pg_stat_database.sessions``) while a job of a few assets runs in process and the instance is
then closed, against the events the run wrote. dagster-postgres' default storage opens one
session per event or more.
"""

from __future__ import annotations

import shutil
import time

import dagster as dg

from cerebro.settings import PROJECT_ROOT, environment_set

DATABASE = "dagster_pool_test"
#: One kept connection per storage (runs, event log, schedules), and a few for the threads
#: that wrote at the same time.
MOST_SESSIONS = 10


@dg.asset
def first() -> int:
    return 1


@dg.asset
def second(first: int) -> int:
    return first + 1


@dg.asset
def third(second: int) -> int:
    return second + 1


def _sessions(server) -> int:
    with server.connect(autocommit=True) as connection:
        (count,) = connection.execute(
            "select sessions from pg_stat_database where datname = %s", (DATABASE,)
        ).fetchone()
    return count


def _settled_sessions(server) -> int:
    """The count once the sessions just closed have reported (a backend reports as it ends)."""
    count = _sessions(server)
    for _ in range(20):
        time.sleep(0.1)
        count, previous = _sessions(server), count
        if count == previous:
            break
    return count


def test_a_runs_events_reuse_the_storages_connections(postgres_server, tmp_path):
    with postgres_server.connect(autocommit=True) as connection:
        connection.execute(f'create database "{DATABASE}"')
    shutil.copy(PROJECT_ROOT / "docker" / "dagster" / "dagster.yaml", tmp_path / "dagster.yaml")
    variables = {
        "DAGSTER_PG_HOST": postgres_server.host,
        "DAGSTER_PG_PORT": str(postgres_server.port),
        "DAGSTER_PG_DB": DATABASE,
        "DAGSTER_PG_USER": postgres_server.user,
        "DAGSTER_PG_PASSWORD": postgres_server.password,
    }
    with environment_set(variables):
        instance = dg.DagsterInstance.from_config(str(tmp_path))
        try:
            before = _settled_sessions(postgres_server)
            result = dg.materialize([first, second, third], instance=instance)
            events = len(instance.all_logs(result.run_id))
        finally:
            instance.dispose()
    opened = _settled_sessions(postgres_server) - before

    assert result.success
    # Without the pool each event opens a session or more (74 for 34 events, measured).
    assert events > 2 * MOST_SESSIONS, events
    assert opened <= MOST_SESSIONS, f"{opened} sessions for {events} events"

"""The production rehearsal (issue 57): docker-compose.yml's stack run as processes on this
machine, the way `docker compose up` would start it, and then one night of it.

Commands, environments, volumes, healthchecks and the order of the services are read from the
compose file, the Dagster instance and workspace files from docker/dagster/ (as the Dockerfile
copies them), and PostgreSQL is initialised by docker/postgres/initdb with the stack's roles
and databases; only hosts, ports and paths are translated (tests/docker/compose_processes.py).
PostgreSQL is the suite's throwaway server; Metabase is the fake Metabase
(tests/cerebro/serving/metabase/fake_metabase.py), which here tests a database connection by
connecting to that server with its details, as Metabase does.

The stack comes up: the gRPC code server, the webserver and the daemon, the one-shot platform
run (`cerebro run`), the tenants' reader roles, and Metabase's provisioning. Then the night:
the 02:00 schedule is evaluated for a chosen tick through the webserver (the UI's "Test
schedule", evaluated by the code server) and its runs launched as the UI's "Launch all" does;
they queue in PostgreSQL, the daemon dequeues them and the code server runs them, one for the
tenants whose yesterday is the same day (decision 0078). The publish sensor, evaluated the
same way once it has finished, launches the publish run (models on the ML outputs, Metabase,
alerts, reports), and the hourly schedule one run for the tenants with Shopify. Oracles: the
runs' outcomes in Dagster's PostgreSQL storage, the partitions they carry, the warehouse's rows
per tenant, Metabase's connections logging in to the warehouse as each tenant's reader and
reading its rows only, a second apply that writes nothing, and the reports written for the
month the night closed.

Two demo stores with Shopify only and a few months of history: the rehearsal proves the
wiring, not the models (no ad spend, so no budget brain to fit).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import resource
import secrets
import time
import urllib.error
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from dagster._core.storage.tags import RUN_KEY_TAG, SENSOR_NAME_TAG

from cerebro.settings import PROJECT_ROOT, read_env_file
from orchestration.partitions import RANGE_END_TAG, RANGE_START_TAG
from tests.cerebro.serving.metabase.fake_metabase import CONNECTION_ERRORS, FakeMetabase
from tests.docker.compose_processes import (
    Machine,
    Stack,
    container_ports,
    free_port,
    initialise_postgres,
    load_compose,
    running,
)

pytestmark = pytest.mark.e2e

TENANTS_YAML = """
tenants:
  - tenant_id: casafacil_cl
    name: CasaFácil Chile
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo: {profile: cl_services, customers: 150, seed: 31, end_date: "2026-10-31",
           history_days: 120}
    sources: {shopify: {tap: demo}}
  - tenant_id: casafacil_pe
    name: CasaFácil Perú
    timezone: America/Lima
    currency: PEN
    country_code: PE
    demo: {profile: pe_services, customers: 220, seed: 32, end_date: "2026-10-31",
           history_days: 120}
    sources: {shopify: {tap: demo}}
"""
TENANTS = ("casafacil_cl", "casafacil_pe")
SANTIAGO = ZoneInfo("America/Santiago")
#: The go-live day (.env's CEREBRO_PARTITIONS_START) and the night rehearsed: the 02:00 tick
#: after the stores' last day of data, which runs that day for both (in Lima too, where 02:00
#: in Santiago is midnight).
GO_LIVE = "2026-10-01"
NIGHT = dt.datetime(2026, 11, 1, 2, 0, tzinfo=SANTIAGO)
NIGHT_DAY = "2026-10-31"
HOURLY_TICK = dt.datetime(2026, 11, 1, 9, 15, tzinfo=SANTIAGO)
#: Services the test provides: the throwaway server, the fake Metabase.
PROVIDED = ("postgres", "metabase")
ONE_SHOTS = ("platform", "tenant-readers", "metabase-provision")
LONG_RUNNING = ("user-code", "dagster-webserver", "dagster-daemon")
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}
#: The levels of the events a failed run is reported by.
FAILING = ("ERROR", "CRITICAL")


#: libpq's words for a failed connection, and the kind of Metabase's answer for each.
LIBPQ_FAILURES = {
    "password authentication failed": "password",
    "no password supplied": "no-password",
    "does not exist": "dbname",
    "Connection refused": "port",
}


class ConnectingMetabase(FakeMetabase):
    """The fake Metabase, whose connection test connects: Metabase tries a new database's
    details (and changed ones) before saving them, and a sync finds the tables its login may
    read."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        #: The marts tables each login may read, as found when its connection was tested.
        self.readable: dict[str, list[str]] = {}

    def _connection_error(self, details: dict) -> dict | None:
        try:
            with psycopg.connect(
                host=details.get("host"), port=details.get("port"), dbname=details.get("dbname"),
                user=details.get("user"), password=details.get("password") or None,
                connect_timeout=5,
            ) as connection:  # fmt: skip
                tables = connection.execute(
                    "select table_name from information_schema.tables where table_schema = "
                    "'marts' and has_table_privilege(table_schema || '.' || table_name, 'select')"
                ).fetchall()
        except psycopg.OperationalError as error:
            text = str(error)
            for needle, kind in LIBPQ_FAILURES.items():
                if needle in text:
                    return CONNECTION_ERRORS[kind]
            return {"message": text}
        self.readable[details["user"]] = sorted(name for (name,) in tables)
        return None

    def _synced(self, database_id: int) -> None:
        self.warehouse_tables = self.readable.get(
            self.databases[database_id]["details"]["user"], []
        )

    def _get_database(self, body, query, database_id):
        self._synced(database_id)
        return super()._get_database(body, query, database_id)

    def _sync_schema(self, body, query, database_id):
        self._synced(database_id)
        return super()._sync_schema(body, query, database_id)


class Webserver:
    """The Dagster webserver's GraphQL API, as the UI calls it."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/graphql"

    def query(self, text: str, **variables) -> dict:
        request = urllib.request.Request(
            self.url,
            data=json.dumps({"query": text, "variables": variables}).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                body = json.loads(answer.read())
        except urllib.error.HTTPError as error:  # GraphQL errors come with a body
            raise AssertionError(f"{error}: {error.read().decode()[:3000]}") from None
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def repository(self) -> dict:
        data = self.query(
            "{ repositoriesOrError { ... on RepositoryConnection "
            "{ nodes { name location { name } } } } }"
        )
        (repository,) = data["repositoriesOrError"]["nodes"]
        return {
            "repositoryLocationName": repository["location"]["name"],
            "repositoryName": repository["name"],
        }

    def dry_run(self, kind: str, name: str, timestamp: float | None = None) -> list[dict]:
        """The run requests of a schedule's tick (or a sensor's evaluation now), evaluated by
        the code server as the UI's "Test schedule" / "Test sensor" does."""
        selector = {**self.repository(), f"{kind}Name": name}
        # A sensor's dry run needs its cursor, even none (Dagster 1.13's mutation requires it).
        argument = ", timestamp: $timestamp" if kind == "schedule" else ", cursor: null"
        declared = ", $timestamp: Float" if kind == "schedule" else ""
        selector_type = "ScheduleSelector" if kind == "schedule" else "SensorSelector"
        data = self.query(
            f"mutation($selector: {selector_type}!{declared}) {{ {kind}DryRun("
            f"selectorData: $selector{argument}) {{ __typename "
            "... on DryRunInstigationTick { evaluationResult { skipReason "
            "error { message stack } runRequests { runKey jobName runConfigYaml "
            "tags { key value } assetSelection { path } } } } "
            "... on PythonError { message stack } } }",
            selector=selector,
            **({"timestamp": timestamp} if kind == "schedule" else {}),
        )[f"{kind}DryRun"]
        assert data["__typename"] == "DryRunInstigationTick", data
        result = data["evaluationResult"]
        assert result["error"] is None, result["error"]
        return result["runRequests"] or []

    def launch_all(self, requests: list[dict], job: str) -> list[str]:
        """Launch every request as the UI's "Launch all" does (buildExecutionParamsList)."""
        repository = self.repository()
        params = [
            {
                "runConfigData": request["runConfigYaml"],
                "selector": {
                    **repository,
                    "jobName": request["jobName"] or job,
                    "assetSelection": request["assetSelection"] or [],
                    "assetCheckSelection": [],
                },
                "mode": "default",
                "executionMetadata": {"tags": request["tags"]},
            }
            for request in requests
        ]
        data = self.query(
            "mutation($params: [ExecutionParams!]!) { launchMultipleRuns("
            "executionParamsList: $params) { __typename ... on LaunchMultipleRunsResult "
            "{ launchMultipleRunsResult { __typename ... on LaunchRunSuccess { run { runId } } "
            "... on PythonError { message } ... on RunConfigValidationInvalid { errors "
            "{ message } } } } ... on PythonError { message stack } } }",
            params=params,
        )["launchMultipleRuns"]
        results = data.get("launchMultipleRunsResult")
        assert results and all(r["__typename"] == "LaunchRunSuccess" for r in results), data
        return [result["run"]["runId"] for result in results]

    def runs(self, run_ids: list[str]) -> list[dict]:
        data = self.query(
            "query($ids: [String!]) { runsOrError(filter: {runIds: $ids}) { ... on Runs "
            "{ results { runId jobName status startTime endTime tags { key value } "
            "assetMaterializations { assetKey { path } } } } } }",
            ids=run_ids,
        )
        return data["runsOrError"]["results"]

    def run_ids_tagged(self, key: str, value: str, timeout: float = 120) -> list[str]:
        """The runs with a tag, once there is one (the daemon may be launching it)."""
        deadline = time.monotonic() + timeout
        while True:
            data = self.query(
                "query($tags: [ExecutionTag!]) { runsOrError(filter: {tags: $tags}) "
                "{ ... on Runs { results { runId } } } }",
                tags=[{"key": key, "value": value}],
            )
            run_ids = [run["runId"] for run in data["runsOrError"]["results"]]
            if run_ids or time.monotonic() > deadline:
                return run_ids
            time.sleep(1)

    def events(self, run_id: str) -> list[dict]:
        """Every event of a run. The webserver serves at most 1 000 a call
        (DAGSTER_UI_EVENT_LOAD_CHUNK_SIZE) and a tenant's night has more, its dbt step's
        failure among the last: pages are read until there are no more."""
        events: list[dict] = []
        cursor = None
        while True:
            page = self.query(
                "query($id: ID!, $cursor: String) { logsForRun(runId: $id, afterCursor: "
                "$cursor) { ... on EventConnection { cursor hasMore events { __typename "
                "... on MessageEvent { message level stepKey } "
                "... on ExecutionStepFailureEvent { error { message cause { message } } } "
                "} } } }",
                id=run_id,
                cursor=cursor,
            )["logsForRun"]
            events += page["events"]
            if not page["hasMore"] or page["cursor"] == cursor:
                return events
            cursor = page["cursor"]

    def wait(self, run_ids: list[str], timeout: float, stack: Stack) -> list[dict]:
        """The runs once every one has finished; a failed one fails the test with its errors."""
        deadline = time.monotonic() + timeout
        while True:
            runs = self.runs(run_ids)
            if len(runs) == len(run_ids) and all(r["status"] in FINISHED for r in runs):
                break
            stack.check()  # a service that died is an error now
            assert time.monotonic() < deadline, f"runs not finished: {runs}"
            time.sleep(2)
        for run in runs:
            if run["status"] != "SUCCESS":
                # CI shows the head and the last lines of a failure: the run's error events,
                # one line each, go last.
                events = self.events(run["runId"])
                errors = [_one_line(e) for e in events if e.get("level") in FAILING]
                pytest.fail(
                    f"{run['jobName']} {run['runId']}: {run['status']}\n"
                    + "\n".join(_code_server_errors(stack, run["runId"]) + errors)
                )
        return runs


def _one_line(event: dict) -> str:
    """An error event as one line: its message, or its error's and that error's cause."""
    error = event.get("error") or {}
    parts = [error.get("message") or event["message"]]
    if (error.get("cause") or {}).get("message"):
        parts.append(f"cause: {error['cause']['message']}")
    text = " | ".join(parts)
    return f"{event.get('stepKey')}: {' '.join(text.split())[:700]}"


def _code_server_errors(stack: Stack, run_id: str) -> list[str]:
    """The last of what the code server logged at warning level or worse for the run, and of
    its other error lines (a crashed worker's traceback is not a Dagster event)."""
    log = stack.processes["user-code"].log
    dagster_warning = re.compile(r" - dagster - (WARNING|ERROR|CRITICAL) - ")
    other_error = re.compile(r"\b(Traceback|Error|ERROR|CRITICAL|Failure)\b")
    kept = [
        line
        for line in log.read_text(errors="replace").splitlines()
        if (run_id in line and dagster_warning.search(line))
        or (" - dagster - " not in line and other_error.search(line))
    ]
    return [f"{log.name}: {line[:300]}" for line in kept[-12:]]


def _tags(run: dict) -> dict[str, str]:
    return {tag["key"]: tag["value"] for tag in run["tags"]}


def _variables(tmp_path: Path) -> dict[str, str]:
    """.env as an operator writes it from .env.example: every password chosen (with the
    characters URLs and connection strings treat specially), the tenants file and the
    tenants' secrets file, the go-live day."""
    example = read_env_file(PROJECT_ROOT / ".env.example")
    variables = {
        name: f"{secrets.token_hex(8)}@:/?#%&ñ" if "PASSWORD" in name else value
        for name, value in example.items()
    }
    tenants = tmp_path / "tenants.yml"
    tenants.write_text(TENANTS_YAML, encoding="utf-8")
    tenant_secrets = tmp_path / "tenant-secrets.env"
    tenant_secrets.write_text("# the demo tap needs no credential\n", encoding="utf-8")
    return {
        **variables,
        "CEREBRO_TENANTS_YML": str(tenants),
        "CEREBRO_TENANT_SECRETS": str(tenant_secrets),
        "CEREBRO_PARTITIONS_START": GO_LIVE,
    }


def _server_cpu_seconds(server) -> float:
    """CPU used so far by the PostgreSQL server: the postmaster and the backends it reaped
    (0 where its files cannot be read: the figure is printed, not checked)."""
    try:
        stat = Path(f"/proc/{server.postmaster_pid()}/stat").read_text()
    except (OSError, TypeError):
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # utime, stime, cutime, cstime: fields 14-17
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _sessions_by_database(server) -> dict[str, int]:
    """Sessions opened on the stack's databases, which the rehearsal creates (printed, not
    checked: each one costs the server a process start)."""
    with server.connect(autocommit=True) as connection:
        rows = connection.execute(
            "select datname, sessions from pg_stat_database "
            "where datname in ('cerebro', 'dagster', 'metabase')"
        ).fetchall()
    return dict(rows)


def _machine(server, fake: FakeMetabase, root: Path, variables: dict[str, str]) -> Machine:
    """The compose file read with ``variables`` (the .env), each container port given one of
    this machine (PostgreSQL's the server's, Metabase's the fake's), the containers' files
    under ``root``, and the server initialised by the stack's init scripts."""
    services = load_compose(variables)
    provided = {"postgres": server.port, "metabase": int(fake.url.rsplit(":", 1)[1])}
    ports = {
        (name, port): provided.get(name) or free_port()
        for name, service in services.items()
        for port in container_ports(service)
    }
    machine = Machine(root, services, ports)
    machine.prepare_root()
    created = initialise_postgres(machine, server)
    assert {"cerebro", "dagster", "metabase"} <= set(created)
    return machine


def _launch_and_wait(webserver: Webserver, stack: Stack, requests: list[dict], job: str):
    runs = webserver.wait(webserver.launch_all(requests, job), 900, stack)
    stack.note(f"{job}: {len(runs)} run(s) finished")
    return runs


def test_the_compose_stack_as_processes_runs_a_night_for_two_tenants(postgres_server, tmp_path):
    started, cpu_before = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu_before = _server_cpu_seconds(postgres_server)
    fake = ConnectingMetabase(search_lag=50).start()
    root = tmp_path / "containers"
    machine = _machine(postgres_server, fake, root, _variables(tmp_path))
    (tmp_path / "logs").mkdir()
    (tmp_path / "home").mkdir()
    machine.build_image(tmp_path / "home")  # its code, and the manifest its build step parses
    stack = Stack(machine, list(machine.services), list(PROVIDED), tmp_path / "logs",
                  tmp_path / "home")  # fmt: skip
    (ui_port,) = container_ports(machine.services["dagster-webserver"])
    webserver = Webserver(machine.port("dagster-webserver", ui_port))
    try:
        with running(stack):
            stack.up(
                timeout=1200,
                until=lambda: (
                    all(stack.completed(name) for name in ONE_SHOTS)
                    and all(stack.is_healthy(name) for name in LONG_RUNNING)
                ),
            )
            stack.note("stack up")
            provisioning_calls, provisioned = len(fake.calls), len(fake.live(fake.dashboards))
            fake.reset_calls()

            # The night: the 02:00 tick, one run for both tenants, whose yesterday (Santiago's
            # and Lima's) is the same day.
            requests = webserver.dry_run(
                "schedule", "daily_tenant_schedule", NIGHT.timestamp() - 60
            )
            (night_tags,) = [_tags(r) for r in requests]
            assert [night_tags[RANGE_START_TAG], night_tags[RANGE_END_TAG]] == [
                f"{NIGHT_DAY}|{tenant}" for tenant in TENANTS
            ]
            tenant_runs = _launch_and_wait(webserver, stack, requests, "daily_tenant")
            # A failed run is reported from its events, read past the webserver's page of
            # 1 000: a tenant's night has more, the run's end among the last.
            night_events = webserver.events(tenant_runs[0]["runId"])
            stack.note(f"daily_tenant: {len(night_events)} events in the first run")
            assert "RunSuccessEvent" in {event["__typename"] for event in night_events}

            # Once both have finished, the publish sensor asks for the publish run. Launched
            # with the two tags the daemon gives a sensor's run, so that the daemon's own
            # evaluation of the sensor (every two minutes) takes it for this run key's.
            publish_requests = webserver.dry_run("sensor", "daily_publish_sensor")
            if publish_requests:
                (publish_request,) = publish_requests
                publish_request["tags"] += [
                    {"key": SENSOR_NAME_TAG, "value": "daily_publish_sensor"},
                    {"key": RUN_KEY_TAG, "value": publish_request["runKey"]},
                ]
                (publish_run,) = _launch_and_wait(
                    webserver, stack, [publish_request], "daily_publish"
                )
            else:
                # The daemon's own evaluation came first (the night can end just before one):
                # its run key used, the sensor asks for nothing more. The publish run is the
                # daemon's (a CI run met this once, the daemon's tick a second before the test's).
                daemons = webserver.run_ids_tagged(SENSOR_NAME_TAG, "daily_publish_sensor")
                (publish_run,) = webserver.wait(daemons, 900, stack)
                stack.note("daily_publish: the daemon's run finished")
            publish_calls = list(fake.calls)

            # The next morning's hourly tick: one run for the tenants with Shopify.
            requests = webserver.dry_run(
                "schedule", "hourly_operations_schedule", HOURLY_TICK.timestamp() - 60
            )
            hourly_runs = _launch_and_wait(webserver, stack, requests, "hourly_operations")
            runs = [*tenant_runs, publish_run, *hourly_runs]
            events = {run["runId"]: webserver.events(run["runId"]) for run in runs}
    finally:
        fake.stop()
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = sum(getattr(cpu_after, f) - getattr(cpu_before, f) for f in ("ru_utime", "ru_stime"))
        server_cpu = _server_cpu_seconds(postgres_server) - server_cpu_before
        print(
            f"\nrehearsal: {time.monotonic() - started:.0f} s wall; CPU {cpu:.0f} s in its "
            f"processes, {server_cpu:.0f} s in PostgreSQL"
        )
        print("  sessions by database:", _sessions_by_database(postgres_server))
        print("\n".join(f"  {at:7.1f} s  {event}" for at, event in stack.timeline))
        print(
            "  CPU by service (s):",
            {n: p.cpu_seconds and round(p.cpu_seconds) for n, p in stack.processes.items()},
        )

    # Every run was queued by the webserver, taken from the queue by the daemon (which alone
    # reports a queued run starting) and run in a process of the code server; all of it is
    # in Dagster's PostgreSQL storage.
    for run in runs:
        kinds = [event["__typename"] for event in events[run["runId"]]]
        assert kinds.index("RunEnqueuedEvent") < kinds.index("RunStartingEvent"), kinds
        messages = [event.get("message") or "" for event in events[run["runId"]]]
        assert any(m.startswith("Started process for run (pid: ") for m in messages), messages
    with postgres_server.connect("dagster") as connection:
        stored = dict(connection.execute("select run_id, status from runs").fetchall())
    assert {run["runId"]: "SUCCESS" for run in runs}.items() <= stored.items()

    (hourly_tags,) = [_tags(run) for run in hourly_runs]  # one run for both tenants' today
    assert [hourly_tags[RANGE_START_TAG], hourly_tags[RANGE_END_TAG]] == [
        f"{HOURLY_TICK.date()}|{tenant}" for tenant in TENANTS
    ]
    assert all(_tags(run)["cerebro/cadence"] == "hourly" for run in hourly_runs)
    published = {"/".join(m["assetKey"]["path"]) for m in publish_run["assetMaterializations"]}
    assert {"metabase_dashboards", "alert_notifications", "scheduled_reports"} <= published

    # The publish run's reports cover the month the night closed.
    reports = root / "opt" / "cerebro" / "data" / "reports"
    for tenant in TENANTS:
        assert (reports / tenant / "monthly_2026-10-01.html").exists(), sorted(reports.rglob("*"))

    # Each tenant's Metabase database logs in as that tenant's reader and reads its rows only.
    databases = {d["name"]: d["details"] for d in fake.databases.values()}
    for tenant in TENANTS:
        details = databases[f"Cerebro · {tenant}"]
        assert (details["host"], int(details["port"]), details["dbname"]) == (
            "127.0.0.1", postgres_server.port, "cerebro",
        )  # fmt: skip
        with psycopg.connect(
            host=details["host"], port=details["port"], dbname=details["dbname"],
            user=details["user"], password=details["password"],
        ) as connection:  # fmt: skip
            rows = connection.execute(
                "select tenant_id, count(*) from marts.fct_orders group by 1"
            ).fetchall()
        assert [tenant] == [tenant_id for tenant_id, count in rows if count > 0], rows

    # The publish run's apply, right after the provisioning service's (Metabase's search index
    # still behind): nothing to write, and the dashboards it found are those provisioned.
    writes = [
        (method, path)
        for method, path in publish_calls
        if method in {"POST", "PUT", "DELETE"} and not re.fullmatch(r"/api/card/\d+/query", path)
    ]
    assert writes == []
    assert len(fake.live(fake.dashboards)) == provisioned > 0
    print(f"  Metabase requests: {provisioning_calls} in the first apply, {len(publish_calls)} in "
          "the publish run (its apply and card checks)")  # fmt: skip

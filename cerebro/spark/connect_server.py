"""Spark reached the way a cluster is reached: through a Spark Connect server.

With ``CEREBRO_SPARK_REMOTE=sc://host:port`` every dbt command on Spark opens a Connect
session on that server (dbt-spark's session method does when pyspark finds ``SPARK_REMOTE``).
With ``CEREBRO_SPARK_REMOTE=local`` a command starts such a server on this machine for its own
duration (`reach_spark`): one Java process for all of its dbt steps, the route a cluster takes,
tried on one machine. Unset, Spark runs inside each dbt process: the simpler route on one
machine, and on the suite's demo no slower (decision 0049).

The local server is the same Spark as the profile's ``spark`` target: its settings (master,
warehouse folder, metastore, memory, session options) are read from dbt_project/profiles.yml,
their one home, and given to ``spark-submit`` as they would be to an in-process session.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import jinja2
import yaml

from cerebro.settings import DBT_PROJECT_DIR, LOCAL_SPARK_REMOTE, Settings, environment_set
from cerebro.warehouse import SparkBuildError, check_spark_installed

CONNECT_SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
#: How long a starting server may take to listen (a cold JVM on a busy 2-core machine: ~20 s).
START_TIMEOUT_SECONDS = 180
STOP_TIMEOUT_SECONDS = 60


def local_server_conf(environ: Mapping[str, str]) -> dict[str, str]:
    """The ``spark`` target's Spark settings, rendered with ``environ`` as dbt would, and
    Hive's catalogue (what the session method's ``enableHiveSupport`` asks for)."""
    profiles = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    parameters = profiles["cerebro"]["outputs"]["spark"]["server_side_parameters"]

    def env_var(name: str, default: str | None = None) -> str:
        if name in environ:
            return environ[name]
        if default is None:
            raise SparkBuildError(f"profiles.yml's spark target needs {name}, which is not set")
        return default

    render = jinja2.Environment(undefined=jinja2.StrictUndefined)
    conf = {
        name: render.from_string(str(value)).render(env_var=env_var)
        for name, value in parameters.items()
    }
    return {**conf, "spark.sql.catalogImplementation": "hive"}


def _spark_submit() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-submit"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def local_connect_server(settings: Settings, log: Path) -> Iterator[str]:
    """A Spark Connect server on this machine, listening on the loopback interface only, for
    the duration of the block; yields its address. Its output goes to ``log``."""
    check_spark_installed()
    port = _free_port()
    conf = {
        **local_server_conf({**os.environ, **settings.dbt_env()}),
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
        # Spark's INFO lines are ~30 MB for one demo run (a few per statement); its warnings
        # and errors are what a reader of the log needs.
        "spark.log.level": "WARN",
    }
    command = [str(_spark_submit()), "--class", CONNECT_SERVER_CLASS, "--name", "cerebro"]
    for name, value in conf.items():
        command += ["--conf", f"{name}={value}"]
    settings.spark_home.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        server = subprocess.Popen(
            command, cwd=settings.spark_home, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "SPARK_HOME": str(_spark_submit().parents[1])},
            start_new_session=True,  # its own process group: stopped whole, never orphaned
        )  # fmt: skip
    try:
        _wait_listening(server, port, log)
        yield f"sc://127.0.0.1:{port}"
    finally:
        _stop(server)


def _wait_listening(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not _listening(port):
        if server.poll() is not None:
            raise SparkBuildError(
                f"the local Spark Connect server stopped while starting: {_last_error(log)} "
                f"(log: {log})"
            )
        if time.monotonic() > deadline:
            raise SparkBuildError(
                f"the local Spark Connect server did not listen within {START_TIMEOUT_SECONDS} s "
                f"(log: {log})"
            )
        time.sleep(0.25)


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM, which Spark's shutdown hook answers by closing the metastore and the context;
    then SIGKILL if it hangs."""
    if server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, 15)
    try:
        server.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, 9)
        server.wait()


#: A line that says what went wrong: Spark's log4j errors, Java's exceptions, the JVM's refusals.
_ERROR_LINE = re.compile(r"\bERROR\b|Exception\b|^Error: |^Invalid ")
#: The JVM's words after its real reason (which comes first).
_JVM_EPILOGUE = ("Error: Could not create the Java Virtual Machine", "Error: A fatal exception")


def _last_error(log: Path) -> str:
    """The first error line of the server's last start in ``log``."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    start = max((i for i, line in enumerate(lines) if line.startswith("$ ")), default=-1)
    lines = [line.strip() for line in lines[start + 1 :] if line.strip()]
    errors = [
        line for line in lines if _ERROR_LINE.search(line) and not line.startswith(_JVM_EPILOGUE)
    ]
    return (errors or lines or ["no output"])[0][:300]


@contextlib.contextmanager
def reach_spark(settings: Settings) -> Iterator[Settings]:
    """Where the settings ask for a Spark Connect server on this machine (``local``), the
    block's dbt commands on Spark go through one started here for the block: yields the
    settings that name its address, and puts their dbt environment in this process's for the
    block (dbt's subprocesses inherit it). Otherwise (another warehouse, a named server, Spark
    inside dbt) the settings unchanged, nothing started."""
    if settings.warehouse != "spark" or settings.spark_remote != LOCAL_SPARK_REMOTE:
        yield settings
        return
    log = settings.logs_dir / "spark-connect-server.log"
    with local_connect_server(settings, log) as remote:
        reached = dataclasses.replace(settings, spark_remote=remote)
        with environment_set(reached.dbt_env()):
            yield reached

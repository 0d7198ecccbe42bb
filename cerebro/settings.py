"""Where things live and which warehouse is used, from environment variables.

Every setting has a default that works from a fresh clone, so the demo needs
no configuration at all; production sets the variables (docs/configuration.md).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
WAREHOUSE_KINDS = ("duckdb", "postgres", "spark")


class SettingsError(ValueError):
    """An environment variable holds a value Cerebro cannot use; the message names it."""


@dataclass(frozen=True)
class PostgresSettings:
    host: str = "localhost"
    port: int = 5432
    user: str = "cerebro"
    database: str = "cerebro"
    # The password stays in the environment; only its variable name is kept here.
    password_env_var: str = "CEREBRO_PG_PASSWORD"

    @property
    def password(self) -> str:
        return os.environ.get(self.password_env_var, "")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    tenants_file: Path
    warehouse: str = "duckdb"
    duckdb_path: Path = field(default=Path())
    postgres: PostgresSettings = field(default_factory=PostgresSettings)
    #: Spark's metastore, table folders and Parquet landing (warehouse ``spark``).
    spark_home: Path = field(default=Path())
    #: The Spark Connect server (``sc://host:port``) dbt reaches on Spark; ``local``: each
    #: command that runs dbt on Spark starts one on this machine
    #: (cerebro/spark/connect_server.py); empty: Spark runs inside each dbt process.
    spark_remote: str = ""

    def __post_init__(self) -> None:
        if self.warehouse not in WAREHOUSE_KINDS:
            raise SettingsError(
                f"CEREBRO_WAREHOUSE={self.warehouse!r} is not a warehouse Cerebro supports: "
                f"set it to {', '.join(WAREHOUSE_KINDS)} (or unset it for duckdb)"
            )

    @property
    def serves_from_duckdb(self) -> bool:
        """Whether Cerebro's Python side reads and writes a DuckDB file: the embedded
        warehouse itself, or, on Spark, the file that lands the sources and serves Spark's
        marts (decision 0040)."""
        return self.warehouse in ("duckdb", "spark")

    @property
    def state_dir(self) -> Path:
        return self.data_dir / "state"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def demo_dir(self) -> Path:
        return self.data_dir / "demo"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    def check_data_dir_writable(self) -> None:
        """Refuse a data folder this process cannot write in (state, logs, the warehouse and
        Dagster's runs live there), before a command's work, with one line saying what to do."""
        from cerebro.output_files import OutputPathError, check_writable_folder

        try:
            check_writable_folder(
                self.data_dir,
                what="the data folder",
                fix="make it writable for this user, or point CEREBRO_DATA_DIR (--data-dir) at "
                "another folder",
            )
        except OutputPathError as error:
            raise SettingsError(str(error)) from None

    def dbt_env(self) -> dict[str, str]:
        """Environment variables read by dbt_project/profiles.yml (and libpq, for PostgreSQL).

        The password is not among them: profiles.yml reads ``CEREBRO_PG_PASSWORD``, which is
        already in the environment dbt inherits, so it is never copied anywhere.
        """
        env = {
            "CEREBRO_WAREHOUSE": self.warehouse,
            "CEREBRO_DUCKDB_PATH": str(self.duckdb_path),
            "CEREBRO_PG_HOST": self.postgres.host,
            "CEREBRO_PG_PORT": str(self.postgres.port),
            "CEREBRO_PG_USER": self.postgres.user,
            "CEREBRO_PG_DATABASE": self.postgres.database,
            "CEREBRO_SPARK_HOME": str(self.spark_home),
        }
        if self.warehouse == "spark" and self.spark_remote.startswith(SPARK_CONNECT_SCHEME):
            env.update(spark_connect_env(self.spark_remote))
        if self.warehouse == "postgres":
            # dbt-postgres has no profile setting for session options; libpq reads PGTZ.
            # UTC sessions, as in the DuckDB profile (see cerebro/warehouse.py).
            env["PGTZ"] = "UTC"
        return env


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Settings from ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    data_dir = _path(env, "CEREBRO_DATA_DIR", PROJECT_ROOT / "data").resolve()
    return Settings(
        data_dir=data_dir,
        tenants_file=_path(env, "CEREBRO_TENANTS_FILE", PROJECT_ROOT / "cerebro" / "tenants.yml"),
        warehouse=env.get("CEREBRO_WAREHOUSE", "duckdb"),
        duckdb_path=_path(env, "CEREBRO_DUCKDB_PATH", data_dir / "cerebro.duckdb").resolve(),
        spark_home=_path(env, "CEREBRO_SPARK_HOME", data_dir / "spark").resolve(),
        spark_remote=_spark_remote(env.get(SPARK_REMOTE_ENV, "")),
        postgres=PostgresSettings(
            host=env.get("CEREBRO_PG_HOST", "localhost"),
            port=_port(env.get("CEREBRO_PG_PORT", "5432")),
            user=env.get("CEREBRO_PG_USER", "cerebro"),
            database=env.get("CEREBRO_PG_DATABASE", "cerebro"),
        ),
    )


#: The Spark Connect server dbt reaches on Spark (``sc://host:port``, or ``local``).
SPARK_REMOTE_ENV = "CEREBRO_SPARK_REMOTE"
SPARK_CONNECT_SCHEME = "sc://"
#: CEREBRO_SPARK_REMOTE's value for a server this machine starts for each command.
LOCAL_SPARK_REMOTE = "local"
#: profiles.yml's target for dbt on a Spark Connect server.
SPARK_CONNECT_TARGET = "spark_connect"


def spark_connect_env(remote: str) -> dict[str, str]:
    """What dbt needs to run through the Spark Connect server at ``remote``: pyspark's own
    variable (dbt-spark's session method then opens a Connect session instead of starting
    Spark in its process) and the profile's target without the in-process Spark's settings,
    which a Connect client may not set (the server holds them)."""
    return {
        SPARK_REMOTE_ENV: remote,
        "SPARK_REMOTE": remote,
        "CEREBRO_DBT_TARGET": SPARK_CONNECT_TARGET,
        # dbt-spark asks every session for Hive's catalogue, a setting of the server: pyspark
        # warns on each of dbt's statements that a Connect client cannot change it.
        "PYTHONWARNINGS": "ignore:Failed to set spark.sql.catalogImplementation",
    }


def _spark_remote(value: str) -> str:
    value = value.strip()
    if value and value != LOCAL_SPARK_REMOTE and not value.startswith(SPARK_CONNECT_SCHEME):
        raise SettingsError(
            f"{SPARK_REMOTE_ENV}={value!r} is not a Spark Connect address: write it "
            f"sc://host:port, or {LOCAL_SPARK_REMOTE} to start a server on this machine "
            "(or unset it to run Spark inside dbt)"
        )
    return value


def settings_with(tenants_file: Path | None = None, data_dir: Path | None = None) -> Settings:
    """Settings from the environment, with a command line's ``--tenants-file`` and
    ``--data-dir`` put first (a data dir given there also moves the DuckDB file and Spark's
    home into it)."""
    environ = dict(os.environ)
    if tenants_file:
        environ["CEREBRO_TENANTS_FILE"] = str(tenants_file)
    if data_dir:
        environ["CEREBRO_DATA_DIR"] = str(data_dir)
        environ.pop("CEREBRO_DUCKDB_PATH", None)
        environ.pop("CEREBRO_SPARK_HOME", None)
    return load_settings(environ)


def _path(env: Mapping[str, str], variable: str, default: Path) -> Path:
    """A path setting; set but empty (``CEREBRO_DATA_DIR=`` in an env file) is refused, not read
    as the current folder, where a data folder would quietly be written."""
    value = env.get(variable)
    if value is None:
        return Path(default)
    if not value.strip():
        raise SettingsError(f"{variable} is set but empty: give a path, or unset it for {default}")
    return Path(value)


def _port(value: str) -> int:
    return port_number(value, "CEREBRO_PG_PORT", "PostgreSQL's is 5432")


def port_number(value: str, variable: str, usual: str) -> int:
    """``value`` of the environment variable ``variable`` as a TCP port; anything else is one
    line naming the variable, the range and ``usual`` (the service's common port)."""
    port = int(value) if value.strip().isdigit() else 0
    if not 1 <= port <= 65535:
        raise SettingsError(f"{variable}={value!r} is not a port number (1 to 65535; {usual})")
    return port


#: A directory of executables that stand in for the console scripts of the same name (the
#: taps, the target, dbt): the fault-injection suite (tests/platform/faults) puts there wrappers
#: that kill the real program at planned points. The one seam for faults; unset outside those
#: tests.
EXECUTABLE_SHIMS_ENV = "CEREBRO_EXECUTABLE_SHIMS"


def read_env_file(path: Path) -> dict[str, str]:
    """An env file's ``NAME=value`` lines (blank lines and ``#`` comments skipped); an absent
    file is empty. A line without ``=`` is one line naming the file and the line."""
    if not path.exists():
        return {}
    values = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, equals, value = text.partition("=")
        if not equals:
            raise SettingsError(f"{path}:{number}: not a NAME=value line")
        values[name.strip()] = value.strip()
    return values


def put_scripts_on_path() -> None:
    """The environment's scripts (dbt, the taps, the target) first on PATH, so that they
    are found even when the virtualenv is not activated (`.venv/bin/dagster dev`)."""
    scripts = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != scripts:
        os.environ["PATH"] = os.pathsep.join([scripts, os.environ.get("PATH", "")])


def console_script(name: str) -> str:
    """A console script of this environment, found even when the venv is not activated."""
    shims = os.environ.get(EXECUTABLE_SHIMS_ENV)
    if shims and (Path(shims) / name).is_file():
        return str(Path(shims) / name)
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed; run `make setup`")
    return found


@contextlib.contextmanager
def environment_set(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of the block, then put back what was there
    (a variable that was unset is unset again): for a subprocess or an in-process dbt that
    reads them while it starts, without leaking them into what runs next in this process."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

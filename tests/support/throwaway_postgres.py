"""A throwaway PostgreSQL 15 server in a private temporary directory, for tests and benchmarks.

Not used by the platform itself, so it lives with the tests and is not in the image: the test
suite (tests/conftest.py) and the benchmarks (benchmarks/dbt_incremental_benchmark.py,
benchmarks/platform_benchmark.py) start one with ``throwaway_postgres()``, importing it as
``tests.support.throwaway_postgres`` (the repository root is on the path of the editable install).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: Where Debian/Ubuntu's postgresql-15 package puts the server binaries; CI has them too.
PG_BINDIR = Path(os.environ.get("CEREBRO_TEST_PG_BINDIR", "/usr/lib/postgresql/15/bin"))
#: initdb and pg_ctl refuse to run as root; sessions and CI run as root, so the server runs
#: as this system user (created by the postgresql package).
PG_SYSTEM_USER = "postgres"
#: Deliberately not UTC: timestamps must land and transform the same whatever the server's
#: (or a session's) TimeZone is, as on a production server set to local time.
PG_SERVER_TIMEZONE = "America/Santiago"


@dataclass(frozen=True)
class PostgresServer:
    """A running throwaway server: connection settings and a way to get a fresh database."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    # The maintenance database; callers make their own with create_database().
    dbname: str = "postgres"
    #: The server's data directory (pg_ctl -D), e.g. to find its processes.
    data_directory: Path | None = None

    def connect(self, dbname: str | None = None, **kwargs):
        import psycopg

        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=dbname or self.dbname,
            **kwargs,
        )

    def create_database(self, prefix: str = "test") -> str:
        """Create an empty database with a name no other caller uses, and return the name."""
        name = f"{prefix}_{secrets.token_hex(4)}"
        with self.connect(autocommit=True) as connection:
            connection.execute(f'create database "{name}"')
        return name

    def cerebro_environ(self, database: str) -> dict[str, str]:
        """The environment that points `cerebro` (and dbt, and the target) at ``database``."""
        return {
            "CEREBRO_WAREHOUSE": "postgres",
            "CEREBRO_PG_HOST": self.host,
            "CEREBRO_PG_PORT": str(self.port),
            "CEREBRO_PG_USER": self.user,
            "CEREBRO_PG_DATABASE": database,
            "CEREBRO_PG_PASSWORD": self.password,
        }

    def postmaster_pid(self) -> int | None:
        """The server's main process id (first line of postmaster.pid), if it is running."""
        if self.data_directory is None:
            return None
        pid_file = self.data_directory / "postmaster.pid"
        if not pid_file.exists():
            return None
        return int(pid_file.read_text().splitlines()[0])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user() -> list[str]:
    """Command prefix that runs PostgreSQL's tools as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("running as root, but runuser is missing: cannot start PostgreSQL")
    return [runuser, "-u", PG_SYSTEM_USER, "--"]


def _give_to_server_user(path: Path) -> None:
    if os.geteuid() == 0:
        account = pwd.getpwnam(PG_SYSTEM_USER)
        os.chown(path, account.pw_uid, account.pw_gid)


def _run_pg_tool(command: list[str], cwd: Path) -> None:
    """Run initdb/pg_ctl; on failure the error carries their output."""
    done = subprocess.run(
        [*_as_server_user(), *command],
        cwd=cwd,  # the server user cannot read the caller's working directory
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def _start(
    directory: Path, data: Path, log: Path, extra: Mapping[str, str], *, attempts: int = 3
) -> int:
    """Start the server on a free port, retrying when another process took the port first."""
    for attempt in range(1, attempts + 1):
        port = _free_port()
        settings = [
            "-c listen_addresses=127.0.0.1",
            f"-c port={port}",
            f"-c unix_socket_directories={directory}",
            f"-c timezone={PG_SERVER_TIMEZONE}",
            # A throwaway server: durability buys nothing and costs seconds.
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
            *(f"-c {name}={value}" for name, value in extra.items()),
        ]
        try:
            _run_pg_tool(
                [str(PG_BINDIR / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(data),
                 "-l", str(log), "-o", " ".join(settings)],
                cwd=directory,
            )  # fmt: skip
            return port
        except RuntimeError as error:
            server_log = log.read_text(errors="replace") if log.exists() else ""
            if attempt == attempts or "could not bind" not in server_log:
                raise RuntimeError(f"{error}\nserver log:\n{server_log}") from None
    raise AssertionError("unreachable")


@contextlib.contextmanager
def throwaway_postgres(settings: Mapping[str, str] | None = None) -> Iterator[PostgresServer]:
    """initdb + pg_ctl start in a private temporary directory; stopped and removed on exit.

    The superuser authenticates with a random password over TCP (scram-sha-256), so a
    component that forgets to pass the password fails here as it would in production.
    ``settings`` adds server settings (``{"work_mem": "64MB"}``) to the defaults above.
    """
    if not (PG_BINDIR / "initdb").exists():
        raise FileNotFoundError(
            f"PostgreSQL server binaries not found in {PG_BINDIR} "
            "(install postgresql-15 or set CEREBRO_TEST_PG_BINDIR)"
        )
    for name, value in (settings or {}).items():
        if not name.replace("_", "").isalnum() or not str(value).replace(".", "").isalnum():
            raise ValueError(f"not a plain PostgreSQL setting: {name}={value!r}")
    directory = Path(tempfile.mkdtemp(prefix="cerebro-pg-"))
    # Characters that URLs, libpq connection strings and YAML treat specially, so that a
    # component that forgets to escape the password fails here rather than in production.
    user, password = "cerebro_test", f"{secrets.token_hex(6)}@:/?#%&' ñ{secrets.token_hex(6)}"
    data, log = directory / "data", directory / "server.log"
    try:
        password_file = directory / "pwfile"
        password_file.write_text(password)  # inside mkdtemp's 0700 directory
        for path in (directory, password_file):
            _give_to_server_user(path)
        _run_pg_tool(
            [str(PG_BINDIR / "initdb"), "-D", str(data), "-U", user, f"--pwfile={password_file}",
             "--auth-host=scram-sha-256", "--auth-local=scram-sha-256",
             "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
            cwd=directory,
        )  # fmt: skip
        password_file.unlink()
        port = _start(directory, data, log, settings or {})
        yield PostgresServer("127.0.0.1", port, user, password, data_directory=data)
    finally:
        # Also after a failed or timed-out start, which can leave a postmaster behind.
        if (data / "postmaster.pid").exists():
            # `immediate`: the data is thrown away, so there is nothing to flush.
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                _run_pg_tool(
                    [str(PG_BINDIR / "pg_ctl"), "stop", "-D", str(data), "-m", "immediate", "-w"],
                    cwd=directory,
                )
        shutil.rmtree(directory, ignore_errors=True)

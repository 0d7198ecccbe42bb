"""Helpers shared by the real taps' tests: a fake clock, in-process syncs, real landings.

The taps wait and read "today" through ``tap.clock``; ``FakeClock`` records the
waits instead of sleeping and holds a fixed instant, so throttling tests take
milliseconds and "today in the account's timezone" is chosen by the test.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import decimal
import io
import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from cerebro.landing.pipeline import LandingResult, run_pipeline
from cerebro.settings import console_script
from tests.taps.fake_google_oauth import FakeGoogleTokenEndpoint


@dataclass
class FakeClock:
    """A clock that never sleeps: ``sleep`` advances ``now`` and is recorded."""

    instant: dt.datetime
    sleeps: list[float] = field(default_factory=list)

    def now(self) -> dt.datetime:
        return self.instant

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.instant += dt.timedelta(seconds=seconds)


@dataclass
class SingerRun:
    """The Singer messages of one in-process sync, and the error that ended it (if any)."""

    messages: list[dict]
    error: BaseException | None

    def records(self, stream: str) -> list[dict]:
        return [
            m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream
        ]

    @property
    def states(self) -> list[dict]:
        return [m["value"] for m in self.messages if m["type"] == "STATE"]

    @property
    def final_state(self) -> dict:
        assert self.states, "no STATE message"
        return self.states[-1]


def sync_in_process(tap_class, config: dict, *, clock, state: dict | None = None) -> SingerRun:
    """Run ``tap_class`` in this process with ``clock``; capture its stdout messages."""
    # The tap updates the state dict it is given; the caller's copy stays as it was.
    tap = tap_class(config=config, state=copy.deepcopy(state), parse_env_config=False)
    tap.clock = clock
    out, error = io.StringIO(), None
    with contextlib.redirect_stdout(out):
        try:
            tap.sync_all()
        except Exception as raised:  # the test inspects it, with the messages emitted before
            error = raised
    lines = out.getvalue().splitlines()
    messages = [json.loads(line, parse_float=decimal.Decimal) for line in lines if line.strip()]
    return SingerRun(messages, error)


@dataclass
class Landing:
    """Runs a tap's console script into a DuckDB file through ``cerebro.landing.pipeline``."""

    workdir: Path
    tenant_id: str = "tienda_cl"

    @property
    def duckdb_path(self) -> Path:
        return self.workdir / "w.duckdb"

    def state_path(self, source: str) -> Path:
        return self.workdir / "state" / f"{source}.json"

    def run(self, script: str, source: str, config: dict) -> LandingResult:
        return run_pipeline(
            tenant_id=self.tenant_id,
            source=source,
            tap_command=[console_script(script)],
            tap_config=config,
            target_command=[console_script("target-cerebro-duckdb")],
            target_config={"path": str(self.duckdb_path), "default_target_schema": f"raw_{source}"},
            state_path=self.state_path(source),
            log_dir=self.workdir / "logs",
        )

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def tap_log(self, source: str) -> str:
        return (self.workdir / "logs" / f"{source}.tap.log").read_text()


@dataclass
class Command:
    """A tap or target run as its console script: exit code and log (stderr)."""

    returncode: int
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if "| ERROR" in line]

    def assert_one_clear_error(self, pattern: str) -> str:
        """Exit 2, no traceback, and the message matching ``pattern`` on one ERROR line only
        (besides the SDK's line naming the stream that failed); returns that line."""
        assert self.returncode == 2, self.stderr
        assert "Traceback" not in self.stderr, self.stderr
        matching = [line for line in self.error_lines if re.search(pattern, line)]
        assert len(matching) == 1, self.stderr
        others = [line for line in self.error_lines if line not in matching]
        assert all("An unhandled error occurred while syncing" in line for line in others), (
            self.stderr
        )
        return matching[0]


@pytest.fixture
def run_command(tmp_path):
    """Run a console script (``tap-cerebro-meta-ads``) with ``config`` written to a file, as
    ``cerebro run`` does; the fake APIs answer from this test process's HTTP server."""

    def run(script: str, config: dict, *, stdin: str = "", env: dict | None = None) -> Command:
        config_file = tmp_path / f"{script}.config.json"
        config_file.write_text(json.dumps(config))
        done = subprocess.run(
            [console_script(script), "--config", str(config_file)],
            input=stdin, capture_output=True, text=True, timeout=120,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
        return Command(done.returncode, done.stderr)

    return run


@pytest.fixture
def landing(tmp_path) -> Landing:
    """A fresh warehouse file, state directory and logs for real ``tap | target`` runs."""
    return Landing(tmp_path)


@pytest.fixture
def run_in_process():
    """``sync_in_process`` as a fixture, for test modules that cannot import conftest."""
    return sync_in_process


@pytest.fixture
def fake_clock_at():
    """A FakeClock factory: ``fake_clock_at("2024-04-07T03:30:00+00:00")``."""
    return lambda iso: FakeClock(dt.datetime.fromisoformat(iso))


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver listens on 127.0.0.1, on a free port."""
    return ("127.0.0.1", 0)


@pytest.fixture
def google_tokens(httpserver) -> FakeGoogleTokenEndpoint:
    """A fake Google token endpoint on the test's HTTP server."""
    endpoint = FakeGoogleTokenEndpoint()
    endpoint.register(httpserver)
    return endpoint

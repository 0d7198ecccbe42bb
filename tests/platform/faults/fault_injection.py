"""A real fault injector: stand-ins for the taps, the target and dbt that kill the real program.

`install_shims` writes, in a directory, one executable per console script (the demo tap, the
DuckDB target, dbt). `cerebro.settings.console_script` returns them instead of the real scripts
while ``CEREBRO_EXECUTABLE_SHIMS`` names that directory: that is the one seam in the product.
Each shim runs the real program as its child and relays the one stream that says how far it got:

- a tap's stdout (one Singer message a line): after ``after`` lines it is SIGKILLed, optionally
  after writing half of the next line, as when a process dies in the middle of a write;
- the target's stderr (singer-sdk logs a ``batch_processing_time`` metric after each batch it
  committed): after ``after`` batches it is SIGKILLed;
- dbt's stdout (JSON logs under dagster-dbt): after ``after`` nodes reported done (a
  ``LogModelResult``, ``LogSeedResult``, ``LogTestResult``... event) it is SIGKILLed.

The shim then kills itself with SIGKILL, so the caller sees what it would see if the real
program had been killed (exit -9). A program that ends before its kill point is killed at its
end: a planned fault always fires. Invocations no fault matches ``exec`` the real program.

A fault matches by program, by values of the program's ``--config`` file (a tap's ``tenant_id``
and ``source``, the target's ``default_target_schema``) or dbt's subcommand, and fires on
``times`` matching invocations from the ``occurrence``-th on (Dagster retries a landing step
twice, so a fault meant to fail a run fires three times). Every firing is appended to
``fired.jsonl``; ``observe`` faults only count the events of a whole invocation, to place the
kill points of later runs inside the data.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: The folder that holds tests/: a shim imports this module as a package's module from there.
REPO_ROOT = Path(__file__).resolve().parents[3]
#: Read by cerebro.settings.console_script.
SHIMS_ENV = "CEREBRO_EXECUTABLE_SHIMS"
TAP, TARGET, DBT = "tap-cerebro-demo", "target-cerebro-duckdb", "dbt"
#: Which stream of each program is relayed and counted, and which lines count.
WATCHED = {TAP: "stdout", TARGET: "stderr", DBT: "stdout"}
_TARGET_BATCH_DONE = re.compile(rb'"metric":\s*"batch_processing_time".*"status":\s*"succeeded"')
#: dbt's info-level event after each model, seed, snapshot or test (LogModelResult, ...).
_DBT_NODE_FINISHED = re.compile(rb'"name":\s*"Log\w*Result"')


@dataclass(frozen=True)
class Fault:
    """One planned fault (``after=None``: observe only, never kill)."""

    fault_id: str
    program: str
    after: int | None
    match: dict[str, str] = field(default_factory=dict)
    occurrence: int = 1
    times: int = 1
    #: Tap only: write this share of the next line before dying (a torn Singer message).
    partial_line: float = 0.0
    #: Target only: batch size for the faulted invocation, to have batches within a stream.
    batch_size_rows: int | None = None

    @property
    def kind(self) -> str:
        return {TAP: "tap", TARGET: "target", DBT: "dbt"}[self.program]


def _counts(line: bytes, program: str) -> bool:
    if program == TARGET:
        return bool(_TARGET_BATCH_DONE.search(line))
    if program == DBT:
        return bool(_DBT_NODE_FINISHED.search(line))
    return True


# The plan on disk --------------------------------------------------------------------------


def install_shims(directory: Path, faults: list[Fault] = ()) -> dict[str, str]:
    """Write the plan and one shim per program in ``directory``; return the environment that
    makes Cerebro run them."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "plan.json").write_text(json.dumps([asdict(fault) for fault in faults]))
    (directory / "counters.json").write_text("{}")
    scripts = Path(sys.executable).parent
    for program in WATCHED:
        shim = directory / program
        shim.write_text(
            f"#!{sys.executable}\n"
            "import sys\n"
            f"sys.path.insert(0, {str(REPO_ROOT)!r})\n"
            f"from {__name__} import run_shim\n"
            f"run_shim({program!r}, {str(scripts / program)!r}, {str(directory)!r})\n"
        )
        shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return {SHIMS_ENV: str(directory)}


def fired(directory: Path) -> list[dict]:
    """The faults that fired (and the observations), in order."""
    log = directory / "fired.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    with (directory / "plan.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _record(directory: Path, entry: dict) -> None:
    with _locked(directory), (directory / "fired.jsonl").open("a") as log:
        log.write(json.dumps({**entry, "at": time.time()}) + "\n")


def _describe(program: str, args: list[str]) -> dict[str, str]:
    """What a fault can match: the config file's scalar values, dbt's subcommand."""
    described: dict[str, str] = {}
    if "--config" in args:
        config = json.loads(Path(args[args.index("--config") + 1]).read_text())
        described.update({k: str(v) for k, v in config.items() if isinstance(v, str | int)})
    if program == DBT and args and not args[0].startswith("-"):
        described["command"] = args[0]
    return described


def _claim(directory: Path, program: str, args: list[str]) -> tuple[Fault | None, int]:
    """The fault this invocation must suffer, if any, and its occurrence number."""
    described = _describe(program, args)
    with _locked(directory):
        plan = [Fault(**entry) for entry in json.loads((directory / "plan.json").read_text())]
        counters = json.loads((directory / "counters.json").read_text())
        chosen = None
        for fault in plan:
            if fault.program != program or any(
                described.get(key) != value for key, value in fault.match.items()
            ):
                continue
            seen = counters.get(fault.fault_id, 0) + 1
            counters[fault.fault_id] = seen
            if chosen is None and fault.occurrence <= seen < fault.occurrence + fault.times:
                chosen = (fault, seen)
        (directory / "counters.json").write_text(json.dumps(counters))
    return chosen or (None, 0)


# The shim ----------------------------------------------------------------------------------


def _with_batch_size(args: list[str], rows: int, directory: Path) -> list[str]:
    """The target's arguments with a copy of its config that sets ``batch_size_rows``."""
    at = args.index("--config") + 1
    config = json.loads(Path(args[at]).read_text())
    copy = directory / f"target-config-{os.getpid()}.json"
    fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # may hold a password
    with os.fdopen(fd, "w") as handle:
        json.dump({**config, "batch_size_rows": rows}, handle)
    return [*args[:at], str(copy), *args[at + 1 :]]


def run_shim(program: str, real: str, directory: str) -> None:
    """Entry point of a shim: run ``real`` with this process's arguments, faulted if planned."""
    plan_dir = Path(directory)
    args = sys.argv[1:]
    fault, occurrence = _claim(plan_dir, program, args)
    if fault is None:
        os.execv(real, [real, *args])
    if fault.batch_size_rows:
        args = _with_batch_size(args, fault.batch_size_rows, plan_dir)
    watched = WATCHED[program]
    child = subprocess.Popen([real, *args], **{watched: subprocess.PIPE})
    relay = getattr(sys, watched).buffer
    counted, torn, ended_first = 0, 0, False
    for line in getattr(child, watched):
        if fault.after is not None and counted >= fault.after and _counts(line, program):
            if fault.partial_line:
                torn = max(1, int(len(line.rstrip(b"\n")) * fault.partial_line))
                relay.write(line[:torn])
            break
        relay.write(line)
        # A Singer target reads line by line: relay each as the real tap would have written it.
        relay.flush()
        counted += _counts(line, program)
        if program != TAP and fault.after is not None and counted >= fault.after:
            break
    else:
        ended_first = True  # its output ended before the kill point: killed at its end
    relay.flush()
    if fault.after is None:
        returncode = child.wait()
        _record(plan_dir, {**asdict(fault), "kind": fault.kind, "observed": counted})
        sys.exit(returncode)
    child.kill()
    child.wait()
    _record(
        plan_dir,
        {
            **asdict(fault),
            "kind": fault.kind,
            "occurrence_fired": occurrence,
            "counted": counted,
            "torn_bytes": torn,
            "ended_before_kill": ended_first,
        },
    )
    os.kill(os.getpid(), signal.SIGKILL)

"""The bad-input catalogue (issue 23): awkward inputs a marketing team feeds Cerebro, each
run through the real command line, with the outcome it must have.

A case is data (``Case``); the ``bad_input_cases_*.py`` modules beside this one hold them
by area and ``test_cli_bad_inputs.py`` runs every one. Whatever the outcome, a case also
asserts that no traceback was printed and that every file the case wrote before the run
(its inputs) is byte-for-byte unchanged afterwards: no bad input may cost the user a file.

Outcomes (``docs/bad-input.md``'s table counts them, and a test keeps it true):

- ``error``: a non-zero exit and one line on stderr, ``Error: …``, matched by ``message``
  (lines starting with ``Warning:`` may come before it);
- ``quarantined``: exit 0; the bad rows are set aside with a reason (``check`` reads where);
- ``handled``: exit 0 and the right answer (``check`` asserts it), ``message`` found in the
  output when given.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from cerebro.cli.main import main
from cerebro.settings import console_script

OUTCOMES = ("error", "quarantined", "handled")


@dataclass(frozen=True)
class Case:
    """One bad input. ``args`` and ``env`` values may hold ``{dir}`` (the case's folder) and,
    for ``warehouse`` cases, ``{data_dir}`` and ``{tenants_file}`` of the session's demo run.
    """

    name: str
    outcome: str
    args: tuple[str, ...]
    message: str = ""  # regex: the error line (error) or searched in stdout + stderr
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    #: Runs before the command, with the case's folder (e.g. a process holding a lock);
    #: may return a callable that undoes it afterwards.
    setup: Callable[[Path], Callable[[], None] | None] | None = None
    #: Asserts on the outputs after the run, with the case's folder and the run's output.
    check: Callable[[Path, str], None] | None = None
    #: ``cerebro`` runs in this process through click; any other console script (a tap, the
    #: target) as a subprocess, with ``stdin`` fed to it.
    program: str = "cerebro"
    #: Run ``cerebro`` as a subprocess too: for what the process itself meets (its terminal's
    #: encoding, a signal).
    subprocess: bool = False
    #: SIGTERM is sent to the subprocess once a line of its stdout matches this regex.
    sigterm_when: str | None = None
    stdin: str | bytes | None = None
    exit_code: int | None = None  # for errors: None means "not 0"
    warehouse: bool = False  # needs the session's demo warehouse (``demo_duckdb``)

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"{self.name}: outcome {self.outcome!r} is not one of {OUTCOMES}")


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None


def run_case(case: Case, folder: Path, places: Mapping[str, str] | None = None) -> Outcome:
    """Write the case's files into ``folder``, run it, and assert everything every case owes
    (no traceback, inputs unchanged, the outcome's exit code and message)."""
    for name, content in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    undo = case.setup(folder) if case.setup else None
    before = _fingerprints(folder)
    values = {"dir": str(folder), **(places or {})}
    args = [arg.format(**values) for arg in case.args]
    env = {name: value.format(**values) for name, value in case.env.items()}
    try:
        outcome = _run(case, args, env)
    finally:
        if undo:
            undo()
    _assert_common(case, outcome, before)
    if case.check:
        case.check(folder, outcome.stdout + outcome.stderr)
    return outcome


#: Where a data folder's warehouse and Dagster home are, when set in the environment: `run` and
#: `hourly` export them for Dagster and dbt, and a test of this worker that ran the platform in
#: this process may have left them. A case names its data folder (CEREBRO_DATA_DIR); these
#: would override it (a run recorded in another Dagster home, a full disk met elsewhere).
PLACED_BY_A_RUN = ("DAGSTER_HOME", "CEREBRO_DUCKDB_PATH", "CEREBRO_SPARK_HOME")


def _run(case: Case, args: list[str], env: dict[str, str]) -> Outcome:
    unset = [name for name in PLACED_BY_A_RUN if name not in env]
    if case.program == "cerebro" and not case.subprocess:
        # `run` and `hourly` export their settings (CEREBRO_DUCKDB_PATH, DAGSTER_HOME, …) for
        # Dagster and dbt: put the environment back, or the next case would read this one's.
        environ = dict(os.environ)
        try:
            result = CliRunner().invoke(
                main, args, env={**dict.fromkeys(unset), **env}, catch_exceptions=True
            )
        finally:
            os.environ.clear()
            os.environ.update(environ)
        exception = None if isinstance(result.exception, SystemExit) else result.exception
        return Outcome(result.exit_code, result.stdout, result.stderr, exception)
    if case.sigterm_when is not None:
        return _run_until_sigterm(case, args, env, unset)
    completed = subprocess.run(
        [console_script(case.program), *args],
        input=case.stdin.encode() if isinstance(case.stdin, str) else case.stdin,
        capture_output=True,
        env=_environment(env, unset),
        timeout=120,
    )
    # Read as the program wrote it: a case may set its terminal's encoding.
    encoding = env.get("PYTHONIOENCODING", "utf-8") or "utf-8"
    stdout, stderr = (
        out.decode(encoding, errors="replace") for out in (completed.stdout, completed.stderr)
    )
    return Outcome(completed.returncode, stdout, stderr, None)


def _environment(env: Mapping[str, str], unset: list[str]) -> dict[str, str]:
    """This process's environment without ``unset``, with the case's ``env``."""
    return {**{k: v for k, v in os.environ.items() if k not in unset}, **env}


def _run_until_sigterm(
    case: Case, args: list[str], env: dict[str, str], unset: list[str]
) -> Outcome:
    """Run the program, send it SIGTERM when its stdout shows ``case.sigterm_when`` (as a
    scheduler or ``docker stop`` would), and let it end on its own within two minutes."""
    with tempfile.TemporaryFile(mode="w+") as stderr:
        process = subprocess.Popen(
            [console_script(case.program), *args],
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=_environment(env, unset),
            text=True,
        )
        lines = []
        for line in process.stdout:
            lines.append(line)
            if re.search(case.sigterm_when, line):
                process.send_signal(signal.SIGTERM)
                break
        try:
            rest, _ = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            rest, _ = process.communicate()
            lines.append("\n(did not stop within 120 s of SIGTERM: killed)\n")
        stderr.seek(0)
        return Outcome(process.returncode, "".join(lines) + rest, stderr.read(), None)


def _fingerprints(folder: Path) -> dict[Path, str]:
    return {
        path: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file()
    }


def _assert_common(case: Case, outcome: Outcome, before: dict[Path, str]) -> None:
    shown = f"exit {outcome.exit_code}\nstdout:\n{outcome.stdout}\nstderr:\n{outcome.stderr}"
    assert outcome.exception is None, f"{case.name}: raised {outcome.exception!r}\n{shown}"
    assert "Traceback" not in outcome.stdout + outcome.stderr, f"{case.name}: traceback\n{shown}"
    changed = [
        str(path) for path, digest in before.items()
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest
    ]  # fmt: skip
    assert not changed, f"{case.name}: input files changed or removed: {changed}\n{shown}"
    if case.outcome == "error":
        expected = case.exit_code
        assert (outcome.exit_code != 0) if expected is None else outcome.exit_code == expected, (
            f"{case.name}: exit code\n{shown}"
        )
        if case.program == "cerebro":
            lines = [line for line in outcome.stderr.splitlines() if line.strip()]
            errors = [line for line in lines if not line.startswith("Warning:")]
            assert len(errors) == 1 and errors[0].startswith("Error: "), (
                f"{case.name}: not one error line\n{shown}"
            )
            assert re.search(case.message, errors[0]), f"{case.name}: message\n{shown}"
        else:
            assert re.search(case.message, outcome.stderr), f"{case.name}: message\n{shown}"
    else:
        assert outcome.exit_code == 0, f"{case.name}: exit code\n{shown}"
        if case.message:
            assert re.search(case.message, outcome.stdout + outcome.stderr), (
                f"{case.name}: message\n{shown}"
            )
        assert case.check is not None or case.message, f"{case.name}: asserts nothing"

"""Landing: run ``tap | target`` for one tenant and source, for real, with Singer state.

The tap's stdout is piped straight into the target (an OS pipe, no copy in
Python). The target echoes STATE messages once the data they cover is
written; the last one is persisted per tenant and source, so the next run is
incremental and a failed run resumes from what was safely landed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from cerebro_tap_kit.exit_codes import CLEAR_ERROR_EXIT_CODE

# singer-sdk logs a record_count metric per stream (Singer metrics spec).
_RECORD_COUNT = re.compile(r'METRIC: (\{"type":\s*"counter",\s*"metric":\s*"record_count".*\})')


#: Python's lines between the tracebacks of chained exceptions.
_CHAINED_EXCEPTION = (
    "The above exception was the direct cause",
    "During handling of the above exception",
)


class LandingError(RuntimeError):
    """A tap or target failed; the message carries the end of its log."""


class ForeseenLandingError(LandingError):
    """The tap stopped on a failure it foresaw and said in one line (a refused token, a host
    that does not exist, a vendor that never answered within its retries): running it again
    gives the same answer, so the step is not retried."""


class UnusableStateError(LandingError):
    """A saved Singer state cannot be read: retrying cannot help, the user must decide."""


def check_state(path: Path) -> None:
    """Refuse a saved state the tap could not read (a file cut short, edited by hand or
    overwritten by another program), naming it: the tap would fail with its own JSON error,
    which names neither the file nor the way out. The file is left as it is (it may hold the
    bookmark someone wants to mend)."""
    if not path.exists():
        return
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        problem = getattr(error, "strerror", None) or str(error)
    else:
        if isinstance(state, dict):
            return
        problem = f"a JSON {type(state).__name__}, not an object"
    raise UnusableStateError(
        f"the saved Singer state {path} cannot be used ({problem}): move it aside (or delete "
        "it) to sync this source from the start, or mend it; then run again"
    )


@dataclass
class LandingResult:
    tenant_id: str
    source: str
    records_by_stream: dict[str, int]
    state_path: Path
    seconds: float

    @property
    def records(self) -> int:
        return sum(self.records_by_stream.values())


def write_private_json(directory: Path, name: str, payload: dict) -> Path:
    """Config files may hold credentials: readable by the owner only."""
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(payload, handle)
    return path


def _without_tracebacks(lines: list[str]) -> list[str]:
    """Log lines with each Python traceback cut to its exception line: the frames say where
    the program was, the exception what went wrong, which is what the error must show."""
    kept: list[str] = []
    in_traceback = False
    for line in lines:
        if line.startswith("Traceback (most recent call last):"):
            in_traceback = True
        elif not line.strip() or line.startswith(_CHAINED_EXCEPTION):
            continue
        elif not in_traceback:
            kept.append(line)
        elif not line.startswith((" ", "\t")):
            kept.append(line)  # the exception, after its frames (chained ones each have one)
            in_traceback = False
    return kept


def _tail(path: Path, lines: int = 25) -> str:
    """The end of a tap's or target's log, without the frames of its tracebacks."""
    if not path.exists():
        return ""
    return "\n".join(_without_tracebacks(path.read_text(errors="replace").splitlines())[-lines:])


def _exit(returncode: int) -> str:
    if returncode < 0:
        return f"exit {returncode}, killed by {signal.Signals(-returncode).name}"
    return f"exit {returncode}"


def _records_by_stream(tap_log: Path) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for line in tap_log.read_text(errors="replace").splitlines():
        match = _RECORD_COUNT.search(line)
        if match:
            metric = json.loads(match.group(1))
            counts[metric["tags"]["stream"]] += int(metric["value"])
    return dict(counts)


def _last_state(target_stdout: str) -> dict | None:
    state = None
    lines = target_stdout.splitlines()
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if line.startswith("{"):
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                if number == len(lines):
                    break  # torn by a target killed while writing it: the one before holds
                raise
            # Targets emit bare state values (Singer spec); be lenient with wrapped ones.
            state = message.get("value", message) if message.get("type") == "STATE" else message
    return state


def _save_state(path: Path, state: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=1))
    temporary.replace(path)  # atomic: a crash never leaves half a state file


def run_pipeline(
    *,
    tenant_id: str,
    source: str,
    tap_command: list[str],
    tap_config: dict,
    target_command: list[str],
    target_config: dict,
    state_path: Path,
    log_dir: Path,
) -> LandingResult:
    """Run the tap into the target and persist the resulting state."""
    started = time.monotonic()
    check_state(state_path)
    log_dir.mkdir(parents=True, exist_ok=True)
    tap_log, target_log = log_dir / f"{source}.tap.log", log_dir / f"{source}.target.log"
    with tempfile.TemporaryDirectory(prefix="cerebro-singer-") as scratch, ExitStack() as stack:
        scratch_dir = Path(scratch)
        tap_args = [
            *tap_command,
            "--config",
            str(write_private_json(scratch_dir, "tap.json", tap_config)),
        ]
        if state_path.exists():
            tap_args += ["--state", str(state_path)]
        target_args = [
            *target_command,
            "--config",
            str(write_private_json(scratch_dir, "target.json", target_config)),
        ]
        tap_err = stack.enter_context(tap_log.open("w"))
        target_err = stack.enter_context(target_log.open("w"))
        tap = subprocess.Popen(tap_args, stdout=subprocess.PIPE, stderr=tap_err)
        target = subprocess.Popen(
            target_args, stdin=tap.stdout, stdout=subprocess.PIPE, stderr=target_err, text=True
        )
        tap.stdout.close()  # the target owns the read end; the tap gets SIGPIPE if it dies
        target_stdout, _ = target.communicate()
        tap.wait()

    state = _last_state(target_stdout)
    if state is not None:
        _save_state(state_path, state)
    failed = [
        (name, process.returncode, log)
        for name, process, log in (("tap", tap, tap_log), ("target", target, target_log))
        if process.returncode != 0
    ]
    if failed:
        # When one dies the other usually fails too: a tap writing to a dead target gets a
        # broken pipe, a target reading a killed tap's torn last line cannot parse it. The
        # cause is named first: a process killed by a signal, else the target (a tap failing
        # on its own leaves the target a clean end of input).
        failed.sort(key=lambda failure: (failure[1] >= 0, failure[0] == "tap"))
        if [(name, code) for name, code, _ in failed] == [("tap", CLEAR_ERROR_EXIT_CODE)]:
            # Its last line is the whole story (cerebro_tap_kit/clear_errors.py).
            raise ForeseenLandingError(
                f"{tenant_id}/{source}: the tap failed ({_exit(tap.returncode)}): "
                f"{_tail(tap_log, lines=1)} (log {tap_log})"
            )
        raise LandingError(
            f"{tenant_id}/{source}: "
            + " and ".join(f"the {name} failed ({_exit(code)})" for name, code, _ in failed)
            + "".join(f"; log {log}:\n{_tail(log)}" for _, _, log in failed)
        )
    return LandingResult(
        tenant_id=tenant_id,
        source=source,
        records_by_stream=_records_by_stream(tap_log),
        state_path=state_path,
        seconds=time.monotonic() - started,
    )

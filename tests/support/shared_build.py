"""A folder built once per test run by a background process, shared by every pytest-xdist worker.

The whole-platform demos take minutes. Built inside one worker, every test that reads them
waits on that worker (the other idles), and a second worker needing the same demo would build
it again. Instead the first worker to see that its tests need a demo starts its build as a
process of its own, at once, and goes on with other tests; every worker then waits for the
same build the first time a test asks for it.

The protocol is one ``flock`` on ``<folder>/build.lock``:
- ``start`` takes it without waiting and, if nothing is built yet, hands it to the builder
  process (the child inherits the locked file description), so the lock is held exactly as
  long as the builder lives, whatever way it ends;
- ``wait`` takes it, waiting for a running builder; if no result is there (nobody started a
  build, or it died before writing one) it builds in the foreground while holding it.
The builder writes ``result.json`` last, whole or not at all (cerebro.output_files).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from cerebro.output_files import write_text

REPO = Path(__file__).resolve().parents[2]
RESULT_FILE = "result.json"
LOG_FILE = "build.log"


class SharedBuild:
    """One folder, ``directory``, built by ``python -m <module> <directory>``.

    The module's job is to build inside ``directory`` and to write its outcome with
    `write_result` (a JSON object); it inherits this process's environment.
    """

    def __init__(self, directory: Path, module: str):
        self.directory = directory
        self.module = module

    @property
    def result_path(self) -> Path:
        return self.directory / RESULT_FILE

    @property
    def log_path(self) -> Path:
        return self.directory / LOG_FILE

    def start(self, *, own_process_group: bool = False) -> subprocess.Popen | None:
        """Start the build in the background unless it is built or being built; never waits.
        Returns the builder it started, if any. In a process group of its own, the builder
        and everything it starts can be stopped together (`stop_builder`)."""
        with self._lock(blocking=False) as lock:
            if lock is not None and not self.result_path.exists():
                return self._spawn(lock, wait=False, own_process_group=own_process_group)
        return None

    def wait(self) -> dict:
        """The build's result, once it is there: waits for a running build, builds here
        (in a child process, in the foreground) when none ran."""
        with self._lock(blocking=True) as lock:
            if not self.result_path.exists():
                self._spawn(lock, wait=True)
        if not self.result_path.exists():
            log = self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
            raise RuntimeError(f"the shared build of {self.directory} wrote no result:\n{log}")
        return json.loads(self.result_path.read_text(encoding="utf-8"))

    @contextlib.contextmanager
    def _lock(self, *, blocking: bool) -> Iterator[int | None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.directory / "build.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield None
                return
            yield descriptor
        finally:
            os.close(descriptor)

    def _spawn(self, lock: int, *, wait: bool, own_process_group: bool = False) -> subprocess.Popen:
        with self.log_path.open("w", encoding="utf-8") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", self.module, str(self.directory)],
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(lock,),  # the child holds the lock until it exits
                start_new_session=own_process_group,
            )
        if wait:
            process.wait()
        return process


def stop_builder(process: subprocess.Popen, grace_seconds: float = 10.0) -> None:
    """Stop a builder started in its own process group, with every process it started (dbt,
    the taps, model workers), unless it has finished. No result is written, so a later
    `wait` builds again."""
    if process.poll() is not None:
        return
    for signal_number in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal_number)
        try:
            process.wait(timeout=grace_seconds)
            return
        except subprocess.TimeoutExpired:
            continue


def stop_with_parent(poll_seconds: float = 2.0) -> None:
    """Stop this builder when the pytest process that started it is gone: a run killed
    (``kill``, a timeout) ends without its session's clean-up, and its build would otherwise
    take both cores for minutes with nobody to read it. A builder in a process group of its own
    takes every process it started with it; one in its starter's group stops alone."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_seconds)
        if os.getpgid(0) == os.getpid():
            os.killpg(0, signal.SIGTERM)
        else:
            os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="stop-with-parent", daemon=True).start()


def write_result(directory: Path, result: dict) -> None:
    """Write a build's outcome whole (the last thing a builder does)."""
    write_text(directory / RESULT_FILE, json.dumps(result))

"""The background build the suite's demos use (tests/support/shared_build.py): a run of a few
files must not leave a demo build running for minutes after it ends (four of them, orphaned by
short runs, once held both cores of this machine)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.shared_build import SharedBuild, stop_builder

#: A builder that starts a process of its own (as the demo's starts dbt and the taps), says
#: which, then takes its time; with BUILD_QUICKLY set it writes its result at once.
BUILDER = """
import os, subprocess, sys, time
from pathlib import Path
from tests.support.shared_build import write_result

directory = Path(sys.argv[1])
if os.environ.get("BUILD_QUICKLY"):
    write_result(directory, {"built": "quickly"})
    sys.exit(0)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
(directory / "child.pid").write_text(str(child.pid))
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A process that has exited but not been reaped yet is gone for this purpose.
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split()[2] != "Z"


def _eventually(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_stopped_builder_takes_its_processes_with_it_and_the_next_wait_builds(
    tmp_path, monkeypatch
):
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "slow_builder.py").write_text(BUILDER, encoding="utf-8")
    repo = Path(__file__).resolve().parents[2]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(modules), str(repo)]))
    build = SharedBuild(tmp_path / "build", "slow_builder")

    builder = build.start(own_process_group=True)
    assert builder is not None
    assert build.start(own_process_group=True) is None  # one builder at a time
    child_pid_file = build.directory / "child.pid"
    assert _eventually(child_pid_file.exists)
    child = int(child_pid_file.read_text())

    stop_builder(builder, grace_seconds=5)

    assert builder.poll() is not None
    assert _eventually(lambda: not _alive(child)), "the builder's own process outlived it"
    assert not build.result_path.exists()
    # The lock went with the builder: a test asking for the build now builds it itself.
    monkeypatch.setenv("BUILD_QUICKLY", "1")
    assert build.wait() == {"built": "quickly"}


#: A parent, as a pytest process is, that starts the builder (which stops with its parent,
#: as the demo's does) in a process group of its own, says which, and waits to be killed.
PARENT = """
import sys, time
from pathlib import Path
from tests.support.shared_build import SharedBuild

build = SharedBuild(Path(sys.argv[1]), "orphan_aware_builder")
builder = build.start(own_process_group=True)
(build.directory / "builder.pid").write_text(str(builder.pid))
time.sleep(120)
"""


def test_a_builder_whose_starter_is_killed_stops_with_its_processes(tmp_path, monkeypatch):
    """Killed (a timeout, ``kill -9``), a pytest process runs no clean-up: its builder must
    notice and stop, with what it started."""
    modules = tmp_path / "modules"
    modules.mkdir()
    aware = BUILDER.replace(
        "directory = Path(sys.argv[1])",
        "from tests.support.shared_build import stop_with_parent\n"
        "stop_with_parent(poll_seconds=0.1)\ndirectory = Path(sys.argv[1])",
    )
    (modules / "orphan_aware_builder.py").write_text(aware, encoding="utf-8")
    repo = Path(__file__).resolve().parents[2]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(modules), str(repo)]))
    directory = tmp_path / "build"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(directory)], cwd=repo)
    try:
        assert _eventually(lambda: (directory / "child.pid").exists())
        builder = int((directory / "builder.pid").read_text())
        child = int((directory / "child.pid").read_text())
        assert _alive(builder) and _alive(child)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    assert _eventually(lambda: not _alive(builder)), "the builder outlived its starter"
    assert _eventually(lambda: not _alive(child)), "the builder's own process outlived it"

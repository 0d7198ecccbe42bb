"""Runs whose process died, closed as failures by the next run.

``cerebro run`` and ``cerebro hourly`` execute their Dagster runs in their own process. A
process that is killed (``kill -9``, the machine's OOM killer, a power cut) cannot record its
end: the run stays NOT_STARTED or STARTED in the instance for ever, and the "Salud de datos"
marts (``mart_pipeline_runs``, ``mart_pipeline_reliability_daily``), which count FAILURE runs,
show 0 % failures and no open incident for a night that produced nothing.

So each such run is tagged with the process that executes it (host, pid and the process's
start time, which tells a reused pid apart), and the next run, before it starts, marks every
unfinished run whose process is gone as failed, with the reason. Runs the Dagster daemon
launches carry no such tag: they are the daemon's run monitoring's to close.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

#: ``<host>:<pid>:<process start time>`` of the process executing a run in-process.
PROCESS_TAG = "cerebro/process"
_UNFINISHED = ("NOT_STARTED", "STARTING", "STARTED", "CANCELING")


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (``/proc/<pid>/stat``, field 22),
    or None when there is no such process (or no /proc to ask)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    return stat.rsplit(")", 1)[1].split()[19]


def process_tags() -> dict[str, str]:
    """The tag that names this process, for the runs it executes."""
    pid = os.getpid()
    return {PROCESS_TAG: f"{socket.gethostname()}:{pid}:{_start_time(pid) or ''}"}


def _process_gone(tag: str) -> bool:
    host, _, rest = tag.partition(":")
    pid_text, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another machine's process: this one cannot tell
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # this process has executed no run yet: the tag is a dead one's
    if started:
        return _start_time(pid) != started  # gone, or the pid now belongs to another process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


def close_orphaned_runs(instance) -> list[str]:
    """Mark failed every unfinished run tagged with a process that has ended (see the
    module's doc); returns their run ids."""
    import dagster as dg

    statuses = [dg.DagsterRunStatus(status) for status in _UNFINISHED]
    closed = []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=statuses)):
        run = record.dagster_run
        tag = run.tags.get(PROCESS_TAG)
        if tag is None or not _process_gone(tag):
            continue
        pid = tag.split(":")[1]
        instance.report_run_failed(
            run,
            message=f"the process that ran it (pid {pid}) ended before the run did (killed or "
            "crashed): closed as failed by the next run",
        )
        closed.append(run.run_id)
    return closed

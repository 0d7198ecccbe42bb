"""Wall time, CPU time and peak memory of a command, and of a database server while it runs.

The command's CPU seconds (user + system) come from the kernel when it is reaped (``wait4``).
Its peak memory does not: the kernel's peak resident set of a child includes the pages of the
parent it was forked from before it exec'd (a 700 MB test process makes every command look
700 MB). The peak is therefore the command's own high-water mark (``VmHWM``, reset by exec)
plus its descendants' resident sets, sampled every ``SAMPLE_SECONDS``: growth in the last
sample interval before exit is missed. A server that is not our child (PostgreSQL runs as its own
user, started by ``pg_ctl``) is read from /proc: CPU as the change, over the command, of its
processes' CPU time plus what its main process collected from the backends that exited; memory
as the highest sum, sampled every ``SAMPLE_SECONDS``, of its processes' proportional set sizes
(PSS: shared buffers counted once, not once per backend). Linux only.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.25
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Usage:
    """What one command cost, and what the server cost meanwhile (None without a server)."""

    returncode: int
    wall_seconds: float
    cpu_seconds: float
    peak_mib: float
    server_cpu_seconds: float | None = None
    server_peak_mib: float | None = None

    @property
    def total_cpu_seconds(self) -> float:
        return self.cpu_seconds + (self.server_cpu_seconds or 0.0)

    @property
    def total_peak_mib(self) -> float:
        """Command and server together: an upper bound of both peaks at once."""
        return self.peak_mib + (self.server_peak_mib or 0.0)


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (which may hold spaces)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return text[text.rindex(")") + 2 :].split()


def _children(pid: int) -> list[int]:
    children = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and int(fields[1]) == pid:
                children.append(int(entry.name))
    return children


def server_cpu_seconds(pid: int) -> float:
    """CPU seconds so far of a server: its main process (own and reaped children's time) plus
    its live children's own time."""
    fields = _stat_fields(pid)
    if fields is None:
        raise ProcessLookupError(f"no process {pid}")
    # After the name: state, ppid, ..., utime (index 11), stime, cutime, cstime.
    ticks = sum(int(value) for value in fields[11:15])
    for child in _children(pid):
        child_fields = _stat_fields(child)
        if child_fields is not None:
            ticks += int(child_fields[11]) + int(child_fields[12])
    return ticks / _CLOCK_TICKS


def server_pss_mib(pid: int) -> float:
    """Sum of the proportional set sizes of a server's processes, in MiB."""
    total_kib = 0
    for process in (pid, *_children(pid)):
        try:
            for line in Path(f"/proc/{process}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kib += int(line.split()[1])
                    break
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total_kib / 1024


def _status_kib(pid: int, field: str) -> int:
    """A ``/proc/<pid>/status`` memory field in KiB (0 once the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        children = [c for parent in frontier for c in _children(parent)]
        found += children
        frontier = children
    return found


def command_peak_mib(pid: int) -> float:
    """A running command's high-water mark plus its descendants' resident sets, in MiB."""
    kib = _status_kib(pid, "VmHWM") + sum(_status_kib(c, "VmRSS") for c in _descendants(pid))
    return kib / 1024


class _PeakSampler(threading.Thread):
    """The highest value of ``measure(pid)`` while the thread runs."""

    def __init__(self, pid: int, measure) -> None:
        super().__init__(daemon=True)
        self.pid, self.measure = pid, measure
        self.peak_mib = measure(pid)
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(SAMPLE_SECONDS):
            self.peak_mib = max(self.peak_mib, self.measure(self.pid))

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return max(self.peak_mib, self.measure(self.pid))


def run_measured(
    command: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    log_path: Path,
    server_pid: int | None = None,
) -> Usage:
    """Run ``command`` (output to ``log_path``) and measure it, and the server if given."""
    sampler = _PeakSampler(server_pid, server_pss_mib) if server_pid else None
    server_cpu_before = server_cpu_seconds(server_pid) if server_pid else None
    if sampler:
        sampler.start()
    with log_path.open("w") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), cwd=cwd, env=dict(env), stdout=log, stderr=subprocess.STDOUT
        )
        command_sampler = _PeakSampler(process.pid, command_peak_mib)
        command_sampler.start()
        # wait4 reaps the child and returns its own resource usage (not that of our other
        # children); Popen is told the exit code so that it does not wait again.
        _, status, rusage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    command_peak = command_sampler.stop()  # the reaped command reads as 0: its peak stays
    server_peak = sampler.stop() if sampler else None
    server_cpu = server_cpu_seconds(server_pid) - server_cpu_before if server_pid else None
    return Usage(
        returncode=process.returncode,
        wall_seconds=wall,
        cpu_seconds=rusage.ru_utime + rusage.ru_stime,
        peak_mib=command_peak,
        server_cpu_seconds=server_cpu,
        server_peak_mib=server_peak,
    )

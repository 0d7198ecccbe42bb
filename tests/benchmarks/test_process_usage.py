"""The benchmark's process measurements, against processes whose cost is known."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from benchmarks.process_usage import run_measured, server_cpu_seconds, server_pss_mib

#: Holds 150 MiB of touched memory, spins the CPU for 0.2 s, and stays alive a little longer:
#: the peak is sampled every 0.25 s, and on a loaded machine the spin alone can end between two
#: samples.
ALLOCATE_AND_SPIN = textwrap.dedent(
    """
    import time
    block = bytearray(150 * 2**20)
    for i in range(0, len(block), 4096):
        block[i] = 1
    started = time.process_time()
    while time.process_time() - started < 0.2:
        pass
    time.sleep(0.5)
    """
)

#: A "server": forks a worker that spins 0.2 s of CPU and exits, reaps it (its time moves to
#: the server's cutime), then holds 100 MiB and waits to be killed.
SERVER = textwrap.dedent(
    """
    import os, sys, time
    worker = os.fork()
    if worker == 0:
        started = time.process_time()
        while time.process_time() - started < 0.2:
            pass
        os._exit(0)
    os.waitpid(worker, 0)
    block = bytearray(100 * 2**20)
    for i in range(0, len(block), 4096):
        block[i] = 1
    print("ready", flush=True)
    time.sleep(60)
    """
)


def test_run_measured_reports_the_commands_own_cpu_and_peak_memory(tmp_path):
    usage = run_measured(
        [sys.executable, "-c", ALLOCATE_AND_SPIN],
        env=os.environ,
        cwd=tmp_path,
        log_path=tmp_path / "child.log",
    )

    assert usage.returncode == 0
    assert 0.2 <= usage.cpu_seconds < 3
    assert 150 <= usage.peak_mib < 300  # the block plus an interpreter
    assert usage.wall_seconds >= usage.cpu_seconds * 0.9
    assert usage.server_cpu_seconds is None and usage.total_cpu_seconds == usage.cpu_seconds


def test_the_peak_is_the_commands_own_not_the_memory_of_the_process_that_started_it(tmp_path):
    # The kernel's peak resident set of a child counts the parent's pages it was forked with.
    ballast = bytearray(400 * 2**20)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1

    usage = run_measured(
        [sys.executable, "-c", ALLOCATE_AND_SPIN],
        env=os.environ,
        cwd=tmp_path,
        log_path=tmp_path / "child.log",
    )

    assert len(ballast) and 150 <= usage.peak_mib < 300


def test_the_peak_counts_the_commands_children(tmp_path):
    # The grandchild holds its block for a second: several sampling intervals.
    hold = ALLOCATE_AND_SPIN + "time.sleep(1)\n"
    spawn_allocator = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {hold!r}])"

    usage = run_measured(
        [sys.executable, "-c", spawn_allocator],
        env=os.environ,
        cwd=tmp_path,
        log_path=tmp_path / "child.log",
    )

    assert usage.returncode == 0
    assert usage.peak_mib >= 150  # the grandchild's block


def test_a_failing_command_reports_its_exit_code_and_keeps_its_output(tmp_path):
    usage = run_measured(
        [sys.executable, "-c", "print('boom'); raise SystemExit(3)"],
        env=os.environ,
        cwd=tmp_path,
        log_path=tmp_path / "child.log",
    )

    assert usage.returncode == 3
    assert (tmp_path / "child.log").read_text().strip() == "boom"


def test_a_servers_cpu_counts_its_reaped_workers_and_its_memory_its_processes(tmp_path):
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"

        cpu = server_cpu_seconds(server.pid)
        usage = run_measured(
            [sys.executable, "-c", "pass"],
            env=os.environ,
            cwd=tmp_path,
            log_path=tmp_path / "child.log",
            server_pid=server.pid,
        )

        assert cpu >= 0.2  # the exited worker's 0.2 s, through the server's cutime
        assert usage.server_cpu_seconds is not None and usage.server_cpu_seconds < 0.15
        assert 100 <= server_pss_mib(server.pid) < 250
        assert usage.server_peak_mib >= 100
        assert usage.total_peak_mib == usage.peak_mib + usage.server_peak_mib
    finally:
        server.kill()
        server.wait()

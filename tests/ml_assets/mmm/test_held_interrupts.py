"""A stop that reaches the command while a worker process is being started ends the command
with its message and nothing else: the worker still gets its start-up data
(``held_interrupts.py``). The race is made certain here: the start is patched to send this
process SIGTERM right after the child's interpreter is executed, before its data is written."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

from ml_assets.mmm.held_interrupts import interrupts_held

#: Runs in a fresh interpreter: SIGTERM as Ctrl-C (as ``cerebro.interrupts`` sets it), the
#: process start interrupted at its worst instant, then one worker started the named way.
STOPPED_WHILE_STARTING = textwrap.dedent(
    """
    import os, signal, sys
    from multiprocessing import util

    def as_ctrl_c(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, as_ctrl_c)
    spawn = util.spawnv_passfds

    def spawn_then_stopped(path, command, fds):
        pid = spawn(path, command, fds)
        if "spawn_main" in " ".join(map(str, command)):  # a worker, not the resource tracker
            os.kill(os.getpid(), signal.SIGTERM)
        return pid

    util.spawnv_passfds = spawn_then_stopped

    def start_a_worker(way):
        if way == "side process":
            from ml_assets.mmm import side_process
            side_process.usable_cores = lambda: 2
            side_process.Beside(abs, -1)
        else:
            from ml_assets.mmm.memory_pool import run_within_memory
            list(run_within_memory(abs, [-1], most_workers=1, budget_mib=1000))

    if __name__ == "__main__":
        try:
            start_a_worker(sys.argv[1])
        except KeyboardInterrupt:
            print("stopped")
    """
)


@pytest.mark.parametrize("way", ["side process", "memory pool"])
def test_a_stop_while_a_worker_starts_prints_no_traceback(tmp_path, way):
    script = tmp_path / "stopped_while_starting.py"
    script.write_text(STOPPED_WHILE_STARTING)
    done = subprocess.run(
        [sys.executable, str(script), way],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": ":".join(sys.path)},
    )
    assert done.stdout.strip() == "stopped", done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def test_a_held_signal_reaches_the_handler_that_was_there_at_the_end():
    seen: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda number, _frame: seen.append(number))
    try:
        with interrupts_held():
            signal.raise_signal(signal.SIGTERM)
            signal.raise_signal(signal.SIGTERM)
            assert seen == []
        assert seen == [signal.SIGTERM]  # once, after the block
        signal.raise_signal(signal.SIGTERM)
        assert seen == [signal.SIGTERM, signal.SIGTERM]  # the handler is back
    finally:
        signal.signal(signal.SIGTERM, previous)

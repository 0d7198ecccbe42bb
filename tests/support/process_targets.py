"""Functions that tests hand to other processes (a spawned pool worker or helper).

They live here rather than in a test module because a spawned process unpickles a function by
importing its module: a test module that imports ``conftest`` finds another directory's
``conftest`` first on the child's path and fails to import, which kills the child for a reason
the test never meant.
"""

from __future__ import annotations

import multiprocessing
import os


def exit_unless_main() -> int:
    """Ends a helper process abruptly (as the kernel's out-of-memory killer would); in the
    test's own process returns its id."""
    if multiprocessing.current_process().name != "MainProcess":
        os._exit(1)
    return os.getpid()

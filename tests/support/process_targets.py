"""Functions that tests hand to other processes (a spawned pool worker or helper).

They live here rather than in a test module because a spawned process unpickles a function by
importing its module, and a test module brings its whole folder's helpers into the child. (When
tests/ was not a package, a test module that imported ``conftest`` found another directory's
``conftest`` first on the child's path and failed to import, which killed the child for a reason
the test never meant.)
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

"""A foreseen failure on a tap's command line is one line; a bug keeps its traceback.

Oracle: the stderr and exit code of a minimal singer-sdk tap using ``ClearErrors``, run as a
program, whose discovery raises the exception under test.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

TINY_TAP = """
import sys
from cerebro_tap_kit.clear_errors import ClearErrors
from singer_sdk import Tap
from singer_sdk.exceptions import FatalAPIError

class TapTiny(ClearErrors, Tap):
    name = "tap-tiny"
    config_jsonschema = {"type": "object", "properties": {}}

    def discover_streams(self):
        raise {error}("Vendor refused the token (HTTP 401).\\n  Put a new one in access_token.")

TapTiny.cli()
"""


def run_tiny_tap(error: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", TINY_TAP.replace("{error}", error)],
        capture_output=True, text=True, timeout=60, env={**os.environ, **env},
    )  # fmt: skip


def test_a_clear_error_is_one_error_line_exit_2_and_no_traceback():
    done = run_tiny_tap("FatalAPIError")
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if "| ERROR" in line]
    assert len(errors) == 1 and "Traceback" not in done.stderr, done.stderr
    assert errors[0].endswith(
        "| Vendor refused the token (HTTP 401). Put a new one in access_token."
    ), "a multi-line message is joined into the one line"


def test_the_clear_errors_traceback_is_logged_at_debug():
    done = run_tiny_tap("FatalAPIError", TAP_TINY_LOGLEVEL="DEBUG")
    assert done.returncode == 2
    assert "Traceback" in done.stderr and "discover_streams" in done.stderr


@pytest.mark.parametrize("error", ["RuntimeError", "KeyError"])
def test_a_bug_keeps_its_traceback_and_the_sdks_exit_code(error):
    done = run_tiny_tap(error)
    assert done.returncode == 1
    assert "Traceback" in done.stderr and f"{error}: " in done.stderr

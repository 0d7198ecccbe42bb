"""The crafted report specs' folder and a free local port: conftest.py's fixtures and the
delivery tests both use them."""

from __future__ import annotations

import socket
from pathlib import Path

SPECS_DIR = Path(__file__).parent / "specs"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

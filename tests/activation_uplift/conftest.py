"""The crafted warehouses of tests/marts, reused (tests/ is not a package: import them by
their folder)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "marts"))

"""Fixtures of the fault suite: the dbt manifest its keys come from, and the ledger of faults.

Every scenario appends one line to ``test-artifacts/faults/ledger.jsonl``: the fault (kind,
seed, point), whether it fired, and what the recovery left (rows lost, duplicate keys), so a
run of the suite can be summed up afterwards (docs/data-quality.md, "Faults and recovery").
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest

from cerebro.settings import DBT_PROJECT_DIR, PROJECT_ROOT

LEDGER = PROJECT_ROOT / "test-artifacts" / "faults" / "ledger.jsonl"
#: This session's entries, summed up at the end of the run.
_SESSION: list[dict] = []


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """The parsed dbt project (raw and fact keys are read from it)."""
    path = DBT_PROJECT_DIR / "target" / "manifest.json"
    if not path.exists():
        from orchestration.platform import prepare_dbt_manifest

        prepare_dbt_manifest()
    return path


@pytest.fixture
def fault_ledger(request):
    """Append this test's outcome (a dict) to the ledger."""

    def record(**outcome) -> None:
        LEDGER.parent.mkdir(parents=True, exist_ok=True)
        with LEDGER.open("a") as ledger:
            entry = {"test": request.node.nodeid, "at": time.time(), **outcome}
            ledger.write(json.dumps(entry, default=str) + "\n")
        _SESSION.append(entry)

    return record


def pytest_terminal_summary(terminalreporter):
    """Faults injected per kind, rows lost and duplicate keys found after recovery."""
    if not _SESSION:
        return
    fired = Counter()
    for entry in _SESSION:
        fired[entry["kind"]] += entry.get("fired", 0)
    lost = sum(entry.get("rows_lost", 0) for entry in _SESSION)
    duplicates = sum(entry.get("duplicates", 0) for entry in _SESSION)
    terminalreporter.write_sep("-", "fault injection")
    terminalreporter.write_line(
        f"faults fired: {dict(sorted(fired.items()))}; rows lost: {lost}; "
        f"duplicate keys: {duplicates} (ledger: {LEDGER})"
    )

"""Runs the bad-input catalogue (``bad_input_catalogue.py``; cases in
``bad_input_cases_*.py``) and keeps docs/bad-input.md's table of totals by outcome true."""

from __future__ import annotations

import importlib
import re
from collections import Counter
from pathlib import Path

import pytest

from tests.platform.bad_inputs.bad_input_catalogue import OUTCOMES, Case, run_case

HERE = Path(__file__).parent
GUIDE = HERE.parents[2] / "docs" / "bad-input.md"
MINIMUM_CASES = 80


def _all_cases() -> list[Case]:
    cases = []
    for module in sorted(HERE.glob("bad_input_cases_*.py")):
        cases.extend(importlib.import_module(f"{__package__}.{module.stem}").CASES)
    return cases


CASES = _all_cases()


@pytest.mark.parametrize("case", [c for c in CASES if not c.warehouse], ids=lambda c: c.name)
def test_bad_input(case: Case, tmp_path):
    run_case(case, tmp_path)


@pytest.mark.parametrize("case", [c for c in CASES if c.warehouse], ids=lambda c: c.name)
def test_bad_input_on_the_demo_warehouse(case: Case, tmp_path, demo_duckdb, demo_root):
    places = {"data_dir": str(demo_duckdb.data_dir), "tenants_file": str(demo_root / "tenants.yml")}
    run_case(case, tmp_path, places)


def test_case_names_are_unique():
    names = Counter(case.name for case in CASES)
    assert [name for name, count in names.items() if count > 1] == []


def test_bad_input_guide_table_gives_the_catalogue_totals():
    """docs/bad-input.md's table states how many cases end each way, and there are at
    least ``MINIMUM_CASES`` of them."""
    counts = Counter(case.outcome for case in CASES)
    assert sum(counts.values()) >= MINIMUM_CASES
    text = GUIDE.read_text(encoding="utf-8")
    labels = {"error": "clear error", "quarantined": "quarantined", "handled": "handled"}
    for outcome in OUTCOMES:
        row = re.search(rf"^\| {labels[outcome]} \| (\d+) \|", text, re.MULTILINE)
        assert row, f"docs/bad-input.md has no row for {labels[outcome]!r}"
        assert int(row[1]) == counts[outcome], (
            f"docs/bad-input.md says {row[1]} {outcome}, catalogue has {counts[outcome]}"
        )
    total = re.search(r"^\| total \| (\d+) \|", text, re.MULTILINE)
    assert total and int(total[1]) == sum(counts.values())

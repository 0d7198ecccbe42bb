"""How a KPI function's result is compared with the oracle's."""

from __future__ import annotations

from pprint import pformat

import pandas as pd
import pytest

TOLERANCE = {"rel": 1e-9, "abs": 1e-9}


def approx_tree(value):
    """The same structure with every float replaced by a tolerant `pytest.approx`."""
    if isinstance(value, float):
        return pytest.approx(value, **TOLERANCE)
    if isinstance(value, dict):
        return {key: approx_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [approx_tree(item) for item in value]
    return value


def assert_same_kpis(actual: dict, expected: dict) -> None:
    """Same keys; per key, counts exactly, floats within 1e-9, None where the oracle has
    None, lists in the same order. Every differing key is reported, not only the first."""
    assert sorted(actual) == sorted(expected)
    differing = {
        key: {"function": actual[key], "oracle": expected[key]}
        for key in expected
        if actual[key] != approx_tree(expected[key])
    }
    assert not differing, f"keys that differ:\n{pformat(differing, width=100)}"


def frame_records(frame: pd.DataFrame) -> list[dict]:
    """Rows sorted by customer_id as plain dicts (NaN/NA as None, numbers as Python's)."""
    frame = frame.sort_values("customer_id").reset_index(drop=True)
    return [
        {key: (None if pd.isna(value) else value) for key, value in row.items()}
        for row in frame.astype(object).to_dict("records")
    ]

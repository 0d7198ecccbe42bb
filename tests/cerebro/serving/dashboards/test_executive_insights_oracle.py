"""The Spanish insights of the executive summary (marts.mart_executive_insights) state the
numbers an independent pandas computation gets from the facts and the ML output tables, each
to the precision it is written with, on the demo marts of both warehouses; and an insight
whose data is missing has no row."""

from __future__ import annotations

import pytest

from tests.cerebro.serving.dashboards.insights_oracle import (
    expected_insights,
    load_inputs,
    mismatch,
    numbers_in,
)
from tests.support.demo_platform import DEMO_TENANTS

pytestmark = pytest.mark.e2e


def test_numbers_are_read_as_each_locale_writes_them():
    sentence = "Mover $14.584 de A (-$14.584) a B (+$1.234): 27,6 veces, 97% y -0,28."
    assert numbers_in(sentence, "CLP") == [
        (14584.0, 0), (-14584.0, 0), (1234.0, 0), (27.6, 1), (97.0, 0), (-0.28, 2),
    ]  # fmt: skip
    sentence = "Mover S/\xa01,234.50 de A (-S/\xa014,584.00): 27.6 veces, 97% y -0.28."
    assert numbers_in(sentence, "PEN") == [
        (1234.5, 2), (-14584.0, 2), (27.6, 1), (97.0, 0), (-0.28, 2),
    ]  # fmt: skip


#: The key prefix of an activation's insight (mart_executive_insights.sql).
ACTIVATION_INSIGHT = "activacion_"


def test_every_insight_states_the_independently_computed_numbers(demo_run):
    inputs = load_inputs(demo_run.warehouse)
    rows = demo_run.warehouse.query(
        "select tenant_id, insight_key, insight_text from marts.mart_executive_insights"
    )
    currencies = dict(inputs["tenants"][["tenant_id", "currency"]].itertuples(index=False))
    problems, checked = [], 0
    for tenant in DEMO_TENANTS:
        expected = expected_insights(inputs, tenant)
        written = rows[rows["tenant_id"] == tenant].set_index("insight_key")["insight_text"]
        # An activation's result is the uplift mart's sentence, checked against the demo's
        # true effect in tests/platform/test_demo_rescue_experiment.py.
        written = written[~written.index.str.startswith(ACTIVATION_INSIGHT)]
        if set(written.index) != set(expected):
            problems.append(f"{tenant}: insights {sorted(written.index)} != {sorted(expected)}")
            continue
        for key, numbers in expected.items():
            problems.append(mismatch(written[key], numbers, currencies[tenant]))
            checked += 1
    assert checked >= 2 * 4
    assert not any(problems), "\n".join(p for p in problems if p)

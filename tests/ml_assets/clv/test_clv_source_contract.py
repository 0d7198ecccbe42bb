"""The ML output tables' columns are the dbt source `ml`'s columns, in order (one contract)."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from cerebro.settings import DBT_PROJECT_DIR
from ml_assets.clv.settings import ClvSettings
from ml_assets.clv.tenant import run_tenant
from tests.ml_assets.clv.clv_simulation import daily_transactions

SOURCES = DBT_PROJECT_DIR / "models" / "staging" / "ml" / "_ml__sources.yml"
TRUTH = {"r": 0.9, "alpha": 30.0, "a": 0.8, "b": 10.0, "p": 6.0, "q": 4.0, "v": 20_000.0}
#: pandas dtype kinds of each declared data_type.
KINDS = {"text": "OU", "double precision": "f", "bigint": "iu", "boolean": "b", "timestamp": "M"}


def _declared() -> dict[str, list[tuple[str, str]]]:
    (source,) = yaml.safe_load(SOURCES.read_text())["sources"]
    return {
        table["name"]: [(c["name"], c["data_type"]) for c in table["columns"]]
        for table in source["tables"]
    }


@pytest.fixture(scope="module")
def tenant_run():
    return run_tenant(
        "tienda", daily_transactions(51, 1_500, horizon=400.0, **TRUTH),
        settings=ClvSettings(), predicted_at=dt.datetime(2025, 1, 1, 6),
        customer_column="customer_id", date_column="transaction_date", amount_column="amount",
    )  # fmt: skip


@pytest.mark.parametrize(
    "table, frame", [("ml_customer_predictions", "predictions"), ("ml_clv_model_runs", "model_run")]
)
def test_written_columns_and_types_are_the_declared_ones(tenant_run, table, frame):
    written = getattr(tenant_run, frame)
    declared = _declared()[table]
    assert list(written.columns) == [name for name, _ in declared]
    for name, data_type in declared:
        assert written[name].dtype.kind in KINDS[data_type], (name, written[name].dtype)

"""Evaluating one tenant's rows of one raw stream against the stream's contract, with Great
Expectations: per-rule outcomes, and the failing rows with the rules each breaks."""

from __future__ import annotations

import datetime as dt
import logging
import os
import warnings
from dataclasses import dataclass

import pandas as pd

from cerebro.landing.contracts.keys import SEPARATOR, is_missing, record_key
from cerebro.landing.contracts.rules import Bounds, StreamContract, UniqueKey

#: Row position in the evaluated frame: GX reports failing rows by this column's value.
ROW = "_row"
#: Failing record keys kept per rule as a sample for the check's metadata.
SAMPLE_SIZE = 5


@dataclass(frozen=True)
class RuleOutcome:
    rule_id: str
    rows_checked: int
    rows_failed: int
    #: record keys of the first failing rows
    sample: tuple[str, ...]


@dataclass(frozen=True)
class Breach:
    rule_id: str
    reason: str


@dataclass(frozen=True)
class FailingRow:
    record_key: str
    #: the raw row (its columns as landed), JSON-ready
    record: dict
    breaches: tuple[Breach, ...]


@dataclass(frozen=True)
class StreamEvaluation:
    tenant_id: str
    source: str
    stream: str
    rows_checked: int
    outcomes: tuple[RuleOutcome, ...]
    failing_rows: tuple[FailingRow, ...]
    #: record keys of every evaluated row (an open quarantine entry of one that no longer
    #: fails is resolved)
    evaluated_keys: frozenset[str]
    #: rules not evaluated because the raw table lacks their column
    skipped_rules: tuple[str, ...] = ()


def quarantine_key(values: list[object]) -> str:
    """The record key, with an empty part where a key value is missing (such a row has no
    key in SQL; the quarantine still needs to name it)."""
    key = record_key(values)
    if key is not None:
        return key
    return SEPARATOR.join("" if is_missing(v) else record_key([v]) for v in values)


def _json_value(value: object) -> object:
    if is_missing(value):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    return str(value)  # Decimal and the like: exact text


def _rule_columns(rule) -> tuple[str, ...]:
    return rule.columns if isinstance(rule, UniqueKey) else (rule.column,)


def _validate(frame: pd.DataFrame, suites: dict[str, list], name: str) -> dict[str, set[int]]:
    """Rule id -> positions of the rows that break it, for the rules' expectations."""
    gx = great_expectations()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("raw")
        .add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    suite = gx.ExpectationSuite(name=name)
    for rule_id, expectations in suites.items():
        for expectation in expectations:
            # Results come back in GX's own order: the meta says which rule each serves.
            expectation.meta = {"rule_id": rule_id}
            suite.add_expectation(expectation)
    result = batch.validate(
        suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW]}
    )
    failing: dict[str, set[int]] = {rule_id: set() for rule_id in suites}
    for outcome in result.results:
        rule_id = outcome.expectation_config.meta["rule_id"]
        if outcome.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"{name}: rule {rule_id} could not be evaluated: "
                f"{outcome.exception_info.get('exception_message')}"
            )
        for index in outcome.result.get("unexpected_index_list") or []:
            failing[rule_id].add(int(index[ROW]))
    return failing


def evaluate_stream(
    contract: StreamContract, tenant_id: str, rows: pd.DataFrame, bounds: Bounds
) -> StreamEvaluation:
    """Evaluate one tenant's raw rows of ``contract``'s stream (as landed, any columns)."""
    if "tenant_id" in rows.columns and not (rows["tenant_id"] == tenant_id).all():
        raise ValueError(f"rows of other tenants than {tenant_id!r} given to evaluate_stream")
    raw_columns = list(rows.columns)
    frame = rows.reset_index(drop=True).copy()
    rules = [r for r in contract.rules if all(c in frame.columns for c in _rule_columns(r))]
    skipped = tuple(r.rule_id for r in contract.rules if r not in rules)
    key_columns = list(contract.record_key_columns)
    missing_key = [c for c in key_columns if c not in frame.columns]
    if missing_key:
        raise ValueError(f"{contract.source}.{contract.stream} rows lack key columns {missing_key}")
    keys = [quarantine_key(list(values)) for values in frame[key_columns].itertuples(index=False)]
    failing: dict[str, set[int]] = {rule.rule_id: set() for rule in rules}
    if len(frame):
        for rule in rules:
            rule.prepare(frame, bounds)
        frame[ROW] = range(len(frame))
        suites = {rule.rule_id: rule.expectations(gx_expectations(), bounds) for rule in rules}
        failing = _validate(frame, suites, f"{contract.source}__{contract.stream}")
    outcomes = tuple(
        RuleOutcome(
            rule.rule_id,
            len(frame),
            len(failing[rule.rule_id]),
            tuple(keys[i] for i in sorted(failing[rule.rule_id])[:SAMPLE_SIZE]),
        )
        for rule in rules
    )
    key_counts = pd.Series(keys).value_counts() if keys else pd.Series(dtype=int)
    failing_rows = []
    for position in sorted(set().union(*failing.values())):
        row = frame.iloc[position]
        breaches = tuple(
            Breach(rule.rule_id, _reason(rule, row, int(key_counts.get(keys[position], 1))))
            for rule in rules
            if position in failing[rule.rule_id]
        )
        record = {column: _json_value(row[column]) for column in raw_columns}
        failing_rows.append(FailingRow(keys[position], record, breaches))
    return StreamEvaluation(
        tenant_id=tenant_id,
        source=contract.source,
        stream=contract.stream,
        rows_checked=len(frame),
        outcomes=outcomes,
        failing_rows=tuple(failing_rows),
        evaluated_keys=frozenset(keys),
        skipped_rules=skipped,
    )


def _reason(rule, row: pd.Series, rows_with_key: int) -> str:
    """Why a row is held back, in Spanish: the "Salud de datos" page shows it to the tenant."""
    if isinstance(rule, UniqueKey):
        return f"{rule.description}; {rows_with_key} filas tienen esta clave"
    return f"{rule.description}; se recibió {_json_value(row[rule.column])!r}"


def great_expectations():
    """Great Expectations, imported on first use (it takes seconds), quiet and offline."""
    # It sends usage statistics unless told not to; no test may need network.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        # It probes pyspark when the Spark extra is installed, and pyspark warns about pandas'
        # version on import: nothing here runs on pyspark.
        warnings.filterwarnings("ignore", message="PySpark", category=FutureWarning)
        import great_expectations as gx
    return gx


def gx_expectations():
    """Great Expectations' expectations module."""
    return great_expectations().expectations

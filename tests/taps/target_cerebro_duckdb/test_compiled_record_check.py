"""The target's compiled record check (fastjsonschema) against the SDK's validator (jsonschema,
draft 2020-12), on every stream of the raw contract: the compiled check decides which records
are valid (the SDK's validator only explains the others), so it must accept exactly what the
SDK's validator accepts. Records are drawn around each schema: its columns with values of
every JSON type and of the Python types the SDK parses numbers and dates into, columns left
out, and columns the schema does not have."""

from __future__ import annotations

import datetime
from decimal import Decimal

import fastjsonschema
import pytest
from cerebro_raw_contract import STREAMS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from singer_sdk.exceptions import InvalidRecord
from singer_sdk.sinks.core import JSONSchemaValidator
from target_cerebro_duckdb.sink import RecordChecker, compiled_check

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, places=3),
    st.text(max_size=8),
    st.datetimes(timezones=st.just(datetime.UTC)),
    st.dates(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _records(schema: dict) -> st.SearchStrategy[dict]:
    columns = sorted(schema["properties"])
    known = st.dictionaries(st.sampled_from(columns), VALUES, max_size=len(columns))
    unknown = st.dictionaries(st.text(min_size=1, max_size=4), VALUES, max_size=1)
    return st.tuples(known, unknown).map(lambda pair: {**pair[1], **pair[0]})


def _valid_for_the_sdk(validator: JSONSchemaValidator, record: dict) -> bool:
    try:
        validator.validate(record)
    except InvalidRecord:
        return False
    return True


@pytest.mark.parametrize("stream", STREAMS, ids=lambda stream: f"{stream.source}.{stream.name}")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_compiled_check_accepts_exactly_what_the_sdks_validator_accepts(stream, data):
    schema = stream.schema()
    compiled = compiled_check(schema)
    assert compiled is not None, "a contract schema uses a keyword the drafts may read apart"
    sdk = JSONSchemaValidator(schema)
    record = data.draw(_records(schema))
    try:
        compiled(record)
        accepted = True
    except fastjsonschema.JsonSchemaValueException:  # anything else fails the test
        accepted = False
    assert accepted == _valid_for_the_sdk(sdk, record), record


def test_a_schema_with_a_keyword_outside_the_shared_ones_is_left_to_the_sdk():
    # "pattern" reads the same in both drafts, but only the listed keywords are compiled.
    coded = {"type": "object", "properties": {"code": {"type": "string", "pattern": "^CL"}}}
    assert compiled_check(coded) is None
    checker = RecordChecker(coded, stream_name="s", validate_types=True)
    checker.validate({"code": "CL-1"})
    with pytest.raises(InvalidRecord, match="column 'code'"):
        checker.validate({"code": "PE-1"})


def test_a_refused_record_still_names_the_stream_column_and_value():
    schema = {"type": "object", "properties": {"amount": {"type": ["number", "null"]}}}
    checker = RecordChecker(schema, stream_name="orders", validate_types=True)
    checker.validate({"amount": Decimal("10.5")})
    with pytest.raises(InvalidRecord, match=r"Stream 'orders': value 'diez' in column 'amount'"):
        checker.validate({"amount": "diez"})

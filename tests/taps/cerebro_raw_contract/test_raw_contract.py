"""The raw stream contract is defined once (docs/decisions/0002) and is self-consistent.

Oracles: the files under taps/ (no two are the same bytes, so no tap keeps a copy of a schema),
the contract's schema folder (one file per stream, none without a stream) and each schema's
own columns (keys and replication keys are among them).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

import cerebro_raw_contract
import pytest
from cerebro_raw_contract import SCHEMAS_DIR, SOURCES, STREAMS, STREAMS_BY_SOURCE, raw_stream

import cerebro.tenants

TAPS_DIR = Path(cerebro_raw_contract.__file__).parents[1]


def test_no_file_under_taps_is_a_copy_of_another():
    by_digest = defaultdict(list)
    for path in sorted(TAPS_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.stat().st_size:
            by_digest[hashlib.sha256(path.read_bytes()).hexdigest()].append(path)
    copies = [
        [str(p.relative_to(TAPS_DIR)) for p in paths]
        for paths in by_digest.values()
        if len(paths) > 1
    ]
    assert copies == []


def test_schema_files_are_the_contract_streams_one_to_one():
    files = {(p.parent.name, p.stem) for p in SCHEMAS_DIR.glob("*/*.json")}
    assert files == {(stream.source, stream.name) for stream in STREAMS}
    assert not list(TAPS_DIR.glob("tap_*/schemas")), "a tap keeps schemas of its own"


def test_keys_are_columns_of_the_schema_tenant_first():
    for stream in STREAMS:
        schema = stream.schema()
        assert stream.primary_keys[0] == "tenant_id", stream
        assert set(stream.primary_keys) <= set(schema["required"]), stream
        assert stream.replication_key in schema["properties"], stream


def test_streams_by_source_lists_every_stream_once_in_contract_order():
    assert [name for names in STREAMS_BY_SOURCE.values() for name in names] == [
        s.name for s in STREAMS
    ]
    assert [raw_stream(s.source, s.name) for s in STREAMS] == list(STREAMS)


def test_a_schema_is_a_copy_so_a_caller_cannot_change_the_contract():
    orders = raw_stream("shopify", "orders")
    orders.schema()["properties"].clear()
    assert "order_id" in orders.schema()["properties"]


def test_an_unknown_stream_names_the_known_ones():
    with pytest.raises(KeyError, match="'orders'"):
        raw_stream("shopify", "order")


def test_the_tenants_configuration_reads_its_sources_from_the_contract():
    assert cerebro.tenants.SOURCES == SOURCES

"""tap-cerebro-demo through its real entry point, read back as Singer messages.

The first sync runs the installed console script in a subprocess, on a cold
cache, exactly as the landing runner does; later syncs invoke the same Click
command (``TapCerebroDemo.cli``) in-process to keep the suite fast. Oracles:
the dataset on disk (row counts, replication key values), the SCHEMA messages
(every RECORD validates against them), the Singer spec (UTC ISO 8601
timestamps, sorted incremental streams, inclusive bookmarks) and the raw
contract (``cerebro_raw_contract``: which streams a source emits, their keys).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from cerebro_raw_contract import STREAMS_BY_SOURCE
from click.testing import CliRunner
from tap_cerebro_demo.generator.reports import EMPTY_STREAMS
from tap_cerebro_demo.generator.storage import SOURCES_NOT_GENERATED, generated_streams, read_stream
from tap_cerebro_demo.tap import TapCerebroDemo

CONSOLE_SCRIPT = Path(sys.executable).parent / "tap-cerebro-demo"
REPLICATION_KEY = {stream.name: stream.replication_key for stream in generated_streams()}
#: Sources the demo store has no data for (no Amazon campaigns, no spend exported by hand).
EMPTY_SOURCES = {source for source, _ in EMPTY_STREAMS}
PRIMARY_KEYS = {stream.name: list(stream.primary_keys) for stream in generated_streams()}
UTC_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_messages(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def records_of(messages: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for message in messages:
        if message["type"] == "RECORD":
            out.setdefault(message["stream"], []).append(message["record"])
    return out


def schemas_of(messages: list[dict]) -> dict[str, dict]:
    return {m["stream"]: m for m in messages if m["type"] == "SCHEMA"}


def final_state(messages: list[dict]) -> dict:
    states = [m["value"] for m in messages if m["type"] == "STATE"]
    assert states, "no STATE message"
    return states[-1]


def sort_value(value: str) -> dt.datetime:
    """A replication key value (date-time with offset, or date) as an aware instant."""
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def write_json(path: Path, value: dict) -> Path:
    path.write_text(json.dumps(value))
    return path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tap_demo")


@pytest.fixture(scope="module")
def base_config(workdir) -> dict:
    return {
        "tenant_id": "tap_demo",
        "source": "shopify",
        "profile": "cl_services",
        "timezone": "America/Santiago",
        "customers": 80,
        "seed": 5,
        "end_date": "2024-12-31",
        "history_days": 120,
        "cache_dir": str(workdir / "cache"),
    }


def run_in_process(workdir: Path, config: dict, state: dict | None = None) -> list[dict]:
    args = ["--config", str(write_json(workdir / "config_in_process.json", config))]
    if state is not None:
        args += ["--state", str(write_json(workdir / "state_in_process.json", state))]
    result = CliRunner().invoke(TapCerebroDemo.cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return parse_messages(result.stdout)


def run_console_script(workdir: Path, config: dict, name: str):
    config_path = write_json(workdir / f"{name}.json", config)
    return subprocess.run(
        [str(CONSOLE_SCRIPT), "--config", str(config_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def shopify_sync(workdir, base_config) -> list[dict]:
    """A first sync of the shopify source on a cold cache, through the console script."""
    assert not Path(base_config["cache_dir"]).exists()
    completed = run_console_script(workdir, base_config, "shopify")
    assert completed.returncode == 0, completed.stderr[-3000:]
    return parse_messages(completed.stdout)


@pytest.fixture(scope="module")
def dataset_dir(shopify_sync, base_config) -> Path:
    return Path(base_config["cache_dir"]) / base_config["tenant_id"]


def assert_records_match_schema_messages(messages: list[dict]) -> int:
    schemas, checked = schemas_of(messages), 0
    for stream, records in records_of(messages).items():
        schema = schemas[stream]["schema"]
        validator = jsonschema.validators.validator_for(schema)(schema)
        kinds = {name: prop.get("format") for name, prop in schema["properties"].items()}
        for record in records:
            validator.validate(record)
            for name, value in record.items():
                if value is None:
                    continue
                if kinds[name] == "date-time":
                    assert UTC_DATE_TIME.match(value), (stream, name, value)
                    sort_value(value)
                    checked += 1
                elif kinds[name] == "date":
                    assert DATE.match(value), (stream, name, value)
                    dt.date.fromisoformat(value)
                    checked += 1
    return checked


def assert_sorted_by_replication_key(messages: list[dict]) -> None:
    for stream, records in records_of(messages).items():
        values = [sort_value(r[REPLICATION_KEY[stream]]) for r in records]
        assert values == sorted(values), f"{stream} is not sorted by its replication key"


def test_shopify_sync_emits_exactly_the_shopify_streams_with_one_record_per_row(
    shopify_sync, dataset_dir
):
    records = records_of(shopify_sync)
    assert set(records) == set(STREAMS_BY_SOURCE["shopify"])
    assert set(schemas_of(shopify_sync)) == set(STREAMS_BY_SOURCE["shopify"])
    for stream, rows in records.items():
        assert len(rows) == read_stream(dataset_dir, stream).num_rows, stream
        assert len({tuple(r[k] for k in PRIMARY_KEYS[stream]) for r in rows}) == len(rows)
        assert {r["tenant_id"] for r in rows} == {"tap_demo"}


def test_shopify_records_validate_against_schema_messages_with_utc_timestamps(shopify_sync):
    assert assert_records_match_schema_messages(shopify_sync) > 1000
    for stream, message in schemas_of(shopify_sync).items():
        assert message["key_properties"] == PRIMARY_KEYS[stream]
        assert message["bookmark_properties"] == [REPLICATION_KEY[stream]]


def test_shopify_records_are_sorted_by_replication_key(shopify_sync):
    assert_sorted_by_replication_key(shopify_sync)


def test_final_state_bookmarks_every_stream_at_its_latest_replication_value(shopify_sync):
    bookmarks = final_state(shopify_sync)["bookmarks"]
    assert set(bookmarks) == set(STREAMS_BY_SOURCE["shopify"])
    for stream, records in records_of(shopify_sync).items():
        key = REPLICATION_KEY[stream]
        assert bookmarks[stream]["replication_key"] == key
        latest = max(records, key=lambda r: sort_value(r[key]))[key]
        assert bookmarks[stream]["replication_key_value"] == latest, stream


def test_sync_from_final_state_emits_only_records_at_or_after_the_bookmark(
    shopify_sync, workdir, base_config
):
    state = final_state(shopify_sync)
    second = run_in_process(workdir, base_config, state)
    first_records, again = records_of(shopify_sync), records_of(second)
    for stream, records in again.items():
        bookmark = sort_value(state["bookmarks"][stream]["replication_key_value"])
        key = REPLICATION_KEY[stream]
        assert all(sort_value(r[key]) >= bookmark for r in records), stream
        expected = [r for r in first_records[stream] if sort_value(r[key]) >= bookmark]
        assert records == expected, stream
    assert sum(map(len, again.values())) < 0.05 * sum(map(len, first_records.values()))
    assert final_state(second)["bookmarks"] == state["bookmarks"]


def test_sync_from_a_mid_history_bookmark_resumes_inclusively(shopify_sync, workdir, base_config):
    first_records = records_of(shopify_sync)
    state = {"bookmarks": {}}
    for stream, records in first_records.items():
        key = REPLICATION_KEY[stream]
        middle = records[len(records) // 2][key]
        state["bookmarks"][stream] = {"replication_key": key, "replication_key_value": middle}
    resumed = records_of(run_in_process(workdir, base_config, state))
    for stream, records in first_records.items():
        key = REPLICATION_KEY[stream]
        bookmark = sort_value(state["bookmarks"][stream]["replication_key_value"])
        expected = [r for r in records if sort_value(r[key]) >= bookmark]
        assert resumed.get(stream, []) == expected, stream
        assert 0 < len(expected) < len(records)


def test_start_date_filters_records_when_there_is_no_bookmark(shopify_sync, workdir, base_config):
    start = "2024-12-01T00:00:00+00:00"
    filtered = records_of(run_in_process(workdir, {**base_config, "start_date": start}))
    for stream, records in records_of(shopify_sync).items():
        key = REPLICATION_KEY[stream]
        expected = [r for r in records if sort_value(r[key]) >= sort_value(start)]
        assert filtered.get(stream, []) == expected, stream
    assert 0 < sum(map(len, filtered.values())) < sum(map(len, records_of(shopify_sync).values()))


@pytest.mark.parametrize(
    "source", sorted(set(STREAMS_BY_SOURCE) - {"shopify"} - EMPTY_SOURCES - SOURCES_NOT_GENERATED)
)
def test_other_sources_emit_only_their_streams_sorted_with_a_bookmark(
    source, shopify_sync, workdir, base_config, dataset_dir
):
    messages = run_in_process(workdir, {**base_config, "source": source})
    records = records_of(messages)
    assert set(records) == set(STREAMS_BY_SOURCE[source])
    for stream, rows in records.items():
        assert len(rows) == read_stream(dataset_dir, stream).num_rows, stream
        key = REPLICATION_KEY[stream]
        latest = max(rows, key=lambda r: sort_value(r[key]))[key]
        assert final_state(messages)["bookmarks"][stream]["replication_key_value"] == latest
    assert assert_records_match_schema_messages(messages) > 0
    assert_sorted_by_replication_key(messages)


@pytest.mark.parametrize("source", sorted(EMPTY_SOURCES))
def test_sources_the_demo_store_lacks_emit_their_schemas_and_no_record(
    source, shopify_sync, workdir, base_config
):
    # The target creates the tables from the SCHEMA messages: the raw tables exist, empty.
    messages = run_in_process(workdir, {**base_config, "source": source})
    assert {m["stream"] for m in messages if m["type"] == "SCHEMA"} == set(
        STREAMS_BY_SOURCE[source]
    )
    assert records_of(messages) == {}


def test_ad_source_resumes_from_a_date_bookmark(shopify_sync, workdir, base_config):
    config = {**base_config, "source": "meta_ads"}
    rows = records_of(run_in_process(workdir, config))["ads_insights"]
    cut = rows[len(rows) // 2]["date_start"]
    state = {"bookmarks": {"ads_insights": {"replication_key": "date_start",
                                            "replication_key_value": cut}}}  # fmt: skip
    resumed = records_of(run_in_process(workdir, config, state))
    assert resumed["ads_insights"] == [r for r in rows if r["date_start"] >= cut]


@pytest.mark.parametrize("source", sorted(STREAMS_BY_SOURCE))
def test_discovery_lists_exactly_the_sources_streams(source, workdir, base_config):
    config_path = write_json(workdir / f"discover_{source}.json", {**base_config, "source": source})
    result = CliRunner().invoke(
        TapCerebroDemo.cli, ["--config", str(config_path), "--discover"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    catalog = json.loads(result.stdout)
    # A source the demo has no file for (its stream names another source's file) has none.
    expected = set() if source in SOURCES_NOT_GENERATED else set(STREAMS_BY_SOURCE[source])
    assert {s["tap_stream_id"] for s in catalog["streams"]} == expected


@pytest.mark.parametrize(
    ("setting", "value", "allowed"),
    [("profile", "ar_services", "cl_services"), ("source", "hubspot", "shopify")],
)
def test_unknown_profile_or_source_fails_naming_the_setting_and_the_choices(
    setting, value, allowed, workdir, base_config
):
    completed = run_console_script(workdir, {**base_config, setting: value}, f"bad_{setting}")
    assert completed.returncode != 0
    assert completed.stdout == "", "no Singer message may be emitted on a bad config"
    assert f"'{value}' is not one of" in completed.stderr
    assert f"config['{setting}']" in completed.stderr and allowed in completed.stderr

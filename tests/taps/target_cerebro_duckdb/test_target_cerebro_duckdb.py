"""Behaviour of target-cerebro-duckdb, driven with hand-written Singer messages.

The oracle is the DuckDB file itself, read back after the target has run, and the
raw shape meltanolabs-target-postgres lands (types, `_sdc_*` columns, upsert by key).
"""

from __future__ import annotations

import datetime
import io
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from singer_sdk.exceptions import InvalidRecord
from target_cerebro_duckdb.connector import BadValueError
from target_cerebro_duckdb.target import TargetCerebroDuckDB

ORDER_PROPERTIES = {
    "tenant_id": {"type": "string"},
    "order_id": {"type": "string"},
    "status": {"type": ["string", "null"]},
}
KEYS = ["tenant_id", "order_id"]


def schema_message(stream, properties, key_properties=()):
    return {
        "type": "SCHEMA",
        "stream": stream,
        "schema": {"type": "object", "properties": properties},
        "key_properties": list(key_properties),
    }


def record_message(stream, record):
    return {
        "type": "RECORD",
        "stream": stream,
        "record": record,
        "time_extracted": "2024-05-01T12:00:00+00:00",
    }


def state_message(value):
    return {"type": "STATE", "value": value}


def order(order_id, status="open", tenant_id="acme"):
    return record_message(
        "orders", {"tenant_id": tenant_id, "order_id": order_id, "status": status}
    )


def singer_lines(messages):
    return "".join(json.dumps(message) + "\n" for message in messages)


def run_target(config, messages):
    target = TargetCerebroDuckDB(config=config)
    try:
        target.listen(file_input=io.StringIO(singer_lines(messages)))
    finally:
        # A failed run skips the sinks' clean-up, which closes the file; a process exit
        # would close it too. Until then this process cannot open it with plain duckdb.
        target.target_connector.dispose()


def query(path, sql):
    with duckdb.connect(str(path)) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture
def warehouse(tmp_path):
    return tmp_path / "warehouse.duckdb"


@pytest.fixture
def config(warehouse):
    return {"path": str(warehouse), "default_target_schema": "raw", "batch_size_rows": 3}


def test_every_record_lands_including_the_first_of_each_batch(config, warehouse):
    keyed = [schema_message("orders", ORDER_PROPERTIES, KEYS)]
    keyed += [order(str(number)) for number in range(1, 11)]
    unkeyed = [schema_message("events", {"name": {"type": "string"}})]
    unkeyed += [record_message("events", {"name": f"event-{n}"}) for n in range(1, 11)]

    run_target(config, keyed + unkeyed)

    # batch_size_rows=3 splits each stream into 4 batches: 3 + 3 + 3 + 1.
    order_ids = query(warehouse, "select order_id from raw.orders")
    assert sorted(int(order_id) for (order_id,) in order_ids) == list(range(1, 11))
    assert query(warehouse, "select count(*) from raw.events") == [(10,)]


def test_resent_key_replaces_the_row_and_the_last_record_of_a_batch_wins(config, warehouse):
    schema = schema_message("orders", ORDER_PROPERTIES, KEYS)
    run_target(config, [schema, order("1"), order("2"), order("3")])

    config["batch_size_rows"] = 100
    run_target(config, [schema, order("2", "paid"), order("3", "first"), order("3", "last")])

    rows = query(warehouse, "select order_id, status from raw.orders order by order_id")
    assert rows == [("1", "open"), ("2", "paid"), ("3", "last")]


def test_the_last_record_wins_across_batches_of_one_run(config, warehouse):
    updates = [order("1", f"status-{n}") for n in range(7)]

    run_target(config, [schema_message("orders", ORDER_PROPERTIES, KEYS), *updates])

    assert query(warehouse, "select status from raw.orders") == [("status-6",)]


def test_same_business_id_in_two_tenants_stays_two_rows(config, warehouse):
    messages = [
        schema_message("orders", ORDER_PROPERTIES, KEYS),
        order("1001", tenant_id="acme"),
        order("1001", tenant_id="globex"),
    ]

    run_target(config, messages)

    rows = query(warehouse, "select tenant_id, order_id from raw.orders order by tenant_id")
    assert rows == [("acme", "1001"), ("globex", "1001")]


PAYMENT_KEYS = ["tenant_id", "payment_id"]
TYPED_PROPERTIES = {
    "tenant_id": {"type": "string"},
    "payment_id": {"type": "string"},
    "amount": {"type": ["number", "null"]},
    "quantity": {"type": ["integer", "null"]},
    "is_test": {"type": ["boolean", "null"]},
    "paid_at": {"type": ["string", "null"], "format": "date-time"},
    "paid_date": {"type": ["string", "null"], "format": "date"},
    "gateway": {"type": ["object", "null"]},
    "tags": {"type": ["array", "null"], "items": {"type": "string"}},
}


def payment(payment_id, **values):
    return record_message("payments", {"tenant_id": "acme", "payment_id": payment_id, **values})


def test_types_land_as_postgres_would_declare_them(config, warehouse):
    run_target(config, [schema_message("payments", TYPED_PROPERTIES, PAYMENT_KEYS)])

    types = query(
        warehouse,
        "select column_name, data_type from information_schema.columns "
        "where table_name = 'payments' and column_name not like '\\_sdc%' escape '\\' "
        "order by ordinal_position",
    )
    assert types == [
        ("tenant_id", "VARCHAR"),
        ("payment_id", "VARCHAR"),
        ("amount", "DECIMAL(38,9)"),
        ("quantity", "BIGINT"),
        ("is_test", "BOOLEAN"),
        ("paid_at", "TIMESTAMP"),
        ("paid_date", "DATE"),
        ("gateway", "JSON"),
        ("tags", "JSON"),
    ]


def test_values_land_exact_and_timestamps_in_utc(config, warehouse):
    messages = [
        schema_message("payments", TYPED_PROPERTIES, PAYMENT_KEYS),
        payment(
            "p1",
            amount=72363.0,
            quantity=3,
            is_test=True,
            paid_at="2024-03-10T21:30:00-03:00",
            paid_date="2024-03-10",
            gateway={"name": "webpay", "fee": 0.1},
            tags=["first", "promo"],
        ),
        payment("p2", amount=0.1, paid_at="2024-03-10T21:30:00", is_test=False),
        payment("p3", amount=0.2, paid_at="2024-03-11T00:30:00Z"),
        payment(
            "p4",
            amount=None,
            quantity=None,
            is_test=None,
            paid_at=None,
            paid_date=None,
            gateway=None,
            tags=None,
        ),
    ]

    run_target(config, messages)

    rows = query(
        warehouse,
        "select payment_id, amount, quantity, is_test, paid_at, paid_date, "
        "gateway::varchar, tags::varchar from raw.payments order by payment_id",
    )
    utc_instant = datetime.datetime(2024, 3, 11, 0, 30)
    assert rows == [
        (
            "p1",
            Decimal("72363"),
            3,
            True,
            utc_instant,  # 21:30 at -03:00 is 00:30 UTC the next day.
            datetime.date(2024, 3, 10),
            '{"name":"webpay","fee":0.1}',
            '["first","promo"]',
        ),
        (
            "p2",
            Decimal("0.1"),
            None,
            False,
            datetime.datetime(2024, 3, 10, 21, 30),
            None,
            None,
            None,
        ),
        ("p3", Decimal("0.2"), None, None, utc_instant, None, None, None),
        ("p4", None, None, None, None, None, None, None),
    ]
    # DOUBLE would give 0.30000000000000004; DECIMAL keeps cents exact.
    total = query(
        warehouse, "select sum(amount) from raw.payments where payment_id in ('p2', 'p3')"
    )
    assert total == [(Decimal("0.3"),)]


SDC_COLUMNS = [
    "_sdc_extracted_at",
    "_sdc_received_at",
    "_sdc_batched_at",
    "_sdc_deleted_at",
    "_sdc_sequence",
    "_sdc_table_version",
    "_sdc_sync_started_at",
]


def test_record_metadata_columns_are_added_by_default(config, warehouse):
    run_target(config, [schema_message("orders", ORDER_PROPERTIES, KEYS), order("1")])

    columns = query(
        warehouse,
        "select column_name from information_schema.columns where table_name = 'orders' "
        "order by ordinal_position",
    )
    assert [name for (name,) in columns] == [*ORDER_PROPERTIES, *SDC_COLUMNS]
    extracted = query(
        warehouse, "select _sdc_extracted_at, _sdc_received_at is not null from raw.orders"
    )
    assert extracted == [(datetime.datetime(2024, 5, 1, 12, 0), True)]


def test_record_metadata_columns_are_left_out_when_disabled(config, warehouse):
    config["add_record_metadata"] = False

    run_target(config, [schema_message("orders", ORDER_PROPERTIES, KEYS), order("1")])

    columns = query(
        warehouse, "select column_name from information_schema.columns where table_name = 'orders'"
    )
    assert [name for (name,) in columns] == list(ORDER_PROPERTIES)


def test_new_property_in_a_later_schema_adds_a_column_null_for_older_rows(config, warehouse):
    run_target(config, [schema_message("orders", ORDER_PROPERTIES, KEYS), order("1")])
    wider = {**ORDER_PROPERTIES, "channel": {"type": ["string", "null"]}}
    with_channel = record_message(
        "orders", {"tenant_id": "acme", "order_id": "2", "status": "open", "channel": "web"}
    )

    run_target(config, [schema_message("orders", wider, KEYS), with_channel])

    rows = query(warehouse, "select order_id, channel from raw.orders order by order_id")
    assert rows == [("1", None), ("2", "web")]


def test_schema_change_mid_stream_still_lets_the_last_record_win(config, warehouse):
    config["batch_size_rows"] = 2
    wider = {**ORDER_PROPERTIES, "channel": {"type": ["string", "null"]}}
    messages = [
        schema_message("orders", ORDER_PROPERTIES, KEYS),
        order("1", "old"),
        schema_message("orders", wider, KEYS),
        order("1", "new"),
        order("2", "new"),  # Fills the new sink's batch before the end of input.
    ]

    run_target(config, messages)

    assert query(warehouse, "select status from raw.orders where order_id = '1'") == [("new",)]


def test_state_is_emitted_only_after_its_records_are_committed(config, warehouse, monkeypatch):
    rows_when_state_emitted = []

    class RecordingStdout(io.StringIO):
        def write(self, text):
            if text.strip():
                count = query(warehouse, "select count(*) from raw.orders")[0][0]
                rows_when_state_emitted.append((json.loads(text), count))
            return super().write(text)

    monkeypatch.setattr("sys.stdout", RecordingStdout())
    messages = [
        schema_message("orders", ORDER_PROPERTIES, KEYS),
        *[order(str(n)) for n in range(5)],
        state_message({"bookmarks": {"orders": {"updated_at": "2024-05-01"}}}),
        *[order(str(n)) for n in range(5, 8)],
        state_message({"bookmarks": {"orders": {"updated_at": "2024-05-02"}}}),
    ]

    run_target(config, messages)

    assert rows_when_state_emitted[-1] == (
        {"bookmarks": {"orders": {"updated_at": "2024-05-02"}}},
        8,
    )


def test_cli_lands_records_and_prints_the_final_state(config, warehouse, tmp_path):
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    input_file = tmp_path / "input.jsonl"
    messages = [
        schema_message("orders", ORDER_PROPERTIES, KEYS),
        *[order(str(n)) for n in range(4)],
        state_message({"bookmarks": {"orders": {"page": 4}}}),
    ]
    input_file.write_text(singer_lines(messages))

    result = CliRunner().invoke(
        TargetCerebroDuckDB.cli, ["--config", str(config_file), "--input", str(input_file)]
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == '{"bookmarks": {"orders": {"page": 4}}}'
    assert query(warehouse, "select count(*) from raw.orders") == [(4,)]


@pytest.mark.parametrize(
    ("validate_records", "column", "value", "error"),
    [
        (True, "quantity", "abc", InvalidRecord),
        (False, "quantity", "abc", BadValueError),
        (False, "quantity", 1.5, BadValueError),
        (False, "quantity", 2**70, BadValueError),
        (False, "amount", "abc", BadValueError),
        (False, "amount", 1e40, BadValueError),
        (True, "paid_at", "next tuesday", InvalidRecord),
        (False, "paid_at", "2024-13-45T10:00:00", InvalidRecord),
        (False, "paid_date", "10/03/2024", InvalidRecord),
        (True, "gateway", "{not json", InvalidRecord),
    ],
)
def test_bad_value_fails_the_batch_naming_stream_column_and_value(
    config, warehouse, validate_records, column, value, error
):
    config["validate_records"] = validate_records
    messages = [
        schema_message("payments", TYPED_PROPERTIES, PAYMENT_KEYS),
        payment("p1", amount=1),
        payment("p2", **{column: value}),
    ]

    with pytest.raises(error) as failure:
        run_target(config, messages)

    message = str(failure.value).lower()
    assert "'payments'" in message
    assert f"'{column}'" in message
    assert str(value).lower() in message
    assert query(warehouse, "select count(*) from raw.payments") == [(0,)]


def test_null_key_fails_the_batch(config, warehouse):
    messages = [
        schema_message(
            "orders", {**ORDER_PROPERTIES, "order_id": {"type": ["string", "null"]}}, KEYS
        ),
        order(None),
    ]

    with pytest.raises(BadValueError, match="key column 'order_id' is null"):
        run_target(config, messages)


def test_append_only_load_method_keeps_every_record(config, warehouse):
    config["load_method"] = "append-only"

    run_target(config, [schema_message("orders", ORDER_PROPERTIES, KEYS), order("1"), order("1")])

    assert query(warehouse, "select count(*) from raw.orders") == [(2,)]


def test_overwrite_load_method_replaces_the_table_once_per_run(config, warehouse):
    schema = schema_message("orders", ORDER_PROPERTIES, KEYS)
    run_target(config, [schema, order("1"), order("2")])
    config["load_method"] = "overwrite"

    run_target(config, [schema, *[order(str(n)) for n in range(3, 8)]])

    rows = query(warehouse, "select order_id from raw.orders order by order_id")
    assert rows == [("3",), ("4",), ("5",), ("6",), ("7",)]


@pytest.mark.parametrize(
    ("hard_delete", "expected"),
    [(False, [("1", 2, False), ("2", 1, True)]), (True, [("1", 2, False)])],
)
def test_activate_version_sweeps_rows_of_older_versions(config, warehouse, hard_delete, expected):
    config["hard_delete"] = hard_delete
    config["batch_size_rows"] = 100

    def versioned(order_id, version):
        return {**order(order_id), "version": version}

    messages = [
        schema_message("orders", ORDER_PROPERTIES, KEYS),
        versioned("1", 1),
        versioned("2", 1),
        {"type": "ACTIVATE_VERSION", "stream": "orders", "version": 1},
        versioned("1", 2),  # Still pending when version 2 is activated.
        {"type": "ACTIVATE_VERSION", "stream": "orders", "version": 2},
    ]

    run_target(config, messages)

    rows = query(
        warehouse,
        "select order_id, _sdc_table_version, _sdc_deleted_at is not null "
        "from raw.orders order by order_id",
    )
    assert rows == expected


def test_duckdb_progress_bar_is_off_so_stdout_carries_only_singer_messages(config):
    target = TargetCerebroDuckDB(config=config)

    with target.target_connector.open_connection() as connection:
        settings = connection.exec_driver_sql(
            "select current_setting('enable_progress_bar'), current_setting('TimeZone')"
        ).one()

    target.target_connector.dispose()
    assert tuple(settings) == (False, "UTC")


TORN = '{"type": "RECORD", "stream": "orders", "record": {"tenant_id": "ac'
PAYMENT_SCHEMA = schema_message(
    "payments", {"payment_id": {"type": "string"}, "amount": {"type": "number"}}, ["payment_id"]
)


@pytest.mark.parametrize(
    ("bad_input", "error"),
    [
        # A tap killed while writing tears its last line: JSON breaks where the line ends.
        ([TORN], f"line 5 is not a Singer message (not valid JSON from column {len(TORN) + 1})"),
        ([order("o9", status=5)], "Stream 'orders': value 5 in column 'status' is invalid"),
        (
            [record_message("payments", {"payment_id": "p1", "amount": 1})],
            "A record for stream 'payments' was encountered before a corresponding schema",
        ),
        (
            [PAYMENT_SCHEMA, record_message("payments", {"payment_id": "p1", "amount": 1e40})],
            "Stream 'payments': value '1E+40' in column 'amount' cannot be cast to DECIMAL(38,9)",
        ),
        # A type the spec does not define may be a misspelt RECORD: refused, never skipped.
        (
            [{**order("o9"), "type": "RECORDS"}],
            "input line 5 is not a Singer message (type 'RECORDS'; a message's type is one of",
        ),
        ([{"stream": "orders"}], "input line 5 is not a Singer message (no type;"),
        ([["RECORD", "orders"]], "input line 5 is not a Singer message (not a JSON object)"),
        (
            [schema_message("orders", {**ORDER_PROPERTIES, "status": {"type": "integer"}}, KEYS)],
            "Column 'status' of raw.orders is VARCHAR but the stream schema now maps it to BIGINT",
        ),
        (
            [schema_message("orders", {**ORDER_PROPERTIES, "Status": {"type": "string"}}, KEYS)],
            "Properties 'status' and 'Status' of raw.orders differ only by case",
        ),
    ],
    ids=[
        "torn_json_line",
        "wrong_type",
        "record_before_schema",
        "value_too_large",
        "unknown_message_type",
        "no_message_type",
        "not_an_object",
        "column_type_changed",
        "names_differing_by_case",
    ],
)
def test_refused_input_is_one_error_line_exit_2_and_earlier_batches_stay(
    config, warehouse, tmp_path, bad_input, error
):
    """A full batch of three orders is committed before the bad input arrives."""
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    good = singer_lines([schema_message("orders", ORDER_PROPERTIES, KEYS), *map(order, "abc")])
    lines = "".join(
        (line if isinstance(line, str) else json.dumps(line)) + "\n" for line in bad_input
    )
    target = Path(sys.executable).parent / "target-cerebro-duckdb"

    done = subprocess.run(
        [str(target), "--config", str(config_file)], input=good + lines,
        capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if "| ERROR" in line]
    assert len(errors) == 1 and error in errors[0], done.stderr
    assert "Traceback" not in done.stderr
    assert query(warehouse, "select order_id from raw.orders order by 1") == [
        ("a",),
        ("b",),
        ("c",),
    ]


def run_cli(config, tmp_path, stdin):
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    target = Path(sys.executable).parent / "target-cerebro-duckdb"
    return subprocess.run(
        [str(target), "--config", str(config_file)], input=stdin,
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_empty_input_lands_nothing_and_succeeds(config, warehouse, tmp_path):
    done = run_cli(config, tmp_path, "")
    assert done.returncode == 0 and done.stdout == "", done.stderr
    assert "ERROR" not in done.stderr and "Traceback" not in done.stderr


def test_a_state_alone_is_echoed_so_the_bookmark_is_kept(config, warehouse, tmp_path):
    done = run_cli(config, tmp_path, singer_lines([state_message({"bookmarks": {"o": 1}})]))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ['{"bookmarks": {"o": 1}}']


def test_a_missing_folder_is_created(config, tmp_path):
    config["path"] = str(tmp_path / "new" / "folder" / "w.duckdb")
    messages = [schema_message("orders", ORDER_PROPERTIES, KEYS), order("1")]
    done = run_cli(config, tmp_path, singer_lines(messages))
    assert done.returncode == 0, done.stderr
    assert query(config["path"], "select order_id from raw.orders") == [("1",)]


def inside_a_file(tmp_path):
    (tmp_path / "a_file").write_text("x")
    return tmp_path / "a_file" / "w.duckdb"


def a_text_file(tmp_path):
    (tmp_path / "notes.duckdb").write_text("not a database")
    return tmp_path / "notes.duckdb"


@pytest.mark.parametrize(
    ("make_path", "error"),
    [
        (inside_a_file, "cannot create the folder of the DuckDB file .*a_file/w.duckdb .*exists"),
        (
            a_text_file,
            "cannot open the DuckDB file .*notes.duckdb .*not a valid DuckDB database file.*"
            "check the target's path setting",
        ),
    ],
    ids=["folder_is_a_file", "not_a_duckdb_file"],
)
def test_an_unusable_database_path_is_one_error_line_exit_2(config, tmp_path, make_path, error):
    config["path"] = str(make_path(tmp_path))
    messages = [schema_message("orders", ORDER_PROPERTIES, KEYS), order("1")]
    done = run_cli(config, tmp_path, singer_lines(messages))
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if "| ERROR" in line]
    assert len(errors) == 1 and re.search(error, errors[0]), done.stderr
    assert "Traceback" not in done.stderr


def test_a_database_locked_by_another_process_is_one_error_line_and_nothing_lands(
    config, warehouse, tmp_path
):
    """DuckDB lets one process write a file; the other process here is a real one."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
         "print('open', flush=True); sys.stdin.read()", str(warehouse)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        messages = [schema_message("orders", ORDER_PROPERTIES, KEYS), order("1")]
        done = run_cli(config, tmp_path, singer_lines(messages))
    finally:
        holder.communicate("")
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if "| ERROR" in line]
    assert len(errors) == 1 and "another process has it open" in errors[0], done.stderr
    assert f"PID {holder.pid}" in errors[0] and "Traceback" not in done.stderr
    assert done.stdout == "", "no state: nothing was landed"

"""The bad-input catalogue of tap-cerebro-csv (docs/decisions/0010-bad-input-catalogue.md).

Every bad input ends one of two ways: the row is in the quarantine file with a
reason that names the column and the problem, or (when no row of the file can
be trusted) the run stops with one clear error line and exit code 2. Never a
traceback, never a row that silently disappears.

Oracles: hand-written rows whose reason and line are known; hand-worked UTC
conversions (Santiago is UTC-3 in March, Lima UTC-5 all year); the count
identity data rows = records emitted + rows quarantined; and the real command
line's exit code and stderr.
"""

from __future__ import annotations

import csv
import json
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from cerebro_tap_kit.csv_errors import FileConfigError, TapConfigError
from tap_cerebro_csv.tap import TapCerebroCsv

from cerebro.settings import console_script

NOW = "2024-03-07T12:00:00+00:00"
HEADER = "Pedido;Cliente;Creado;Actualizado;Total;Descuento;Moneda;Prueba"
COLUMNS = {
    "order_id": "Pedido",
    "customer_id": "Cliente",
    "created_at": "Creado",
    "updated_at": "Actualizado",
    "total_amount": "Total",
    "total_discounts_amount": "Descuento",
    "currency": "Moneda",
    "is_test": "Prueba",
}
FIRST = "1001;c1;05-03-2024 10:00;05-03-2024 10:00;1.234,50;0;CLP;no"
# Every row-level bad input, as a line of a Chilean Excel export (BOM, `;`, decimal
# comma), with the reason it must be quarantined for.
BAD_ROWS = [
    ("too few fields", "1002;c1;05-03-2024 10:00;;100;0;CLP", "7 fields where the header has 8"),
    (
        "too many fields",
        "1003;c1;05-03-2024 10:00;;100;0;CLP;no;sobra",
        "9 fields where the header has 8",
    ),
    (
        "text in an amount",
        "1004;c1;05-03-2024 10:00;;cien;0;CLP;no",
        "total_amount: 'cien' is not a number (decimal comma)",
    ),
    (
        "an Excel error value",
        "1005;c1;05-03-2024 10:00;;#N/A;0;CLP;no",
        "total_amount: '#N/A' is not a number",
    ),
    (
        "a decimal point in a decimal-comma file",
        "1006;c1;05-03-2024 10:00;;1.5;0;CLP;no",
        "total_amount: '1.5' is not a number (decimal comma)",
    ),
    (
        "an impossible date",
        "1007;c1;31-02-2024 10:00;;100;0;CLP;no",
        "created_at: '31-02-2024 10:00' is not a date and time",
    ),
    (
        "an impossible time",
        "1008;c1;05-03-2024 25:00;;100;0;CLP;no",
        "created_at: '05-03-2024 25:00' is not a date and time",
    ),
    (
        "a month-first date",
        "1009;c1;03/25/2024 10:00;;100;0;CLP;no",
        "created_at: '03/25/2024 10:00' is not a date and time",
    ),
    (
        "an unknown currency",
        "1010;c1;05-03-2024 10:00;;100;0;CLN;no",
        "currency: 'CLN' is not an ISO 4217 currency code",
    ),
    (
        "a negative total",
        "1011;c1;05-03-2024 10:00;;-100;0;CLP;no",
        "total_amount: -100 is negative",
    ),
    (
        "a negative discount",
        "1012;c1;05-03-2024 10:00;;100;-5,5;CLP;no",
        "total_discounts_amount: -5.5 is negative",
    ),
    (
        "an amount the warehouse cannot store",
        f"1013;c1;05-03-2024 10:00;;1{'0' * 29};0;CLP;no",
        "total_amount: '1" + "0" * 29 + "' is too large for the warehouse",
    ),
    (
        "the Unix epoch placeholder",
        "1014;c1;01-01-1970 00:00;;100;0;CLP;no",
        "created_at: '01-01-1970 00:00' is before 2000-01-01",
    ),
    (
        "a year typed as 2099",
        "1015;c1;05-03-2099 10:00;;100;0;CLP;no",
        "created_at: '05-03-2099 10:00' is in the future (after 2024-03-08T12:00:00+00:00)",
    ),
    (
        "two days ahead of the clock",
        "1016;c1;09-03-2024 10:00;;100;0;CLP;no",
        "is in the future",
    ),
    (
        "a boolean that is neither",
        "1017;c1;05-03-2024 10:00;;100;0;CLP;quizás",
        "is_test: 'quizás' is not true/false",
    ),
    ("an empty key", ";c1;05-03-2024 10:00;;100;0;CLP;no", "order_id: required, but empty"),
    (
        "an empty required amount and currency",
        "1018;c1;05-03-2024 10:00;;;0;;no",
        "currency: required, but empty; total_amount: required, but empty",
    ),
    ("an exact copy of an accepted row", FIRST, "same values: an exact copy, nothing is lost"),
    (
        "the same order id with different values",
        "1001;c1;05-03-2024 10:00;06-03-2024 09:00;1.300,00;0;CLP;no",
        "with different values: the first row wins",
    ),
]
GOOD_ROWS = [
    FIRST,
    # An explicit offset wins over the tenant's timezone.
    "1019;c2;2024-03-05T10:00:00-05:00;;$ 99.990;1.000,5;clp;sí",
    "   ;  ;  ;  ;  ;  ;  ;  ",  # a blank row (Excel pads exports): no data, not counted
]


def write(path: Path, text: str, encoding: str = "utf-8-sig") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def orders_config(tmp_path: Path, *entries: dict, **settings) -> dict:
    return {
        "tenant_id": "tienda_cl",
        "quarantine_path": str(tmp_path / "quarantine.csv"),
        "files": {"orders": list(entries)},
        **settings,
    }


def quarantined(config: dict) -> list[dict]:
    with open(config["quarantine_path"], encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_bad_row_is_quarantined_with_its_reason_and_no_row_is_lost(
    tmp_path, run_in_process, fake_clock_at
):
    lines = [HEADER, GOOD_ROWS[0], *(row for _, row, _ in BAD_ROWS), *GOOD_ROWS[1:]]
    path = write(tmp_path / "pedidos.csv", "\r\n".join(lines) + "\r\n")
    config = orders_config(tmp_path, {"path": str(path), "columns": COLUMNS})
    run = run_in_process(TapCerebroCsv, config, clock=fake_clock_at(NOW))

    assert run.error is None
    records, rejected = run.records("orders"), quarantined(config)
    data_rows = len(lines) - 1 - 1  # without the header and the blank row
    assert len(records) + len(rejected) == data_rows, "every data row is emitted or quarantined"
    for entry, (case, row, reason), line_number in zip(
        rejected, BAD_ROWS, range(3, 3 + len(BAD_ROWS)), strict=True
    ):
        assert reason in entry["reason"], (case, entry["reason"])
        assert entry["line_number"] == str(line_number), case
        assert entry["stream"] == "orders" and entry["source_file"] == str(path)
        assert list(json.loads(entry["row"]).values())[:2] == row.split(";")[:2], case
    assert "pedidos.csv line 2" in rejected[-1]["reason"], "a repeat names the row that won"

    first, offset = records
    assert (first["order_id"], first["total_amount"], first["created_at"]) == (
        "1001",
        Decimal("1234.50"),  # BOM dropped, `;` sniffed, decimal comma read
        "2024-03-05T13:00:00+00:00",  # no offset: Santiago, UTC-3 in March
    )
    assert (offset["created_at"], offset["total_amount"], offset["currency"]) == (
        "2024-03-05T15:00:00+00:00",
        Decimal(99990),
        "CLP",
    )
    assert (offset["total_discounts_amount"], offset["is_test"]) == (Decimal("1000.5"), True)


def test_times_without_an_offset_are_read_in_the_tenants_timezone(
    tmp_path, run_in_process, fake_clock_at
):
    path = write(tmp_path / "pedidos.csv", f"{HEADER}\n{FIRST}\n")
    config = orders_config(
        tmp_path, {"path": str(path), "columns": COLUMNS}, timezone="America/Lima"
    )
    run = run_in_process(TapCerebroCsv, config, clock=fake_clock_at(NOW))
    assert run.records("orders")[0]["created_at"] == "2024-03-05T15:00:00+00:00"  # Lima: UTC-5


def test_earliest_date_is_a_setting(tmp_path, run_in_process, fake_clock_at):
    path = write(tmp_path / "pedidos.csv", f"{HEADER}\n1;c;31-12-1995 10:00;;1;0;CLP;no\n")
    entry = {"path": str(path), "columns": COLUMNS}
    clock = fake_clock_at(NOW)
    default = orders_config(tmp_path, entry)
    assert run_in_process(TapCerebroCsv, default, clock=clock).records("orders") == []
    assert "is before 2000-01-01" in quarantined(default)[0]["reason"]
    older = orders_config(tmp_path, entry, earliest_date="1990-01-01")
    (record,) = run_in_process(TapCerebroCsv, older, clock=clock).records("orders")
    assert record["created_at"] == "1995-12-31T13:00:00+00:00"


def test_a_quote_never_closed_quarantines_the_lines_it_swallowed_together(
    tmp_path, run_in_process, fake_clock_at
):
    # Line 3 opens a quote that the next quote character, on line 5, closes: the csv
    # module reads lines 3-5 as one row with the right number of fields.
    path = write(
        tmp_path / "pedidos.csv",
        "order_id;customer_id;created_at;total_amount;currency\n"
        "1;c1;05-03-2024 10:00;100;CLP\n"
        '2;"c2;05-03-2024 11:00;200;CLP\n'
        "3;c3;05-03-2024 12:00;300;CLP\n"
        '4;"c4";05-03-2024 13:00;400;CLP\n'
        "5;c5;05-03-2024 14:00;500;CLP\n",
    )
    config = orders_config(tmp_path, {"path": str(path)})
    run = run_in_process(TapCerebroCsv, config, clock=fake_clock_at(NOW))
    assert [r["order_id"] for r in run.records("orders")] == ["1", "5"]
    (entry,) = quarantined(config)
    assert entry["line_number"] == "3"
    assert (
        "a quote is probably never closed; lines 3-5 are quarantined together" in (entry["reason"])
    )
    swallowed = json.loads(entry["row"])["customer_id"]
    assert "3;c3;05-03-2024 12:00;300;CLP" in swallowed, "the swallowed row is kept, not lost"


def test_a_quote_never_closed_at_the_end_of_the_file_is_quarantined(
    tmp_path, run_in_process, fake_clock_at
):
    path = write(
        tmp_path / "pedidos.csv",
        "order_id;customer_id;created_at;total_amount;currency\n"
        "1;c1;05-03-2024 10:00;100;CLP\n"
        '2;"c2;05-03-2024 11:00;200;CLP\n'
        "3;c3;05-03-2024 12:00;300;CLP\n",
    )
    config = orders_config(tmp_path, {"path": str(path)})
    run = run_in_process(TapCerebroCsv, config, clock=fake_clock_at(NOW))
    assert [r["order_id"] for r in run.records("orders")] == ["1"]
    (entry,) = quarantined(config)
    assert (entry["line_number"], "lines 3-4" in entry["reason"]) == ("3", True)


def test_a_multiline_note_is_not_mistaken_for_an_unclosed_quote(
    tmp_path, run_in_process, fake_clock_at
):
    path = write(
        tmp_path / "reembolsos.csv",
        'refund_id;order_id;amount;note\nr1;1;10;"Cliente pidió;\ndevolución parcial"\n',
    )
    config = {
        "tenant_id": "tienda_cl",
        "quarantine_path": str(tmp_path / "q.csv"),
        "files": {"refunds": [{"path": str(path)}]},
    }
    run = run_in_process(TapCerebroCsv, config, clock=fake_clock_at(NOW))
    assert run.records("refunds")[0]["note"] == "Cliente pidió;\ndevolución parcial"


def test_a_file_with_its_own_tenant_column_must_name_the_runs_tenant_on_every_row(
    tmp_path, run_in_process, fake_clock_at
):
    path = write(
        tmp_path / "pedidos.csv",
        "tenant_id;order_id;created_at;total_amount;currency\n"
        "tienda_cl;1;05-03-2024 10:00;100;CLP\n"
        ";2;05-03-2024 10:00;100;CLP\n"
        "otra_tienda;3;05-03-2024 10:00;100;CLP\n",
    )
    config = orders_config(tmp_path, {"path": str(path)})
    run = run_in_process(TapCerebroCsv, config, clock=fake_clock_at(NOW))
    assert [r["order_id"] for r in run.records("orders")] == ["1"]
    assert [e["reason"] for e in quarantined(config)] == [
        "tenant_id: empty, but this run loads tenant 'tienda_cl'",
        "tenant_id: 'otra_tienda', but this run loads tenant 'tienda_cl'",
    ]


def test_an_excel_unicode_text_export_in_utf16_is_read(tmp_path, run_in_process, fake_clock_at):
    """Excel's "Unicode text" is UTF-16 with a byte-order mark and tabs."""
    text = "order_id\tcreated_at\ttotal_amount\tcurrency\nÑ-1\t05-03-2024 10:00\t1234.5\tCLP\n"
    path = tmp_path / "pedidos.txt"
    path.write_bytes(text.encode("utf-16"))
    config = orders_config(tmp_path, {"path": str(path)})
    run = run_in_process(TapCerebroCsv, config, clock=fake_clock_at(NOW))
    (record,) = run.records("orders")
    assert (record["order_id"], record["total_amount"]) == ("Ñ-1", Decimal("1234.5"))


LATIN1_ORDERS = "order_id;created_at;total_amount;currency;tags\n1;05-03-2024 10:00;1;CLP;\n"


# Whole-file (or whole-run) problems: the run stops, naming the file, line and fix.
@pytest.mark.parametrize(
    ("case", "content", "entry", "complaint"),
    [
        (
            "a latin-1 file read as UTF-8",
            (LATIN1_ORDERS + "2;05-03-2024 11:00;2;CLP;Año nuevo\n").encode("latin-1"),
            {},
            "not valid utf-8-sig on line 3 (byte b'\\xf1': invalid continuation byte); "
            "in cp1252 these bytes read 'ño n'; set encoding: cp1252",
        ),
        ("an empty file", b"", {}, "the file is empty (no header line)"),
        ("a missing file", None, {}, "no such file"),
        (
            "a mapped column twice in the header",
            b"order_id;created_at;total_amount;Total_Amount;currency\n",
            {},
            "the header has 'total_amount' 2 times (columns 3, 4)",
        ),
        (
            "a quote never closed in a long file",
            b'order_id;created_at;total_amount;currency\n1;"05-03-2024;1;CLP\n'
            + b"2;05-03-2024;1;CLP\n" * 20000,
            {},
            "a cell this long usually means a quote opened there is never closed",
        ),
        (
            "a date format that cannot read dates",
            b"order_id;created_at;total_amount;currency\n",
            {"date_format": "%d-%q-%Y"},
            "date_format '%d-%q-%Y' cannot read back a date it writes",
        ),
        (
            "an unknown encoding",
            b"order_id;created_at;total_amount;currency\n",
            {"encoding": "latin-9000"},
            "unknown encoding 'latin-9000'",
        ),
    ],
)
def test_a_file_that_cannot_be_trusted_stops_the_run_with_a_clear_message(
    case, content, entry, complaint, tmp_path, run_in_process, fake_clock_at
):
    path = tmp_path / "pedidos.csv"
    if content is not None:
        path.write_bytes(content)
    config = orders_config(tmp_path, {"path": str(path), **entry})
    run = run_in_process(TapCerebroCsv, config, clock=fake_clock_at(NOW))
    assert isinstance(run.error, FileConfigError), (case, run.error)
    assert complaint in str(run.error) and str(path) in str(run.error), case
    assert "\n" not in str(run.error), "one line"
    assert run.records("orders") == [], "nothing of an untrusted file is emitted"


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"tenant_id": ""}, "tenant_id '' is empty or has spaces around it"),
        ({"tenant_id": "  "}, "tenant_id '  ' is empty"),
        ({"tenant_id": "tienda_cl "}, "has spaces around it"),
        ({"timezone": "America/Santiag"}, "timezone 'America/Santiag' is not an IANA timezone"),
        ({"earliest_date": "01-01-2000"}, "earliest_date '01-01-2000' is not a YYYY-MM-DD date"),
    ],
)
def test_a_setting_that_cannot_be_used_stops_the_tap_before_it_reads(settings, complaint, tmp_path):
    config = {**orders_config(tmp_path, {"path": str(tmp_path / "any.csv")}), **settings}
    with pytest.raises(TapConfigError, match=r"^tap-cerebro-csv config: ") as raised:
        TapCerebroCsv(config=config, parse_env_config=False)
    assert complaint in str(raised.value)


def test_the_command_line_reports_an_unusable_file_in_one_line_and_exits_2(tmp_path):
    path = write(tmp_path / "pedidos.csv", LATIN1_ORDERS + "2;05-03-2024;2;CLP;Año\n", "latin-1")
    config_path = tmp_path / "tap.json"
    config_path.write_text(json.dumps(orders_config(tmp_path, {"path": str(path)})))
    done = subprocess.run(
        [console_script("tap-cerebro-csv"), "--config", str(config_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    (complaint,) = [line for line in done.stderr.splitlines() if "not valid utf-8-sig" in line]
    assert "| ERROR" in complaint and f"{path}: not valid utf-8-sig on line 3" in complaint
    assert '"type": "RECORD"' not in done.stdout and '"type":"RECORD"' not in done.stdout


def test_a_file_whose_every_row_is_rejected_gets_a_warning_naming_the_first_reason(
    tmp_path, run_in_process, fake_clock_at, caplog
):
    """Usually a setting: here a decimal-point file declared decimal-comma."""
    path = write(tmp_path / "pedidos.csv", "order_id;created_at;total_amount;currency\n"
                 "1;2024-03-05 10:00;1,234.5;CLP\n2;2024-03-05 11:00;99.5;CLP\n")  # fmt: skip
    config = orders_config(tmp_path, {"path": str(path), "decimal_separator": ","})
    with caplog.at_level("WARNING"):
        run = run_in_process(TapCerebroCsv, config, clock=fake_clock_at(NOW))
    assert run.records("orders") == [] and len(quarantined(config)) == 2
    (warning,) = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warning == (
        f"{path}: every row was rejected; the first one for line 2: "
        "total_amount: '1,234.5' is not a number (decimal comma)"
    )


SPEND_HEADER = "date,platform,account_id,campaign_name,currency,spend,impressions,clicks"


def spend_config(tmp_path: Path, path: Path, **entry) -> dict:
    return {
        "tenant_id": "tienda_cl",
        "quarantine_path": str(tmp_path / "quarantine.csv"),
        "files": {"ad_spend": [{"path": str(path), **entry}]},
    }


def test_dot_groups_in_a_comma_delimited_file_are_never_read_1000_times_off(
    tmp_path, run_in_process, fake_clock_at
):
    """A Chilean sheet saved as comma-delimited CSV: the decimal point is only guessed.
    Oracle: the two readings of each cell, worked by hand; only one may land."""
    path = write(tmp_path / "gasto.csv", SPEND_HEADER + "\n"
                 "2024-03-05,meta,1,a,CLP,1.234.567,2.000.000,10\n"  # mark repeated: thousands
                 "2024-03-05,meta,1,b,CLP,11.957,100,10\n"  # 11957 or 11.957: ambiguous
                 "2024-03-05,meta,1,c,CLP,100,11.957,10\n"  # the same rule in a count
                 "2024-03-05,meta,1,d,CLP,0.957,100,10\n"  # no grouped number starts with 0
                 '2024-03-05,meta,1,e,CLP,"12,000",100,10\n'  # the file's own thousands
                 "2024-03-05,meta,1,f,CLP,11.95,100,10\n", encoding="utf-8")  # fmt: skip
    config = spend_config(tmp_path, path)
    run = run_in_process(TapCerebroCsv, config, clock=fake_clock_at(NOW))
    landed = {r["campaign_name"]: (r["spend"], r["impressions"]) for r in run.records("ad_spend")}
    assert landed == {
        "a": (Decimal(1234567), 2000000),
        "d": (Decimal("0.957"), 100),
        "e": (Decimal(12000), 100),
        "f": (Decimal("11.95"), 100),
    }
    assert [(e["line_number"], e["reason"]) for e in quarantined(config)] == [
        ("3", "spend: '11.957' is ambiguous: 11957 if the point separates thousands, 11.957 if "
              "it is the decimal mark; set the file's decimal_separator (',' or '.') to say which"),
        ("4", "impressions: '11.957' is ambiguous: 11957 if the point separates thousands, "
              "11.957 if it is the decimal mark; set the file's decimal_separator (',' or '.') "
              "to say which"),
    ]  # fmt: skip


def test_comma_groups_in_a_semicolon_file_follow_the_same_rule(
    tmp_path, run_in_process, fake_clock_at
):
    path = write(tmp_path / "gasto.csv", SPEND_HEADER.replace(",", ";") + "\n"
                 "05-03-2024;meta;1;a;CLP;1,234,567;10;10\n"
                 "05-03-2024;meta;1;b;CLP;11,957;10;10\n"
                 "05-03-2024;meta;1;c;CLP;1.234,5;10;10\n")  # fmt: skip
    config = spend_config(tmp_path, path)
    run = run_in_process(TapCerebroCsv, config, clock=fake_clock_at(NOW))
    landed = {r["campaign_name"]: r["spend"] for r in run.records("ad_spend")}
    assert landed == {"a": Decimal(1234567), "c": Decimal("1234.5")}
    (entry,) = quarantined(config)
    assert entry["reason"].startswith("spend: '11,957' is ambiguous: 11957 if the comma")


@pytest.mark.parametrize(
    ("decimal_separator", "cells", "landed"),
    [
        (".", "11.957,12", (Decimal("11.957"), 12)),
        (",", "11.957,11.957", (Decimal(11957), 11957)),
    ],
)
def test_a_decimal_separator_set_explicitly_is_honoured(
    decimal_separator, cells, landed, tmp_path, run_in_process, fake_clock_at
):
    path = write(tmp_path / "gasto.csv", f"{SPEND_HEADER}\n2024-03-05,meta,1,a,CLP,{cells},1\n")
    config = spend_config(tmp_path, path, decimal_separator=decimal_separator)
    run = run_in_process(TapCerebroCsv, config, clock=fake_clock_at(NOW))
    assert [(r["spend"], r["impressions"]) for r in run.records("ad_spend")] == [landed]

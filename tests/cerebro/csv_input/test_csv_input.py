"""The command line's CSV input: lines, encodings, per-column decimal separators and days.

Oracles are worked by hand: the physical line of each row in a small file, the value a
Chilean or a US export means (11.957 pesos next to 1.234.567 is 11 957), and the local day
of an instant (America/Santiago is UTC-3 in March 2024 and UTC-4 in July 2024).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from cerebro_tap_kit.csv_values import CellError

from cerebro.csv_input.columns import (
    column_decimal_separator,
    normalized_frame,
    parse_days,
    parse_numbers,
    read_day,
)
from cerebro.csv_input.table import CsvInputError, read_table

SANTIAGO = ZoneInfo("America/Santiago")


def _table(tmp_path, text: str | bytes, **options):
    path = tmp_path / "input.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return read_table(path, **options)


def _column(tmp_path, values: list[str]):
    """A file whose column x holds ``values`` (one per line from line 2) beside an id."""
    rows = [f'{i},"{value}"' for i, value in enumerate(values)]
    return _table(tmp_path, "id,x\n" + "\n".join(rows) + "\n")


def test_lines_are_the_files_own_counting_blank_lines_and_line_breaks_in_quotes(tmp_path):
    text = 'a,b\n1,2\n\n\n3,"two\nlines"\n\n4,5\n'
    table = _table(tmp_path, text)
    assert table.lines.tolist() == [2, 5, 8]  # line 5's cell runs to line 6
    assert table.frame["a"].tolist() == ["1", "3", "4"]
    assert table.frame["b"].tolist() == ["2", "two\nlines", "5"]
    assert table.problems.tolist() == ["", "", ""]


def test_a_byte_order_mark_is_dropped_and_the_semicolon_sniffed(tmp_path):
    table = _table(tmp_path, "\ufeffcliente;monto\na;1,5\n")
    assert list(table.frame.columns) == ["cliente", "monto"]
    assert table.frame.iloc[0].tolist() == ["a", "1,5"]


def test_a_given_delimiter_and_encoding_are_used(tmp_path):
    table = _table(tmp_path, "cliente\tmonto\nMuñoz\t7\n".encode("cp1252"),
                   encoding="cp1252", delimiter="tab")  # fmt: skip
    assert table.frame.iloc[0].tolist() == ["Muñoz", "7"]


def test_cp1252_read_as_utf8_names_the_line_the_bytes_and_the_option(tmp_path):
    data = "cliente,monto\na,1\nMuñoz,2\n".encode("cp1252")
    with pytest.raises(CsvInputError) as error:
        _table(tmp_path, data)
    message = str(error.value)
    assert "on line 3" in message and "'ñoz,'" in message
    assert "set --encoding cp1252" in message and "\n" not in message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("\n\n", "the file is empty"),
        ("cliente,monto\n", "a header line but no rows"),
        ("cliente,monto\n\n ,\n", "a header line but no rows"),
    ],
)
def test_files_without_rows_are_errors(tmp_path, text, message):
    with pytest.raises(CsvInputError, match=message):
        _table(tmp_path, text)


def test_unknown_options_are_named(tmp_path):
    with pytest.raises(CsvInputError, match="unknown encoding 'klingon'"):
        _table(tmp_path, "a\n1\n", encoding="klingon")
    with pytest.raises(CsvInputError, match="--delimiter must be one character"):
        _table(tmp_path, "a\n1\n", delimiter=";;")


def test_rows_of_the_wrong_width_are_marked_and_padded(tmp_path):
    table = _table(tmp_path, "a,b,c\n1,2,3\n4,5\n6,7,8,9\n")
    assert table.problems.tolist() == [
        "", "2 fields where the header has 3", "4 fields where the header has 3",
    ]  # fmt: skip
    assert table.frame.iloc[1].tolist() == ["4", "5", ""]
    assert table.frame.iloc[2].tolist() == ["6", "7", "8"]


def test_missing_and_repeated_columns_are_named(tmp_path):
    table = _table(tmp_path, "a,b,b\n1,2,3\n")
    with pytest.raises(CsvInputError, match=r"no column\(s\) \['c'\]; its columns: \['a', 'b'"):
        table.require(["a", "c"])
    with pytest.raises(CsvInputError, match="the header has 'b' 2 times"):
        table.column("b")


@pytest.mark.parametrize(
    ("values", "separator", "expected"),
    [
        (["1.234.567", "12"], ",", [1234567, 12]),
        (["1.234,5", "11.957"], ",", [1234.5, 11957]),
        (["12,5", "1.000"], ",", [12.5, 1000]),
        (["$ 1.234", "$ 1.234.567", "CLP 990"], ",", [1234, 1234567, 990]),
        (["1,234.5", "12.5", "12.3456"], ".", [1234.5, 12.5, 12.3456]),
        (["1,234,567", "1,234"], ".", [1234567, 1234]),
        # A thousands group never starts with 0: 0.125 settles the decimal point.
        (["0.125", "11.957"], ".", [0.125, 11.957]),
        (["12", "-3", ""], ".", [12, -3, np.nan]),
    ],
)
def test_the_decimal_separator_is_decided_per_column_from_all_its_values(
    tmp_path, values, separator, expected
):
    table = _column(tmp_path, values)
    assert column_decimal_separator(table, "x") == separator
    parsed = parse_numbers(table, "x", noun="amount")
    np.testing.assert_array_equal(parsed.values.to_numpy(), np.array(expected, dtype=float))
    assert parsed.problems.tolist() == ["non-numeric amount" if v == "" else "" for v in values]


def test_a_column_of_only_three_digit_groups_is_ambiguous_and_says_how_to_settle_it(tmp_path):
    table = _column(tmp_path, ["12", "11.957", "4.500"])
    with pytest.raises(CsvInputError) as error:
        parse_numbers(table, "x")
    message = str(error.value)
    assert "column 'x'" in message and "'11.957' (line 3)" in message
    assert "is 11957 if '.' separates thousands or 11.957 if it is the decimal mark" in message
    assert "--decimal-separator , for 11957 or --decimal-separator . for 11.957" in message
    comma = _column(tmp_path, ["1,234"])
    with pytest.raises(CsvInputError, match=r"is 1234 if .,. separates thousands or 1\.234"):
        parse_numbers(comma, "x")


def test_a_column_with_both_conventions_is_an_error_naming_one_value_of_each(tmp_path):
    table = _column(tmp_path, ["1.234,5", "7", "12.5"])
    with pytest.raises(CsvInputError, match=r"'1.234,5' \(line 2\) has a decimal comma, '12.5' "
                       r"\(line 4\) a decimal point"):  # fmt: skip
        parse_numbers(table, "x")


def test_a_given_separator_reads_ambiguous_values_and_refuses_the_other_convention(tmp_path):
    table = _column(tmp_path, ["11.957", "12.5", "abc"])
    comma = parse_numbers(table, "x", decimal_separator=",", noun="amount")
    assert comma.values.iloc[0] == 11957 and comma.values.iloc[1:].isna().all()
    assert comma.problems.tolist() == ["", "non-numeric amount", "non-numeric amount"]
    point = parse_numbers(table, "x", decimal_separator=".")
    assert point.values.iloc[:2].tolist() == [11.957, 12.5]


@pytest.mark.parametrize(
    ("text", "zone", "day"),
    [
        ("2024-03-05", None, "2024-03-05"),
        ("05/03/2024", None, "2024-03-05"),  # day first: 5 March, never 3 May
        ("31-03-2024", None, "2024-03-31"),
        ("05.03.2024", None, "2024-03-05"),
        ("2024-03-05T00:00:00", None, "2024-03-05"),
        ("05-03-2024 22:10", SANTIAGO, "2024-03-05"),  # no offset: the day as written
        ("2024-03-05 22:10:00-03", None, "2024-03-05"),
        ("1997-03-01 23:30:00 -0300", None, "1997-03-01"),
        ("2024-03-06T01:30:00Z", None, "2024-03-06"),  # the export's day, as written
        ("2024-03-06T01:30:00Z", SANTIAGO, "2024-03-05"),  # 22:30 in Santiago (UTC-3)
        ("2024-03-05 22:10:00-03:00", SANTIAGO, "2024-03-05"),
        # 03:30 UTC on 6 July is 23:30 on 5 July in Santiago's winter time (UTC-4).
        ("2024-07-06 00:30:00-03:00", SANTIAGO, "2024-07-05"),
        ("2024-07-06 00:30:00.250+05:30", None, "2024-07-06"),
    ],
)
def test_days_are_read_as_written_or_in_the_given_timezone(text, zone, day):
    assert read_day(text, zone) == dt.date.fromisoformat(day)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2024-03", "is a month, not a day"),
        ("03/2024", "is a month, not a day"),
        ("03/25/2024", "is not a date"),  # month first
        ("2024-02-30", "is not a date"),
        ("mañana", "is not a date"),
        ("", "is not a date"),
        ("2024-03-05 22:10:00+25", "is not a date"),
        ("05/03/24", "is not a date"),  # a two-digit year: which century?
    ],
)
def test_what_is_not_a_day_is_refused(text, message):
    with pytest.raises(CellError, match=message):
        read_day(text)


def test_day_columns_say_why_a_cell_was_not_read(tmp_path):
    table = _table(tmp_path, "fecha\n2024-03-05\n2024-03\n\nx\n")
    parsed = parse_days(table, "fecha", noun="date")
    assert parsed.values.iloc[0] == pd.Timestamp("2024-03-05")
    assert parsed.values.iloc[1:].isna().all()
    assert parsed.problems.tolist() == ["", "date is a month, not a day", "unparseable date"]


def test_an_unknown_timezone_is_named(tmp_path):
    table = _table(tmp_path, "fecha\n2024-03-05\n")
    with pytest.raises(CsvInputError, match="unknown timezone 'Santiago' \\(--timezone\\)"):
        parse_days(table, "fecha", timezone="Santiago")


def test_normalized_frame_writes_the_one_form_pandas_reads(tmp_path):
    text = "fecha;gasto;ventas;nota\n05/03/2024;1.234.567;12,5;x\n06/03/2024;11.957;n/a;y\n"
    frame = normalized_frame(
        _table(tmp_path, text), day_columns=["fecha"], number_columns=["gasto", "ventas", "no"]
    )
    assert frame["fecha"].tolist() == ["2024-03-05", "2024-03-06"]
    assert frame["gasto"].tolist() == ["1234567", "11957"]
    assert frame["ventas"].tolist() == ["12.5", "n/a"]  # no digits: left for the model to name
    assert frame["nota"].tolist() == ["x", "y"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fecha,gasto\n2024-03-05,1\n\n2024-03,2\n", r"column 'fecha', line 4: '2024-03': date "
         r"is a month, not a day"),
        ("fecha,gasto\n2024-03-05,1\n31/02/2024,2\n", r"line 3: '31/02/2024': unparseable date "
         r"\(use YYYY-MM-DD"),
        ("fecha,gasto\n2024-03-05,\"1,5\"\n2024-03-06,2.5\n", "mixes decimal separators"),
        ("fecha;gasto\n2024-03-05;1\n2024-03-06;1e5\n", r"column 'gasto', line 3: '1e5': not a "
         r"number with a decimal point"),
        ("fecha,gasto\n2024-03-05,1\n\n2024-03-06,2,3\n", "line 4: 3 fields where the header "
         "has 2"),
    ],
)  # fmt: skip
def test_normalized_frame_stops_at_the_first_cell_it_cannot_read_naming_its_line(
    tmp_path, text, message
):
    with pytest.raises(CsvInputError, match=message):
        normalized_frame(_table(tmp_path, text), day_columns=["fecha"], number_columns=["gasto"])

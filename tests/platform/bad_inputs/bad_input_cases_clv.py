"""Bad inputs of `cerebro clv`: the transaction exports a marketing team in Chile feeds it.

Each file is a small shop (``SHOP``: 24 customers, 20 of them repeat buyers, enough for the
models) written in the case's convention, plus the rows under test. The oracle is a
customer's history in the predictions, worked by hand from the rows as meant: customer ``X``
buys on 1 February and then again, so ``monetary_value`` is the amount of the repeat
purchase as read (11 957, not 11.957) and ``frequency`` / ``recency`` count the days read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from tests.platform.bad_inputs.bad_input_catalogue import Case

CLV = ("clv", "--customer-column", "cliente", "--date-column", "fecha",
       "--amount-column", "monto", "--cutoff", "2024-06-30")  # fmt: skip
RUN = (*CLV, "--transactions", "{dir}/t.csv", "--out", "{dir}/out.csv")
QUARANTINED = (*RUN, "--quarantine", "{dir}/q.csv")
HEADER = ("cliente", "fecha", "monto")


def _shop() -> list[tuple[str, dt.date, int]]:
    """24 customers, each buying 1 to 3 times in the first half of 2024, 2 990 to 42 990."""
    rows, start = [], dt.date(2024, 1, 1)
    for i in range(24):
        first = (i * 5) % 60
        days = [first] if i % 6 == 5 else [first, first + 17 + i, first + 41 + 2 * i][: 2 + i % 2]
        rows += [(f"C{i:02d}", start + dt.timedelta(days=d),
                  2990 + (i * 7919 + d * 1049) % 40000) for d in days]  # fmt: skip
    return rows


SHOP = _shop()


def iso(day: dt.date) -> str:
    return day.isoformat()


def day_first(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def dots(amount: int) -> str:
    """Excel es-CL: dot thousands, no decimals (12990 -> '12.990')."""
    return f"{amount:,}".replace(",", ".")


def export(
    extra: list[str] = (),
    *,
    delimiter: str = ",",
    day: Callable[[dt.date], str] = iso,
    amount: Callable[[int], str] = str,
    header: tuple[str, ...] = HEADER,
    blank_every: int = 0,
) -> str:
    """The shop in one convention, then the ``extra`` lines as written (a blank line after
    every ``blank_every`` shop rows, as Excel pads some exports)."""
    lines = [delimiter.join(header)]
    for number, (customer, date, value) in enumerate(SHOP, start=1):
        lines.append(delimiter.join((customer, day(date), amount(value))))
        if blank_every and number % blank_every == 0:
            lines.append("")
    return "\n".join([*lines, *extra]) + "\n"


def next_line(text: str) -> int:
    """The line a row appended to ``text`` would be on."""
    return text.count("\n") + 1


def customer(name: str, **expected: float) -> Callable[[Path, str], None]:
    """Asserts the predictions of ``name``: every shop customer, plus ``expected`` values."""

    def check(folder: Path, output: str) -> None:
        predictions = pd.read_csv(folder / "out.csv", dtype={"cliente": str})
        assert predictions["cliente"].is_unique and len(predictions) >= len(
            {row[0] for row in SHOP}
        ), output
        row = predictions.set_index("cliente").loc[name]
        for column, value in expected.items():
            assert abs(row[column] - value) < 1e-9, (column, row[column], value, output)

    return check


def both(*checks: Callable[[Path, str], None]) -> Callable[[Path, str], None]:
    def check(folder: Path, output: str) -> None:
        for one in checks:
            one(folder, output)

    return check


def rejected(line: int, reason: str, value: str) -> Callable[[Path, str], None]:
    """Asserts the quarantine holds exactly one row: on ``line``, for ``reason``, as read."""

    def check(folder: Path, output: str) -> None:
        rows = pd.read_csv(folder / "q.csv", dtype=str, keep_default_na=False)
        assert len(rows) == 1, rows
        assert (int(rows.loc[0, "line"]), rows.loc[0, "reason"]) == (line, reason), rows
        assert value in rows.loc[0].tolist(), rows
        assert f"line {line}: {reason}" in output
        customer("C00")(folder, output)

    return check


# X buys on 1 February for 5 000 and again on 5 March: its monetary value is what 5 March reads.
X_FIRST = "X,2024-02-01,5000"
ES_CL = export(["X;01-02-2024;5.000", "X;05-03-2024;11.957", "Y;01-02-2024;100",
                "Y;02-02-2024;2.345,50"], delimiter=";", day=day_first, amount=dots)  # fmt: skip
THOUSANDS = export(["X,2024-02-01,5.000", "X,2024-03-05,11.957"], amount=dots)
# Whole pesos only, as most CLP exports are: no value shows a decimal comma, the ';' says it.
ES_CL_WHOLE_PESOS = export(["X;01-02-2024;5.000", "X;05-03-2024;11.957"], delimiter=";",
                           day=day_first, amount=dots)  # fmt: skip
CP1252_ROWS = ["Muñoz,2024-02-01,5000", "Muñoz,2024-03-05,7000"]
BLANKS = export(blank_every=5)
BLANK_BAD_LINE = next_line(BLANKS + "\n\n")
MONTH_FIRST = export([X_FIRST, "X,03/25/2024,7000"])
MONTH_ONLY = export([X_FIRST, "X,2024-03,7000"])
RAGGED = export([X_FIRST, "X,2024-03-05,12,5"])
STRAY = export()
STRAY_LINE = next_line(STRAY)

CASES = [
    Case(
        "clv: empty CSV",
        "error",
        RUN,
        message=r"t\.csv.*empty",
        files={"t.csv": ""},
    ),
    Case(
        "clv: header line only",
        "error",
        RUN,
        message=r"t\.csv: the file has a header line but no rows",
        files={"t.csv": "cliente,fecha,monto\n"},
    ),
    Case(
        "clv: header and blank lines only (Excel padding)",
        "error",
        RUN,
        message=r"a header line but no rows",
        files={"t.csv": "cliente;fecha;monto\n\n;;\n\n"},
    ),
    Case(
        "clv: UTF-8 with a byte-order mark (Excel's CSV UTF-8)",
        "handled",
        RUN,
        files={"t.csv": "\ufeff" + export([X_FIRST, "X,2024-03-05,7000"])},
        check=customer("X", frequency=1, recency=33, monetary_value=7000),
    ),
    Case(
        "clv: cp1252 export read as UTF-8 names the line and --encoding cp1252",
        "error",
        RUN,
        message=rf"not valid utf-8\S* on line {next_line(export())} .*'ñoz,'.*set --encoding "
        r"cp1252",
        files={"t.csv": export(CP1252_ROWS).encode("cp1252")},
    ),
    Case(
        "clv: cp1252 export with --encoding cp1252",
        "handled",
        (*RUN, "--encoding", "cp1252"),
        files={"t.csv": export(CP1252_ROWS).encode("cp1252")},
        check=customer("Muñoz", frequency=1, recency=33, monetary_value=7000),
    ),
    Case(
        "clv: one stray latin-1 byte deep in a UTF-8 file",
        "error",
        RUN,
        message=rf"on line {STRAY_LINE} \(byte b'\\xe9'.*'é,20'.*--encoding cp1252",
        files={"t.csv": STRAY.encode() + b"Jos\xe9,2024-03-05,7000\n"},
    ),
    Case(
        "clv: unknown --encoding",
        "error",
        (*RUN, "--encoding", "utf-9"),
        message=r"unknown encoding 'utf-9' \(--encoding\)",
        files={"t.csv": export()},
    ),
    Case(
        "clv: UTF-16 tab-separated (Excel's Unicode text) is recognised",
        "handled",
        RUN,
        files={
            "t.csv": export(["X\t2024-02-01\t5000", "X\t2024-03-05\t7000"], delimiter="\t").encode(
                "utf-16"
            )
        },
        check=customer("X", frequency=1, recency=33, monetary_value=7000),
    ),
    Case(
        "clv: Excel es-CL: ';', day-first dates, dot thousands and a decimal comma",
        "handled",
        RUN,
        files={"t.csv": ES_CL},
        check=both(
            customer("X", frequency=1, recency=33, monetary_value=11957),
            customer("Y", frequency=1, recency=1, monetary_value=2345.5),
        ),
    ),
    Case(
        "clv: Excel es-CL with whole pesos only: ';' makes 11.957 eleven thousand pesos",
        "handled",
        RUN,
        files={"t.csv": ES_CL_WHOLE_PESOS},
        check=customer("X", frequency=1, recency=33, monetary_value=11957),
    ),
    Case(
        "clv: 11.957 with no other evidence is ambiguous: the column, value, line and option",
        "error",
        RUN,
        message=r"column 'monto' cannot tell its decimal separator: '\d+\.\d{3}' \(line 2\) is "
        r"\d+ if '\.' separates thousands.*--decimal-separator , for \d+ or "
        r"--decimal-separator \. for",
        files={"t.csv": THOUSANDS},
    ),
    Case(
        "clv: 11.957 with --decimal-separator , is 11957",
        "handled",
        (*RUN, "--decimal-separator", ","),
        files={"t.csv": THOUSANDS},
        check=customer("X", monetary_value=11957),
    ),
    Case(
        "clv: 11.957 with --decimal-separator . is 11.957",
        "handled",
        (*RUN, "--decimal-separator", "."),
        files={"t.csv": export(["X,2024-02-01,5.000", "X,2024-03-05,11.957"])},
        check=customer("X", monetary_value=11.957),
    ),
    Case(
        "clv: one 1.234.567 in the column settles dot thousands for 11.957",
        "handled",
        RUN,
        files={
            "t.csv": export([X_FIRST, "X,2024-03-05,11.957", "Z,2024-02-01,1.234.567"], amount=dots)
        },
        check=customer("X", monetary_value=11957),
    ),
    Case(
        "clv: decorated amounts ('$ 11.957', '$ 1.234.567')",
        "handled",
        RUN,
        files={
            "t.csv": export(
                ["X,2024-02-01,$ 5.000", "X,2024-03-05,$ 11.957", "Z,2024-02-01,$ 1.234.567"],
                amount=lambda a: f"$ {dots(a)}",
            )
        },
        check=customer("X", monetary_value=11957),
    ),
    Case(
        "clv: US amounts '11,957.00' quoted in a comma file",
        "handled",
        RUN,
        files={"t.csv": export([X_FIRST, 'X,2024-03-05,"11,957.00"'], amount=lambda a: f"{a}.00")},
        check=customer("X", monetary_value=11957),
    ),
    Case(
        "clv: decimal comma and decimal point in one column",
        "error",
        RUN,
        message=r"column 'monto' mixes decimal separators: '2\.345,50' \(line \d+\) has a "
        r"decimal comma, '12\.5' \(line \d+\) a decimal point",
        files={"t.csv": export([X_FIRST, 'X,2024-03-05,"2.345,50"', "X,2024-03-06,12.5"])},
    ),
    Case(
        "clv: psql timestamps with -03 offsets, mixed with plain dates: the day as written",
        "handled",
        RUN,
        files={
            "t.csv": export(
                [
                    "X,2024-02-01,5000",
                    "X,2024-03-05 22:10:00-03,7000",
                    "X,2024-03-06 00:30:00-03,9000",
                ]
            )
        },
        check=customer("X", frequency=2, recency=34, monetary_value=8000),
    ),
    Case(
        "clv: -03:00 and Z offsets without --timezone: the day as written",
        "handled",
        RUN,
        files={
            "t.csv": export(
                [
                    "X,2024-02-01T10:00:00-03:00,5000",
                    "X,2024-03-05T20:00:00-03:00,7000",
                    "X,2024-03-06T01:30:00Z,9000",
                ]
            )
        },
        check=customer("X", frequency=2, recency=34, monetary_value=8000),
    ),
    Case(
        "clv: with --timezone America/Santiago, 01:30Z on 6 March is 5 March",
        "handled",
        (*RUN, "--timezone", "America/Santiago"),
        files={
            "t.csv": export(
                [
                    "X,2024-02-01T10:00:00-03:00,5000",
                    "X,2024-03-05T20:00:00-03:00,7000",
                    "X,2024-03-06T01:30:00Z,9000",
                ]
            )
        },
        check=customer("X", frequency=1, recency=33, monetary_value=16000),
    ),
    Case(
        "clv: unknown --timezone",
        "error",
        (*RUN, "--timezone", "Chile/Santiag"),
        message=r"unknown timezone 'Chile/Santiag' \(--timezone\)",
        files={"t.csv": export()},
    ),
    Case(
        "clv: day-first dates (01/02/2024, 05/03/2024, 31-03-2024)",
        "handled",
        RUN,
        files={
            "t.csv": export(
                ["X,01/02/2024,5000", "X,05/03/2024,7000", "X,31-03-2024,9000"], day=day_first
            )
        },
        check=customer("X", frequency=2, recency=59, monetary_value=8000),
    ),
    Case(
        "clv: a month-first date (03/25/2024) is rejected with its line",
        "quarantined",
        QUARANTINED,
        files={"t.csv": MONTH_FIRST},
        check=rejected(next_line(MONTH_FIRST) - 1, "unparseable date", "03/25/2024"),
    ),
    Case(
        "clv: a month (2024-03) is not a day: rejected",
        "quarantined",
        QUARANTINED,
        files={"t.csv": MONTH_ONLY},
        check=rejected(next_line(MONTH_ONLY) - 1, "date is a month, not a day", "2024-03"),
    ),
    Case(
        "clv: blank lines are counted: the rejected row's line is the file's",
        "quarantined",
        QUARANTINED,
        files={"t.csv": BLANKS + "\n\nX,2024-03-05,#N/A\n"},
        check=rejected(BLANK_BAD_LINE, "non-numeric amount", "#N/A"),
    ),
    Case(
        "clv: an unquoted decimal comma makes a row of 4 fields: rejected",
        "quarantined",
        QUARANTINED,
        files={"t.csv": RAGGED},
        check=rejected(next_line(RAGGED) - 1, "4 fields where the header has 3", "12"),
    ),
    Case(
        "clv: the amount column is not in the file",
        "error",
        RUN,
        message=r"the file has no column\(s\) \['monto'\]; its columns: \['cliente', 'fecha', "
        r"'total'\]",
        files={"t.csv": export(header=("cliente", "fecha", "total"))},
    ),
    Case(
        "clv: the amount column twice in the header",
        "error",
        RUN,
        message=r"the header has 'monto' 2 times",
        files={"t.csv": "cliente,fecha,monto,monto\nC1,2024-02-01,5000,5000\n"},
    ),
]

"""Bad inputs of `cerebro mmm fit --input`: the daily spend exports a marketing team in Chile
feeds it (Excel es-CL, psql), read before any fitting.

Most cases stop before the model: an error that names the line, or, where the file is fine,
the model's own "too few rows: 30 days" (30 consecutive days read, where a month-first
reading of 01/02/2024 would have left dates missing): a real floor, since a month is short of
the eight weeks any fit needs before the backtest's 56 days are even held out. The two that
fit use 70 days and ``--draws 50``; their oracle is the spend total, summed here from the
numbers as meant. They are about what is read, not the sampler: their fits draw around fixed
media parameters (tests/ml_assets/mmm/fixed_posterior.py), everything else of the command as
it runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from tests.ml_assets.mmm.fixed_posterior import fixed_posterior
from tests.platform.bad_inputs.bad_input_catalogue import Case

FIT = ("mmm", "fit", "--input", "{dir}/in.csv", "--date-column", "fecha", "--spend-columns",
       "meta,google", "--target-column", "ventas", "--out-dir", "{dir}/out")  # fmt: skip
QUICK = (*FIT, "--draws", "50", "--holdout-days", "7")
START = dt.date(2024, 1, 1)


def _days(count: int) -> list[tuple[dt.date, int, int, int]]:
    """``count`` days of spend on two channels (tens of thousands of pesos) and sales."""
    rows = []
    for i in range(count):
        meta, google = 90_000 + (i * 7919) % 60_000, 40_000 + (i * 104_729) % 50_000
        sales = 400_000 + 2 * meta + 3 * google // 2 + (i * 31_337) % 40_000
        rows.append((START + dt.timedelta(days=i), meta, google, sales))
    return rows


def _dots(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def export(
    count: int,
    extra: list[str] = (),
    *,
    delimiter: str = ",",
    day: Callable[[dt.date], str] = dt.date.isoformat,
    spend: Callable[[int], str] = str,
    sales: Callable[[int], str] = str,
) -> str:
    lines = [delimiter.join(("fecha", "meta", "google", "ventas"))]
    for date, meta, google, total in _days(count):
        lines.append(delimiter.join((day(date), spend(meta), spend(google), sales(total))))
    return "\n".join([*lines, *extra]) + "\n"


def day_first(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def _fixed_posterior(folder: Path) -> Callable[[], None]:
    """A case's setup: its fit draws around fixed media parameters; the undo ends that."""
    stack = contextlib.ExitStack()
    stack.enter_context(fixed_posterior())
    return stack.close


def fitted(start: str, end: str, days: int) -> Callable[[Path, str], None]:
    """Asserts the fit's period and that each channel's spend is the sum of what was meant."""

    def check(folder: Path, output: str) -> None:
        diagnostics = json.loads((folder / "out" / "diagnostics.json").read_text("utf-8"))
        assert (diagnostics["start_date"], diagnostics["end_date"]) == (start, end), diagnostics
        summary = pd.read_csv(folder / "out" / "channel_summary.csv").set_index("channel")
        rows = _days(days)
        assert summary.loc["meta", "spend"] == sum(row[1] for row in rows), summary["spend"]
        assert summary.loc["google", "spend"] == sum(row[2] for row in rows), summary["spend"]

    return check


#: Excel es-CL: byte-order mark, ';', day-first dates, dot thousands, decimal comma.
ES_CL = "\ufeff" + export(
    70, delimiter=";", day=day_first, spend=lambda v: f"{_dots(v)},00",
    sales=lambda v: f"{_dots(v)},50",
)  # fmt: skip
#: psql's COPY of a timestamptz in UTC: 02:00 UTC is 23:00 the evening before in Santiago.
PSQL = export(70, day=lambda d: f"{d} 02:00:00+00", sales=lambda v: f"{v}.25")
#: Noon in Chile for 30 days, then one row at 02:00 UTC on the 31st (23:00 on the 30th there).
EVENING = export(30, ["2024-01-31T02:00:00Z,100000,50000,700000"],
                 day=lambda d: f"{d} 12:00:00-03")  # fmt: skip
THOUSANDS = export(30, spend=_dots)
BLANKS = export(10) + "\n\n" + "\n".join(export(20).splitlines()[11:]) + "\n"

CASES = [
    Case(
        "mmm fit: empty CSV",
        "error",
        FIT,
        message=r"in\.csv: the file is empty",
        files={"in.csv": ""},
    ),
    Case(
        "mmm fit: header line only",
        "error",
        FIT,
        message=r"in\.csv: the file has a header line but no rows",
        files={"in.csv": "fecha,meta,google,ventas\n"},
    ),
    Case(
        "mmm fit: cp1252 header read as UTF-8",
        "error",
        FIT,
        message=r"on line 1 \(byte b'\\xf3'.*'ón,m'.*set --encoding cp1252",
        files={"in.csv": export(30).replace("fecha", "inversión").encode("cp1252")},
    ),
    Case(
        "mmm fit: day-first dates are 30 consecutive days (too few rows, not missing dates)",
        "error",
        FIT,
        message=r"too few rows: 30 days, the model needs at least 112 \(56 to fit, 56 days of "
        r"history, and 56 held out for the backtest",
        files={"in.csv": export(30, day=day_first)},
    ),
    Case(
        "mmm fit: dates with -03 offsets (psql) are days",
        "error",
        FIT,
        message=r"too few rows: 31 days, the model needs at least 112 \(56 to fit, 56 days of",
        files={"in.csv": EVENING},
    ),
    Case(
        "mmm fit: with --timezone America/Santiago, 02:00Z on the 31st is the 30th again",
        "error",
        (*FIT, "--timezone", "America/Santiago"),
        message=r"1 duplicate dates \(first: 2024-01-30\)",
        files={"in.csv": EVENING},
    ),
    Case(
        "mmm fit: unknown --timezone",
        "error",
        (*FIT, "--timezone", "Santiago"),
        message=r"unknown timezone 'Santiago' \(--timezone\)",
        files={"in.csv": export(30)},
    ),
    Case(
        "mmm fit: a month (2024-01) in the date column",
        "error",
        FIT,
        message=r"column 'fecha', line 32: '2024-01': date is a month, not a day",
        files={"in.csv": export(30, ["2024-01,1,1,1"])},
    ),
    Case(
        "mmm fit: an impossible date (31/02/2024)",
        "error",
        FIT,
        message=r"column 'fecha', line 32: '31/02/2024': unparseable date \(use YYYY-MM-DD, "
        r"DD-MM-YYYY",
        files={"in.csv": export(30, ["31/02/2024,1,1,1"], day=day_first)},
    ),
    Case(
        "mmm fit: a month-first date (01/13/2024)",
        "error",
        FIT,
        message=r"line 14: '01/13/2024': unparseable date",
        files={"in.csv": export(30, day=lambda d: f"{d:%m/%d/%Y}")},
    ),
    Case(
        "mmm fit: blank lines are counted in the line of a bad date",
        "error",
        FIT,
        message=r"line 24: '2024-02': date is a month, not a day",
        files={"in.csv": BLANKS + "2024-02,1,1,1\n"},
    ),
    Case(
        "mmm fit: spend of only three-digit groups (90.000) cannot tell its decimal separator",
        "error",
        FIT,
        message=r"column 'meta' cannot tell its decimal separator: '90\.000' \(line 2\) is "
        r"90000 if '\.' separates thousands or 90\.000 if it is the decimal mark.*"
        r"--decimal-separator , for 90000",
        files={"in.csv": THOUSANDS},
    ),
    Case(
        "mmm fit: decimal comma and decimal point in the target column",
        "error",
        FIT,
        message=r"column 'ventas' mixes decimal separators: '1\.234,5' \(line 32\) has a "
        r"decimal comma, '\d+\.5' \(line 2\) a decimal point",
        files={"in.csv": export(30, ['2024-01-31,1,1,"1.234,5"'], sales=lambda v: f"{v}.5")},
    ),
    Case(
        "mmm fit: '12.5' in a --decimal-separator , file",
        "error",
        (*FIT, "--decimal-separator", ","),
        message=r"column 'google', line 32: '12\.5': not a number with a decimal comma",
        files={"in.csv": export(30, ["2024-01-31;1;12.5;1"], delimiter=";")},
    ),
    Case(
        "mmm fit: a row with a field too many",
        "error",
        FIT,
        message=r"in\.csv: line 7: 5 fields where the header has 4",
        files={"in.csv": export(30).replace("\n2024-01-06,", "\n2024-01-06,0,", 1)},
    ),
    Case(
        "mmm fit: 'n/a' in a spend column is named with its role",
        "error",
        FIT,
        message=r"spend column 'meta' has 1 non-numeric values \(row 30: 'n/a'\)",
        files={"in.csv": export(29, ["2024-01-30,n/a,1,1"])},
    ),
    Case(
        "mmm fit: a spend column not in the file",
        "error",
        (*FIT, "--spend-columns", "meta,tiktok"),
        message=r"unknown column\(s\) \['tiktok'\]",
        files={"in.csv": export(30)},
    ),
    Case(
        "mmm fit: Excel es-CL (BOM, ';', day-first, 1.234.567,00) fits with the spend as meant",
        "handled",
        QUICK,
        files={"in.csv": ES_CL},
        setup=_fixed_posterior,
        check=fitted("2024-01-01", "2024-03-10", 70),
    ),
    Case(
        "mmm fit: psql timestamps in UTC with --timezone America/Santiago start the day before",
        "handled",
        (*QUICK, "--timezone", "America/Santiago"),
        files={"in.csv": PSQL},
        setup=_fixed_posterior,
        check=fitted("2023-12-31", "2024-03-09", 70),
    ),
]

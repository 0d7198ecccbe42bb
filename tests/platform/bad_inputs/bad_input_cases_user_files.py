"""Files a user hands the program that mean something else than they seem (issue 56): ids that
Excel turned into scientific notation, an amount mistyped beyond anything a purchase can be,
a workbook or UTF-16 text under a .csv name, and the plain exports around them that must stay
readable (13-digit ids written in full, leading zeros, ``|`` and CR-only lines).

``cerebro clv`` cases reuse the small shop of ``bad_input_cases_clv`` (24 customers, 20 repeat
buyers); CSV-tap cases its settings helpers.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from cerebro.cli.main import main
from tests.platform.bad_inputs.bad_input_cases_clv import (
    QUARANTINED,
    RUN,
    SHOP,
    customer,
    day_first,
    dots,
    export,
)
from tests.platform.bad_inputs.bad_input_cases_taps import (
    ORDERS_HEADER,
    SPEND_HEADER,
    csv_case,
    quarantined,
    records,
)
from tests.platform.bad_inputs.bad_input_catalogue import Case

# Shopify customer ids are 13 digits (6100010000004 in the demo); Excel's General format shows
# them as 6,10001E+12 in es-CL and 6.10001E+12 elsewhere, and saves what it shows.
LONG_IDS = {
    name: str(6100010000000 + number) for number, name in enumerate(sorted({r[0] for r in SHOP}))
}


def _shop_with_ids(ids: dict[str, str], *, delimiter: str = ",", es_cl: bool = False) -> str:
    lines = [delimiter.join(("cliente", "fecha", "monto"))]
    for name, day, amount in SHOP:
        cells = (ids.get(name, name), day_first(day) if es_cl else day.isoformat(),
                 dots(amount) if es_cl else str(amount))  # fmt: skip
        lines.append(delimiter.join(cells))
    return "\n".join(lines) + "\n"


ES_CL_SCIENTIFIC = _shop_with_ids(dict.fromkeys(LONG_IDS, "6,10001E+12"), delimiter=";", es_cl=True)
US_SCIENTIFIC = _shop_with_ids(dict.fromkeys(LONG_IDS, "6.10001E+12"))
ONE_SCIENTIFIC = _shop_with_ids({"C07": "6.10001E+12"})
IN_FULL = _shop_with_ids(LONG_IDS, delimiter=";", es_cl=True)
# X buys on 1 February for 5 000; its second amount is a slip of the finger on the 9.
TYPO = export(["X,2024-02-01,5000", "X,2024-03-05,9999999999999999999999999"])
WITHOUT_TYPO = export(["X,2024-02-01,5000"])


def _workbook() -> bytes:
    """The first bytes a .xlsx has: a zip of the workbook's XML parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as workbook:
        workbook.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        workbook.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        workbook.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData/></worksheet>")
    return buffer.getvalue()


XLSX = _workbook()
#: A .xls (Excel 97-2003) starts with the OLE compound document signature.
XLS = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)


def _same_as_without_the_typo(folder: Path, output: str) -> None:
    """Every customer's predictions are those of the file without the mistyped row, worked
    out by the same command (the typo's row left out by hand): it moved nothing."""
    (folder / "reference").mkdir()
    (folder / "reference" / "t.csv").write_text(WITHOUT_TYPO, encoding="utf-8")
    args = [arg.format(dir=folder / "reference") for arg in RUN]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    found = pd.read_csv(folder / "out.csv", dtype={"cliente": str}).set_index("cliente")
    expected = pd.read_csv(folder / "reference" / "out.csv", dtype={"cliente": str})
    pd.testing.assert_frame_equal(found, expected.set_index("cliente"), check_exact=False,
                                  rtol=1e-12)  # fmt: skip
    rows = pd.read_csv(folder / "q.csv", dtype=str, keep_default_na=False)
    assert rows["monto"].tolist() == ["9999999999999999999999999"], rows
    assert rows["reason"].tolist() == ["amount beyond 1e+15, more than any purchase"], rows


SCIENTIFIC = r"is an id in scientific notation: Excel showed a long number .*format the column "
WORKBOOK = r"this is an Excel workbook \(\.xlsx\) or another zip file, not a CSV export: in Excel, "


def _line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


CLV_CASES = [
    Case(
        "clv: customer ids as Excel es-CL shows 13 digits (6,10001E+12) in a ';' file",
        "error",
        RUN,
        message=r"t\.csv: column 'cliente', line 2 \(\d+ of \d+ ids\): '6,10001E\+12' "
        + SCIENTIFIC
        + r"as Text in Excel and export again",
        files={"t.csv": ES_CL_SCIENTIFIC},
    ),
    Case(
        "clv: customer ids as Excel en-US shows them (6.10001E+12) in a ',' file",
        "error",
        RUN,
        message=r"column 'cliente', line 2 \(\d+ of \d+ ids\): '6\.10001E\+12' " + SCIENTIFIC,
        files={"t.csv": US_SCIENTIFIC},
    ),
    Case(
        "clv: one customer's id in scientific notation among text ids names its first line",
        "error",
        RUN,
        message=rf"column 'cliente', line {_line_of(ONE_SCIENTIFIC, '6.10001E+12')} "
        r"\(3 of \d+ ids\): "
        r"'6\.10001E\+12' " + SCIENTIFIC,
        files={"t.csv": ONE_SCIENTIFIC},
    ),
    Case(
        "clv: 13-digit ids written in full stay one customer each",
        "handled",
        RUN,
        files={"t.csv": IN_FULL},
        check=customer(LONG_IDS["C01"], frequency=2),
    ),
    Case(
        "clv: ids with leading zeros stay apart from those without",
        "handled",
        RUN,
        files={
            "t.csv": export(
                [
                    "007,2024-02-01,5000",
                    "007,2024-03-05,7000",
                    "7,2024-02-01,100",
                    "7,2024-02-09,300",
                ]
            )
        },
        check=lambda folder, output: (
            customer("007", frequency=1, monetary_value=7000)(folder, output),
            customer("7", frequency=1, monetary_value=300)(folder, output),
        ),
    ),
    Case(
        "clv: a 25-digit mistyped amount is set aside and moves no customer's value",
        "quarantined",
        QUARANTINED,
        message=r"Warning: 1 rows rejected \(amount beyond 1e\+15, more than any purchase: 1\)",
        files={"t.csv": TYPO},
        check=_same_as_without_the_typo,
    ),
    Case(
        "clv: an amount in scientific notation (1E+25) is not a number",
        "quarantined",
        QUARANTINED,
        files={"t.csv": export(["X,2024-02-01,5000", "X,2024-03-05,1E+25"])},
        check=lambda folder, output: _one_rejected(folder, "1E+25", "non-numeric amount"),
    ),
    Case(
        "clv: a workbook (.xlsx) saved under a .csv name",
        "error",
        RUN,
        message=r"t\.csv: " + WORKBOOK + r"save it with Save As > CSV UTF-8",
        files={"t.csv": XLSX},
    ),
    Case(
        "clv: an Excel 97-2003 workbook (.xls) under a .csv name",
        "error",
        RUN,
        message=r"t\.csv: this is an Excel 97-2003 workbook \(\.xls\), not a CSV export",
        files={"t.csv": XLS},
    ),
    Case(
        "clv: UTF-16 text without its byte-order mark",
        "error",
        RUN,
        message=r"every other byte is zero: UTF-16 text without its byte-order mark; set "
        r"--encoding utf-16-le",
        files={"t.csv": export().encode("utf-16-le")},
    ),
    Case(
        "clv: a '|'-delimited export",
        "handled",
        RUN,
        files={"t.csv": export(["X|2024-02-01|5000", "X|2024-03-05|7000"], delimiter="|")},
        check=customer("X", frequency=1, recency=33, monetary_value=7000),
    ),
    Case(
        "clv: lines ended by CR alone (classic Mac)",
        "handled",
        RUN,
        files={"t.csv": export(["X,2024-02-01,5000", "X,2024-03-05,7000"]).replace("\n", "\r")},
        check=customer("X", frequency=1, recency=33, monetary_value=7000),
    ),
]


def _one_rejected(folder: Path, value: str, reason: str) -> None:
    rows = pd.read_csv(folder / "q.csv", dtype=str, keep_default_na=False)
    assert rows["monto"].tolist() == [value] and rows["reason"].tolist() == [reason], rows
    customer("X", frequency=0)(folder, "")


SCIENTIFIC_ORDERS = ORDERS_HEADER + "".join(
    f"{number};6,10001E+12;05-03-2024 10:0{number};1.000;CLP\n" for number in range(1, 4)
)
CSV_CASES = [
    csv_case(
        "order customer ids in scientific notation are set aside, not merged",
        "quarantined",
        SCIENTIFIC_ORDERS,
        file="pedidos.csv",
        stream="orders",
        message=r"every row was rejected; the first one for line 2: customer_id: "
        r"'6,10001E\+12' is an id in scientific notation",
        check=lambda folder, output: (
            quarantined(*["customer_id: '6,10001E+12' is an id in scientific notation"] * 3)(
                folder, output
            ),
            records("orders", "order_id")(folder, output),
        ),
    ),
    csv_case(
        "an ad account id in scientific notation, beside one written in full",
        "quarantined",
        SPEND_HEADER
        + "2024-03-05,meta,1,a,CLP,100,10,1\n"
        + '2024-03-05,meta,"1,2E+14",b,CLP,100,10,1\n'
        + "2024-03-05,meta,120000000000001,c,CLP,100,10,1\n",
        check=lambda folder, output: (
            quarantined("account_id: '1,2E+14' is an id in scientific notation")(folder, output),
            records("ad_spend", "account_id", "1", "120000000000001")(folder, output),
        ),
    ),
    csv_case(
        "a workbook (.xlsx) under a .csv name",
        "error",
        XLSX,
        message=r"gasto\.csv: " + WORKBOOK,
    ),
    csv_case(
        "UTF-16 text without its byte-order mark",
        "error",
        SPEND_HEADER.encode("utf-16-le"),
        message=r"every other byte is zero: UTF-16 text without its byte-order mark; set "
        r"encoding: utf-16-le",
    ),
]

MMM_CASES = [
    Case(
        "mmm fit: a workbook (.xlsx) as --input",
        "error",
        (
            "mmm",
            "fit",
            "--spend-columns",
            "search,social",
            "--target-column",
            "revenue",
            "--input",
            "{dir}/spend.csv",
            "--out-dir",
            "{dir}/out",
        ),
        message=r"spend\.csv: " + WORKBOOK,
        files={"spend.csv": XLSX},
    ),
]

CASES = [*CLV_CASES, *CSV_CASES, *MMM_CASES]

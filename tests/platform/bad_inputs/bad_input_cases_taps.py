"""Bad inputs of the Singer programs ``cerebro run`` chains: the CSV tap (a store's exports
with the wrong settings, encodings, thousands marks and bad rows), the DuckDB target (Singer
input that is torn, out of order or unknown, a database file it cannot open) and the HTTP
taps facing a vendor that refuses them (a one-answer local server).

Each program runs as its console script, as the landing step runs it; the settings file is
written by the case's ``setup`` because it names files in the case's folder.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb

from tests.platform.bad_inputs.bad_input_catalogue import Case

CONFIG = ("--config", "{dir}/config.json")
TARGET = ("--config", "{dir}/target.json")
SPEND_HEADER = "date,platform,account_id,campaign_name,currency,spend,impressions,clicks\n"
ORDERS_HEADER = "order_id;customer_id;created_at;total_amount;currency\n"


def _written(folder: Path, name: str, settings: dict) -> None:
    """``settings`` as JSON in ``folder/name``, with ``{dir}`` in its texts made the folder."""
    text = json.dumps(settings).replace("{dir}", str(folder).replace("\\", "/"))
    (folder / name).write_text(text, encoding="utf-8")


#: Settings of one file entry (``files.<stream>[]``); the others are the tap's.
FILE_SETTINGS = frozenset({"delimiter", "decimal_separator", "encoding", "columns", "date_format"})


def csv_settings(stream: str = "ad_spend", file: str = "gasto.csv", **settings) -> Callable:
    """A setup writing the CSV tap's config.json: one file of ``stream``, ``entry`` settings
    (``delimiter``, ``decimal_separator``, ``encoding``, ``columns``...) and tap settings."""
    entry = {key: settings.pop(key) for key in list(settings) if key in FILE_SETTINGS}
    config = {
        "tenant_id": "tienda_cl",
        "quarantine_path": "{dir}/quarantine.csv",
        "files": {stream: [{"path": f"{{dir}}/{file}", **entry}]},
        **settings,
    }
    return lambda folder: _written(folder, "config.json", config)


def target_settings(path: str = "{dir}/w.duckdb") -> Callable:
    config = {"path": path, "default_target_schema": "raw"}
    return lambda folder: _written(folder, "target.json", config)


def quarantined(*reasons: str) -> Callable[[Path, str], None]:
    """The quarantine file holds exactly these reasons (each found in its entry's reason)."""

    def check(folder: Path, output: str) -> None:
        with (folder / "quarantine.csv").open(encoding="utf-8", newline="") as handle:
            entries = list(csv.DictReader(handle))
        assert len(entries) == len(reasons), entries
        for entry, reason in zip(entries, reasons, strict=True):
            assert reason in entry["reason"], (reason, entry)

    return check


def records(stream: str, column: str, *values: object) -> Callable[[Path, str], None]:
    """The Singer RECORD messages of ``stream`` printed carry exactly these ``column`` values."""

    def check(folder: Path, output: str) -> None:
        messages = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        found = [
            m["record"][column]
            for m in messages
            if m.get("type") == "RECORD" and m["stream"] == stream
        ]
        assert found == list(values), found

    return check


def both(*checks: Callable[[Path, str], None]) -> Callable[[Path, str], None]:
    def check(folder: Path, output: str) -> None:
        for one in checks:
            one(folder, output)

    return check


def spend_rows(*cells: str) -> str:
    """An ad spend export, comma-delimited, one row per ``spend,impressions`` pair."""
    rows = "".join(
        f"2024-03-05,meta,1,c{number},CLP,{pair},10\n" for number, pair in enumerate(cells)
    )
    return SPEND_HEADER + rows


def csv_case(name: str, outcome: str, content: str | bytes, *, message: str = "", check=None,
             file: str = "gasto.csv", **settings) -> Case:  # fmt: skip
    stream = settings.pop("stream", "ad_spend")
    return Case(
        f"taps/csv: {name}",
        outcome,
        CONFIG,
        message=message,
        files={file: content} if content is not None else {},
        setup=csv_settings(stream, file, **settings),
        check=check,
        program="tap-cerebro-csv",
        exit_code=2 if outcome == "error" else None,
    )


def singer(*messages: dict | str) -> str:
    return "".join((m if isinstance(m, str) else json.dumps(m)) + "\n" for m in messages)


ORDERS_SCHEMA = {
    "type": "SCHEMA",
    "stream": "orders",
    "schema": {
        "type": "object",
        "properties": {"order_id": {"type": "string"}, "total": {"type": "number"}},
    },
    "key_properties": ["order_id"],
}


def order(order_id: str, total: object = 1) -> dict:
    return {"type": "RECORD", "stream": "orders", "record": {"order_id": order_id, "total": total}}


def landed(path: str, *order_ids: str) -> Callable[[Path, str], None]:
    def check(folder: Path, output: str) -> None:
        with duckdb.connect(str(folder / path), read_only=True) as connection:
            rows = connection.execute("select order_id from raw.orders order by 1").fetchall()
        assert [row[0] for row in rows] == list(order_ids), rows

    return check


def state_echoed(state: dict) -> Callable[[Path, str], None]:
    """The target printed ``state`` (what the landing step saves as the next bookmark)."""

    def check(folder: Path, output: str) -> None:
        assert json.dumps(state) in output.splitlines(), output

    return check


def nothing_landed(folder: Path, output: str) -> None:
    assert not (folder / "w.duckdb").exists(), "no database file for no data"
    assert '"type": "STATE"' not in output and "bookmarks" not in output


def target_case(name: str, outcome: str, stdin: str, *, message: str = "", check=None,
                setup=None, files=None) -> Case:  # fmt: skip
    return Case(
        f"taps/target: {name}",
        outcome,
        TARGET,
        message=message,
        files=files or {},
        setup=setup or target_settings(),
        check=check,
        program="target-cerebro-duckdb",
        stdin=stdin,
        exit_code=2 if outcome == "error" else None,
    )


_HOLD_READ_ONLY = """
import sys, duckdb
connection = duckdb.connect(sys.argv[1], read_only=True)
print("holding", flush=True)
sys.stdin.read()
"""


def _held_by_another_process(folder: Path) -> Callable[[], None]:
    """A DuckDB file another process has open (read-only, so it never writes to it): DuckDB
    lets no other process write it meanwhile."""
    target_settings()(folder)
    duckdb.connect(str(folder / "w.duckdb")).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_READ_ONLY, str(folder / "w.duckdb")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "holding"

    def release() -> None:
        holder.communicate("", timeout=30)

    return release


def _vendor_answering(status: int, body: dict, script_settings: Callable[[str], dict]):
    """A setup: a local server answering every request with ``status`` and ``body`` (what the
    vendor says to a refused token), and the tap's config.json pointing at it."""

    class Refusing(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:  # quiet
            pass

    def setup(folder: Path) -> Callable[[], None]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base_url = f"http://127.0.0.1:{server.server_port}"
        _written(folder, "config.json", script_settings(base_url))

        def undo() -> None:
            server.shutdown()
            server.server_close()

        return undo

    return setup


def vendor_case(name: str, program: str, status: int, body: dict, settings, message: str) -> Case:
    return Case(
        f"taps/{program.removeprefix('tap-cerebro-')}: {name}",
        "error",
        CONFIG,
        message=message,
        setup=_vendor_answering(status, body, settings),
        program=program,
        exit_code=2,
    )


AMBIGUOUS = "spend: '11.957' is ambiguous: 11957 if the point separates thousands, 11.957 if it"
LATIN1_SPEND = SPEND_HEADER + "2024-03-05,meta,1,Campaña Año nuevo,CLP,100,10,1\n"

CSV_CASES = [
    csv_case(
        "11.957 in a comma-delimited file is ambiguous (thousands or decimals)",
        "quarantined",
        spend_rows("11.957,100", "100,100"),
        check=both(quarantined(AMBIGUOUS), records("ad_spend", "spend", 100)),
    ),
    csv_case(
        "11.957 impressions (a count) is ambiguous the same way",
        "quarantined",
        spend_rows("100,11.957"),
        check=quarantined("impressions: '11.957' is ambiguous"),
    ),
    csv_case(
        "1.234.567 in a comma-delimited file is thousands",
        "handled",
        spend_rows("1.234.567,2.000.000"),
        check=both(
            records("ad_spend", "spend", 1234567), records("ad_spend", "impressions", 2000000)
        ),
    ),
    csv_case(
        "11,957 in a semicolon file is ambiguous (decimal comma guessed)",
        "quarantined",
        SPEND_HEADER.replace(",", ";") + "05-03-2024;meta;1;a;CLP;11,957;100;10\n",
        check=quarantined("spend: '11,957' is ambiguous: 11957 if the comma separates"),
    ),
    csv_case(
        "decimal_separator '.' set: 11.957 is 11.957",
        "handled",
        spend_rows("11.957,100"),
        decimal_separator=".",
        check=records("ad_spend", "spend", 11.957),
    ),
    csv_case(
        "decimal_separator ',' set in a comma-delimited file: 11.957 is 11957",
        "handled",
        spend_rows("11.957,100"),
        decimal_separator=",",
        check=records("ad_spend", "spend", 11957),
    ),
    csv_case(
        "a cp1252 export read as UTF-8",
        "error",
        LATIN1_SPEND.encode("cp1252"),
        message=r"gasto\.csv: not valid utf-8-sig on line 2 .*set encoding: cp1252",
    ),
    csv_case(
        "a cp1252 export with encoding: cp1252",
        "handled",
        LATIN1_SPEND.encode("cp1252"),
        encoding="cp1252",
        check=records("ad_spend", "campaign_name", "Campaña Año nuevo"),
    ),
    csv_case(
        "an unknown encoding",
        "error",
        spend_rows("1,1"),
        encoding="latin-9000",
        message=r"unknown encoding 'latin-9000'",
    ),
    csv_case(
        "delimiter ';' set for a comma-delimited file",
        "error",
        spend_rows("1,1"),
        delimiter=";",
        message=r"ad_spend needs \[.*'date'.*\]: map them in 'columns' .*the header has "
        r"\['date,platform,",
    ),
    csv_case(
        "a delimiter of two characters",
        "error",
        spend_rows("1,1"),
        delimiter=";;",
        message=r"delimiter must be one character or 'auto'",
    ),
    csv_case(
        "decimal_separator 'x'",
        "error",
        spend_rows("1,1"),
        decimal_separator="x",
        message=r"decimal_separator must be ',', '\.' or 'auto'",
    ),
    csv_case("a missing file", "error", None, message=r"gasto\.csv: no such file"),
    csv_case("an empty file", "error", "", message=r"the file is empty \(no header line\)"),
    csv_case(
        "a timezone that is not IANA",
        "error",
        spend_rows("1,1"),
        timezone="America/Santiag",
        message=r"timezone 'America/Santiag' is not an IANA timezone",
    ),
    csv_case(
        "earliest_date not YYYY-MM-DD",
        "error",
        spend_rows("1,1"),
        earliest_date="01-01-2000",
        message=r"earliest_date '01-01-2000' is not a YYYY-MM-DD date",
    ),
    csv_case(
        "an empty tenant_id",
        "error",
        spend_rows("1,1"),
        tenant_id=" ",
        message=r"tenant_id ' ' is empty or has spaces around it",
    ),
    csv_case(
        "a stream kind it does not know",
        "error",
        spend_rows("1,1"),
        stream="gastos",
        message=r"unknown stream kinds \['gastos'\] in files",
    ),
    csv_case(
        "a mapping to a column the header lacks",
        "error",
        spend_rows("1,1"),
        columns={"spend": "Costo"},
        message=r"no column 'Costo' \(mapped to spend\)",
    ),
    csv_case(
        "a date_format that cannot read back a date",
        "error",
        spend_rows("1,1"),
        date_format="%d-%q-%Y",
        message=r"date_format '%d-%q-%Y' cannot read back a date it writes",
    ),
    Case(
        "taps/csv: no quarantine_path in the settings",
        "error",
        CONFIG,
        message=r"'quarantine_path' is a required property",
        setup=lambda folder: _written(folder, "config.json", {"tenant_id": "t", "files": {}}),
        program="tap-cerebro-csv",
    ),
    csv_case(
        "a negative spend, text in an amount and an unknown currency",
        "quarantined",
        SPEND_HEADER
        + "2024-03-05,meta,1,a,CLP,-5,10,1\n"
        + "2024-03-05,meta,1,b,CLP,#N/A,10,1\n"
        + "2024-03-05,meta,1,c,CLN,100,10,1\n"
        + "2024-03-05,meta,1,d,CLP,100,10,1\n",
        check=both(
            quarantined(
                "spend: -5 is negative",
                "spend: '#N/A' is not a number (decimal point)",
                "currency: 'CLN' is not an ISO 4217 currency code",
            ),
            records("ad_spend", "campaign_name", "d"),
        ),
    ),
    csv_case(
        "the same order twice with different totals",
        "quarantined",
        ORDERS_HEADER + "1;c1;05-03-2024 10:00;1.000;CLP\n1;c1;05-03-2024 10:00;2.000;CLP\n",
        file="pedidos.csv",
        stream="orders",
        check=both(
            quarantined("with different values: the first row wins"),
            records("orders", "total_amount", 1000),
        ),
    ),
    csv_case(
        "every row rejected (a decimal-point file declared decimal-comma)",
        "quarantined",
        ORDERS_HEADER + "1;c1;05-03-2024 10:00;1,234.5;CLP\n2;c1;05-03-2024 11:00;99.5;CLP\n",
        file="pedidos.csv",
        stream="orders",
        decimal_separator=",",
        message=r"every row was rejected; the first one for line 2: total_amount: '1,234\.5'",
        check=quarantined("is not a number (decimal comma)", "is not a number (decimal comma)"),
    ),
]

TARGET_CASES = [
    target_case(
        "a line that is not JSON (a tap killed mid-write)",
        "error",
        singer(ORDERS_SCHEMA, '{"type": "RECORD", "stream": "ord'),
        message=r"input line 2 is not a Singer message \(not valid JSON from column \d+\)",
    ),
    target_case(
        "a RECORD before its SCHEMA",
        "error",
        singer(order("1")),
        message=r"A record for stream 'orders' was encountered before a corresponding schema",
    ),
    target_case(
        "a record that does not match its schema",
        "error",
        singer(ORDERS_SCHEMA, order("1", total="mil")),
        message=r"Stream 'orders': value 'mil' in column 'total' is invalid",
        check=landed("w.duckdb"),  # the batch with the bad record is not written
    ),
    target_case(
        "a message type the Singer spec does not define",
        "error",
        singer(ORDERS_SCHEMA, {**order("1"), "type": "RECORDS"}),
        message=r"input line 2 is not a Singer message \(type 'RECORDS'; a message's type is "
        r"one of ACTIVATE_VERSION, BATCH, RECORD, SCHEMA, STATE\)",
    ),
    target_case("empty input", "handled", "", check=nothing_landed),
    target_case(
        "a STATE only",
        "handled",
        singer({"type": "STATE", "value": {"bookmarks": {"orders": "2024-03-05"}}}),
        check=state_echoed({"bookmarks": {"orders": "2024-03-05"}}),
    ),
    target_case(
        "a DuckDB path in a folder that does not exist yet",
        "handled",
        singer(ORDERS_SCHEMA, order("1"), order("2")),
        setup=target_settings("{dir}/new/folder/w.duckdb"),
        check=landed("new/folder/w.duckdb", "1", "2"),
    ),
    target_case(
        "a DuckDB path inside a file",
        "error",
        singer(ORDERS_SCHEMA, order("1")),
        files={"notes": "a file, not a folder"},
        setup=target_settings("{dir}/notes/w.duckdb"),
        message=r"cannot create the folder of the DuckDB file .*notes/w\.duckdb",
    ),
    target_case(
        "a DuckDB path naming a text file",
        "error",
        singer(ORDERS_SCHEMA, order("1")),
        files={"w.duckdb": "order_id,total\n1,1\n"},
        message=r"cannot open the DuckDB file .*w\.duckdb \(.*not a valid DuckDB database "
        r"file.*\); check the target's path setting",
    ),
    target_case(
        "a DuckDB file another process has open",
        "error",
        singer(ORDERS_SCHEMA, order("1")),
        setup=_held_by_another_process,
        message=r"cannot open the DuckDB file .*w\.duckdb: another process has it open .*"
        r"close that process or wait for it to finish, then run again",
    ),
]

# fmt: off
VENDOR_CASES = [
    vendor_case(
        "a revoked access token", "tap-cerebro-meta-ads", 400,
        {"error": {"message": "Error validating access token: Session has expired.",
                   "type": "OAuthException", "code": 190, "error_subcode": 463}},
        lambda url: {"tenant_id": "t", "access_token": "EAAB-x", "account_ids": ["1"],
                     "start_date": "2024-03-01", "base_url": url},
        r"Meta rejected the access token \(code 190.*put it in the environment variable",
    ),
    vendor_case(
        "a wrong access token", "tap-cerebro-shopify", 401,
        {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
        lambda url: {"tenant_id": "t", "shop": "tienda", "access_token": "shpat_x",
                     "base_url": url + "/", "end_date": "2024-03-05T00:00:00+00:00"},
        r"Shopify refused the access token for tienda\.myshopify\.com \(HTTP 401",
    ),
    vendor_case(
        "a refresh token Google no longer accepts", "tap-cerebro-search-console", 400,
        {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
        lambda url: {"tenant_id": "t", "site_urls": ["sc-domain:tienda.cl"], "client_id": "c",
                     "client_secret": "s", "refresh_token": "r", "start_date": "2024-03-01",
                     "end_date": "2024-03-02", "base_url": url, "token_url": url + "/token"},
        r"Google refused to refresh the access token \(HTTP 400, invalid_grant.*Authorize",
    ),
]
# fmt: on

CASES = [*CSV_CASES, *TARGET_CASES, *VENDOR_CASES]

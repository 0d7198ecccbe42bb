"""tap-cerebro-csv: exports in, contract records out, every bad row quarantined with its reason.

Oracles: hand-written files whose right values are known (Chilean Excel
conventions: BOM, ``;``, ``1.234,5``, day-first dates; platform conventions:
``,``, ``1,234.5``, ISO dates), a catalogue of bad rows each with the reason it
must be rejected for, Santiago's DST transitions for local timestamps, the
Shopify contract (records validate against the demo's schemas) and the count
identity: accepted + quarantined = rows in the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import threading
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from cerebro_raw_contract import raw_stream
from cerebro_tap_kit.csv_reader import FileConfigError
from tap_cerebro_csv.streams import STREAM_KINDS
from tap_cerebro_csv.tap import TapCerebroCsv

from cerebro.landing.taps import tap_invocation
from cerebro.tenants import load_tenants

TIKTOK_COLUMNS = {
    "date": "Fecha",
    "campaign_name": "Campaña",
    "spend": "Costo",
    "impressions": "Impresiones",
    "clicks": "Clics",
    "currency": "Moneda",
}
TIKTOK_VALUES = {"platform": "tiktok", "account_id": "7001"}


def write(path: Path, text: str, encoding: str = "utf-8-sig") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def ad_spend_config(tmp_path: Path, *files: dict) -> dict:
    return {
        "tenant_id": "tienda_cl",
        "quarantine_path": str(tmp_path / "quarantine" / "rejected.csv"),
        "files": {"ad_spend": list(files)},
    }


def quarantined(config: dict) -> list[dict]:
    with open(config["quarantine_path"], encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_chilean_excel_export_with_bom_semicolons_and_decimal_commas(
    tmp_path, run_in_process, fake_clock_at
):
    path = write(
        tmp_path / "tiktok.csv",
        (
            "Fecha;Campaña;Costo;Impresiones;Clics;Moneda;Notas\r\n"
            "05-03-2024;Verano;$ 1.234.567,50;12.345;321;clp;\r\n"
            '06/03/2024;"Otoño; 2x1";99,9;1.000;0;CLP;sin notas\r\n'
            ";;;;;;\r\n"
        ),
    )
    config = ad_spend_config(
        tmp_path, {"path": str(path), "columns": TIKTOK_COLUMNS, "values": TIKTOK_VALUES}
    )
    run = run_in_process(TapCerebroCsv, config, clock=fake_clock_at("2024-03-07T12:00:00+00:00"))
    assert run.error is None
    assert run.records("ad_spend") == [
        {
            "tenant_id": "tienda_cl",
            "date": "2024-03-05",
            "platform": "tiktok",
            "account_id": "7001",
            "campaign_name": "Verano",
            "currency": "CLP",
            "spend": Decimal("1234567.50"),
            "impressions": 12345,
            "clicks": 321,
            "source_file": "tiktok.csv",
        },
        {
            "tenant_id": "tienda_cl",
            "date": "2024-03-06",
            "platform": "tiktok",
            "account_id": "7001",
            "campaign_name": "Otoño; 2x1",
            "currency": "CLP",
            "spend": Decimal("99.9"),
            "impressions": 1000,
            "clicks": 0,
            "source_file": "tiktok.csv",
        },
    ]
    assert quarantined(config) == []


def test_platform_export_with_commas_and_decimal_points_needs_no_mapping(
    tmp_path, run_in_process, fake_clock_at
):
    path = write(
        tmp_path / "linkedin.csv",
        (
            "date,platform,account_id,campaign_name,currency,spend,impressions,clicks\n"
            '2024-03-05,linkedin,li-9,Brand,USD,"1,234.56","12,000",17\n'
        ),
        encoding="utf-8",
    )
    run = run_in_process(
        TapCerebroCsv,
        ad_spend_config(tmp_path, {"path": str(path)}),
        clock=fake_clock_at("2024-03-07T12:00:00+00:00"),
    )
    (record,) = run.records("ad_spend")
    assert (record["spend"], record["impressions"], record["currency"]) == (
        Decimal("1234.56"),
        12000,
        "USD",
    )


def test_a_fund_currency_the_tenants_file_accepts_lands_too(
    tmp_path, run_in_process, fake_clock_at
):
    """CLF (the Unidad de Fomento, in which Chilean services are often billed) is accepted by
    the tenants file and the contracts: the CSV tap reads the same list and lands it."""
    path = write(
        tmp_path / "linkedin.csv",
        (
            "date,platform,account_id,campaign_name,currency,spend,impressions,clicks\n"
            "2024-03-05,linkedin,li-9,Brand,clf,1.5,100,2\n"
        ),
    )
    run = run_in_process(
        TapCerebroCsv,
        ad_spend_config(tmp_path, {"path": str(path)}),
        clock=fake_clock_at("2024-03-07T12:00:00+00:00"),
    )
    (record,) = run.records("ad_spend")
    assert (record["currency"], record["spend"]) == ("CLF", Decimal("1.5"))


# Each bad row, and the reason it must be quarantined for (decimal-comma file).
BAD_ROWS = [
    ("07-03-2024;Verano;-5;1;1;CLP", "spend: -5 is negative"),
    ("07-03-2024;Verano;12,34,5;1;1;CLP", "spend: '12,34,5' is not a number (decimal comma)"),
    ("07-03-2024;Verano;1.5;1;1;CLP", "spend: '1.5' is not a number (decimal comma)"),
    ("07-03-2024;Verano;10;1;1;CLPX", "currency: 'CLPX' is not an ISO 4217 currency code"),
    ("07-03-2024;;10;1;1;CLP", "campaign_name: required, but empty"),
    ("31-02-2024;Verano;10;1;1;CLP", "date: '31-02-2024' is not a date"),
    ("2024-13-01;Verano;10;1;1;CLP", "date: '2024-13-01' is not a date"),
    ("07-03-2024;Verano;10;12,5;1;CLP", "impressions: '12,5' is not a whole number"),
    ("07-03-2024;Verano;10;1;-1;CLP", "clicks: -1 is negative"),
    ("07-03-2024;Verano;10;1;1", "5 fields where the header has 6"),
    ("07-03-2024;Verano;10;1;1;CLP;extra", "7 fields where the header has 6"),
    ("07-03-2024;Verano;;1;1;", "currency: required, but empty; spend: required, but empty"),
    ("05-03-2024;Verano;1;1;1;CLP", "same key"),
]


def test_every_bad_row_is_quarantined_with_its_line_and_reason(
    tmp_path, run_in_process, fake_clock_at
):
    good = "05-03-2024;Verano;1.000,5;10;1;CLP"
    lines = ["Fecha;Campaña;Costo;Impresiones;Clics;Moneda", good, *(row for row, _ in BAD_ROWS)]
    path = write(tmp_path / "export.csv", "\n".join(lines) + "\n")
    config = ad_spend_config(
        tmp_path, {"path": str(path), "columns": TIKTOK_COLUMNS, "values": TIKTOK_VALUES}
    )
    run = run_in_process(TapCerebroCsv, config, clock=fake_clock_at("2024-03-07T12:00:00+00:00"))
    assert [r["spend"] for r in run.records("ad_spend")] == [Decimal("1000.5")]
    rejected = quarantined(config)
    assert len(run.records("ad_spend")) + len(rejected) == len(lines) - 1, "nothing dropped"
    for entry, (row, reason), line_number in zip(
        rejected, BAD_ROWS, range(3, 3 + len(BAD_ROWS)), strict=True
    ):
        assert entry["line_number"] == str(line_number)
        assert reason in entry["reason"], (row, entry["reason"])
        assert entry["stream"] == "ad_spend" and entry["source_file"] == str(path)
        assert list(json.loads(entry["row"]).values())[:2] == row.split(";")[:2]
    assert "line 2" in rejected[-1]["reason"], "a duplicate names the line it repeats"


def test_line_numbers_count_physical_lines_when_a_quoted_cell_spans_several(
    tmp_path, run_in_process, fake_clock_at
):
    path = write(
        tmp_path / "multiline.csv",
        (
            "Fecha;Campaña;Costo;Impresiones;Clics;Moneda\n"
            '05-03-2024;"Campaña\ncon salto\nde línea";1;1;1;CLP\n'
            "06-03-2024;Verano;-1;1;1;CLP\n"
        ),
    )
    config = ad_spend_config(
        tmp_path, {"path": str(path), "columns": TIKTOK_COLUMNS, "values": TIKTOK_VALUES}
    )
    run = run_in_process(TapCerebroCsv, config, clock=fake_clock_at("2024-03-07T12:00:00+00:00"))
    assert run.records("ad_spend")[0]["campaign_name"] == "Campaña\ncon salto\nde línea"
    assert [r["line_number"] for r in quarantined(config)] == ["5"]


def test_the_file_is_streamed_not_loaded_whole(tmp_path, fake_clock_at):
    """A FIFO cannot be read whole before it is written: the first record must come first."""
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    first_record_seen = threading.Event()

    def export_slowly() -> None:
        with fifo.open("w", encoding="utf-8") as pipe:
            pipe.write("date,platform,account_id,campaign_name,currency,spend\n")
            pipe.write("2024-03-05,tiktok,1,A,CLP,10\n")
            pipe.flush()
            assert first_record_seen.wait(timeout=20), "the tap waited for the whole file"
            pipe.write("2024-03-06,tiktok,1,A,CLP,20\n")

    writer = threading.Thread(target=export_slowly)
    writer.start()
    tap = TapCerebroCsv(
        config=ad_spend_config(tmp_path, {"path": str(fifo)}), parse_env_config=False
    )
    records = iter(tap.streams["ad_spend"].get_records(None))
    assert next(records)["spend"] == Decimal(10)
    first_record_seen.set()
    assert [r["spend"] for r in records] == [Decimal(20)]
    writer.join(timeout=20)


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        ("15-01-2024 10:00", "2024-01-15T13:00:00+00:00"),  # summer time, -03
        ("01-07-2024 10:00", "2024-07-01T14:00:00+00:00"),  # winter time, -04
        # DST ends: 23:00-23:59 of 6 April happens twice; the first (summer) reading.
        ("06-04-2024 23:30", "2024-04-07T02:30:00+00:00"),
        # DST starts: 00:00-00:59 of 8 September does not exist; read an hour later.
        ("08-09-2024 00:30", "2024-09-08T04:30:00+00:00"),
        ("2024-03-05T10:00:00-05:00", "2024-03-05T15:00:00+00:00"),  # an explicit offset wins
    ],
)
def test_local_timestamps_become_utc_through_santiagos_dst(
    local, utc, tmp_path, run_in_process, fake_clock_at
):
    path = write(tmp_path / "clientes.csv", f"ID;Creado\n1;{local}\n")
    config = {
        "tenant_id": "t",
        "quarantine_path": str(tmp_path / "q.csv"),
        "files": {
            "customers": [
                {"path": str(path), "columns": {"customer_id": "ID", "created_at": "Creado"}}
            ]
        },
    }
    run = run_in_process(TapCerebroCsv, config, clock=fake_clock_at("2024-10-01T00:00:00+00:00"))
    assert run.records("customers")[0]["created_at"] == utc


def test_store_exports_land_in_the_shopify_shapes(tmp_path, run_in_process, fake_clock_at):
    customers = write(
        tmp_path / "clientes.csv",
        (
            "ID;Email;Verificado;Estado;RUT;Comuna;Región;Creado\n"
            "c1;ana@example.cl;sí;ENABLED;12.345.678-5;Ñuñoa;RM;05-03-2024 10:00\n"
            "c2;luis@example.cl;quizás;ENABLED;;Maipú;RM;05-03-2024 11:00\n"
        ),
    )
    orders = write(
        tmp_path / "pedidos.csv",
        (
            "Pedido;Cliente;Creado;Pagado;Medio de pago;Total;Moneda;Comuna\n"
            "1001;c1;05-03-2024 12:00;05-03-2024 12:05;webpay_plus;72.363;CLP;Ñuñoa\n"
            "1002;c1;06-03-2024 09:00;;;15.990;CLP;Ñuñoa\n"
        ),
    )
    lines = write(
        tmp_path / "lineas.csv",
        (
            "Línea;Pedido;Servicio;Cantidad;Precio\n"
            "l1;1001;Gasfitería;2;30.000\nl2;1001;Visita;1;12.363\nl3;1002;Pintura;1;15.990\n"
        ),
    )
    config = {
        "tenant_id": "tienda_cl",
        "quarantine_path": str(tmp_path / "q.csv"),
        "files": {
            "customers": [
                {
                    "path": str(customers),
                    "columns": {
                        "customer_id": "ID",
                        "email": "Email",
                        "verified_email": "Verificado",
                        "state": "Estado",
                        "rut": "RUT",
                        "default_address_city": "Comuna",
                        "default_address_province": "Región",
                        "created_at": "Creado",
                    },
                }
            ],
            "orders": [
                {
                    "path": str(orders),
                    "columns": {
                        "order_id": "Pedido",
                        "customer_id": "Cliente",
                        "created_at": "Creado",
                        "processed_at": "Pagado",
                        "total_amount": "Total",
                        "currency": "Moneda",
                        "shipping_city": "Comuna",
                    },
                }
            ],
            "order_lines": [
                {
                    "path": str(lines),
                    "columns": {
                        "order_line_id": "Línea",
                        "order_id": "Pedido",
                        "product_title": "Servicio",
                        "quantity": "Cantidad",
                        "unit_price_amount": "Precio",
                    },
                }
            ],
            # Payments from the same orders export: one successful sale per paid order.
            "transactions": [
                {
                    "path": str(orders),
                    "columns": {
                        "transaction_id": "Pedido",
                        "order_id": "Pedido",
                        "processed_at": "Pagado",
                        "created_at": "Pagado",
                        "gateway": "Medio de pago",
                        "amount": "Total",
                        "currency": "Moneda",
                    },
                    "values": {"kind": "SALE", "status": "SUCCESS"},
                }
            ],
        },
    }
    run = run_in_process(TapCerebroCsv, config, clock=fake_clock_at("2024-03-07T12:00:00+00:00"))
    assert run.error is None
    for stream in ("customers", "orders", "order_lines", "transactions"):
        schema = raw_stream("shopify", stream).schema()
        for record in run.records(stream):
            jsonschema.validate(json.loads(json.dumps(record, default=float)), schema)
    (ana,) = run.records("customers")
    assert ana["verified_email"] is True and ana["created_at"] == "2024-03-05T13:00:00+00:00"
    assert [o["total_amount"] for o in run.records("orders")] == [Decimal(72363), Decimal(15990)]
    assert [t["processed_at"] for t in run.records("transactions")] == [
        "2024-03-05T15:05:00+00:00",
        None,
    ]
    (luis,) = quarantined(config)
    assert luis["stream"] == "customers" and luis["line_number"] == "3"
    assert "verified_email: 'quizás' is not true/false" in luis["reason"]


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ({"columns": {"date": "Day"}}, "no column 'Day' (mapped to date)"),
        ({"columns": {"fecha": "Fecha"}}, "columns maps ['fecha'], which ad_spend does not have"),
        ({"columns": {"date": "Fecha"}}, "ad_spend needs ['account_id', 'campaign_name'"),
        ({"delimiter": ";;"}, "delimiter must be one character"),
    ],
)
def test_a_mapping_that_does_not_fit_the_file_stops_with_a_clear_message(
    entry, complaint, tmp_path, run_in_process, fake_clock_at
):
    path = write(tmp_path / "e.csv", "Fecha;Costo\n05-03-2024;1\n")
    config = ad_spend_config(tmp_path, {"path": str(path), **entry})
    run = run_in_process(TapCerebroCsv, config, clock=fake_clock_at("2024-03-07T12:00:00+00:00"))
    assert isinstance(run.error, FileConfigError) and complaint in str(run.error)


def test_a_windows_excel_file_names_the_encoding_to_use(tmp_path, run_in_process, fake_clock_at):
    path = write(
        tmp_path / "cp1252.csv",
        "Fecha;Campaña;Costo;Impresiones;Clics;Moneda\n05-03-2024;Año;1;1;1;CLP\n",
        encoding="cp1252",
    )
    entry = {"path": str(path), "columns": TIKTOK_COLUMNS, "values": TIKTOK_VALUES}
    clock = fake_clock_at("2024-03-07T12:00:00+00:00")
    run = run_in_process(TapCerebroCsv, ad_spend_config(tmp_path, entry), clock=clock)
    assert isinstance(run.error, FileConfigError) and "encoding: cp1252" in str(run.error)
    fixed = ad_spend_config(tmp_path, {**entry, "encoding": "cp1252"})
    assert (
        run_in_process(TapCerebroCsv, fixed, clock=clock).records("ad_spend")[0]["campaign_name"]
        == "Año"
    )


def test_a_tenant_without_shopify_api_access_lands_its_exports_in_raw_shopify(
    tmp_path, landing, monkeypatch
):
    orders = write(
        tmp_path / "pedidos.csv",
        "order_id;created_at;total_amount;currency\n1;05-03-2024 12:00;100;CLP\n"
        "2;05-03-2024 13:00;-1;CLP\n",
    )
    tenants_file = tmp_path / "tenants.yml"
    tenants_file.write_text(
        "tenants:\n  - tenant_id: tienda_cl\n    name: Tienda\n    timezone: America/Santiago\n"
        "    currency: CLP\n    country_code: CL\n    sources:\n      shopify:\n"
        "        tap: csv\n        settings:\n"
        f"          quarantine_path: {tmp_path / 'q.csv'}\n"
        f"          files: {{orders: [{{path: {orders}}}]}}\n"
    )
    (tenant,) = load_tenants(tenants_file)
    command, config = tap_invocation(tenant, tenant.sources["shopify"], tmp_path / "demo")
    assert Path(command[0]).name == "tap-cerebro-csv"
    result = landing.run("tap-cerebro-csv", "shopify", config)
    assert result.records_by_stream == {"orders": 1}
    assert landing.query(
        "select tenant_id, order_id, total_amount, created_at from raw_shopify.orders"
    ) == [("tienda_cl", "1", Decimal(100), dt.datetime(2024, 3, 5, 15, 0))]
    assert [r["line_number"] for r in quarantined({"quarantine_path": tmp_path / "q.csv"})] == ["3"]


def test_every_stream_kind_is_a_raw_contract_stream_read_whole(tmp_path):
    files = {kind: [{"path": str(tmp_path / "any.csv")}] for kind in STREAM_KINDS}
    tap = TapCerebroCsv(
        config={"tenant_id": "t", "quarantine_path": str(tmp_path / "q.csv"), "files": files},
        parse_env_config=False,
    )
    assert set(tap.streams) == set(STREAM_KINDS)
    for name, stream in tap.streams.items():
        contract = raw_stream(STREAM_KINDS[name], name)
        assert stream.schema == contract.schema(), name
        assert tuple(stream.primary_keys) == contract.primary_keys, name
        assert stream.replication_key is None, name
    assert set(STREAM_KINDS.values()) == {"csv", "shopify", "costs"}

"""Three million rows through the real command line, in bounded memory (slow).

Oracles: the test writes the file, so it knows how many rows are good, how many break
the contract (a negative total every 100 000 rows) and how many repeat an order id
with other values (every 300 000 rows); it counts the RECORD messages on the tap's
stdout itself, and reads the child's peak resident memory from the kernel
(``os.wait4`` reports that one child's ``ru_maxrss``, not the largest of the session).
The file is ~140 MB; a tap that loaded it whole, or kept every key as Python tuples,
would need several times the bound.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from cerebro.settings import console_script

ROWS = 3_000_000
NEGATIVE_EVERY = 100_000
REPEAT_EVERY = 300_000
MEMORY_BOUND_MIB = 300


def write_orders(path: Path, rows: int) -> tuple[int, int]:
    """A Chilean Excel orders export; returns (rows with a negative total, repeated ids)."""
    negatives = repeats = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write("Pedido;Cliente;Creado;Total;Moneda\r\n")
        for i in range(1, rows + 1):
            order_id = i
            total = f"{1 + i % 997}.{i % 1000:03d},50"
            if i % NEGATIVE_EVERY == 0:
                total, negatives = f"-{total}", negatives + 1
            elif i % REPEAT_EVERY == 7:
                order_id, repeats = i - 1, repeats + 1  # the (accepted) row before, other values
            day, month = 1 + i % 28, 1 + (i // 28) % 12
            handle.write(f"{order_id};c{i % 50_000};{day:02d}-{month:02d}-2023 10:{i % 60:02d};"
                         f"{total};CLP\r\n")  # fmt: skip
    return negatives, repeats


@pytest.mark.slow
def test_three_million_rows_stream_through_in_bounded_memory(tmp_path):
    path = tmp_path / "pedidos.csv"
    negatives, repeats = write_orders(path, ROWS)
    config = {
        "tenant_id": "tienda_cl",
        "quarantine_path": str(tmp_path / "quarantine.csv"),
        "files": {
            "orders": [
                {
                    "path": str(path),
                    "columns": {
                        "order_id": "Pedido",
                        "customer_id": "Cliente",
                        "created_at": "Creado",
                        "total_amount": "Total",
                        "currency": "Moneda",
                    },
                }
            ]
        },
    }
    config_path = tmp_path / "tap.json"
    config_path.write_text(json.dumps(config))

    started = time.monotonic()
    with (tmp_path / "tap.log").open("w") as log:
        tap = subprocess.Popen(
            [console_script("tap-cerebro-csv"), "--config", str(config_path)],
            stdout=subprocess.PIPE,
            stderr=log,
        )
        records = sum(1 for line in tap.stdout if line.startswith(b'{"type":"RECORD"'))
        tap.stdout.close()
        _, status, usage = os.wait4(tap.pid, 0)
        tap.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    peak_mib = usage.ru_maxrss / 1024
    print(
        f"\n{ROWS:,} rows in {seconds:.0f} s: {ROWS / seconds:,.0f} rows/s, "
        f"peak RSS {peak_mib:.0f} MiB, file {path.stat().st_size / 2**20:.0f} MiB"
    )

    assert tap.returncode == 0, (tmp_path / "tap.log").read_text()[-2000:]
    with open(config["quarantine_path"], encoding="utf-8", newline="") as handle:
        reasons = [row["reason"] for row in csv.DictReader(handle)]
    assert records == ROWS - negatives - repeats
    assert records + len(reasons) == ROWS, "no row lost"
    assert sum("is negative" in r for r in reasons) == negatives == ROWS // NEGATIVE_EVERY
    assert sum("with different values: the first row wins" in r for r in reasons) == repeats > 0
    assert peak_mib < MEMORY_BOUND_MIB

"""singer-sdk's standard tap tests on a small valid export of every stream kind.

``get_tap_test_class`` needs its configuration when the module is imported, so
the files are written to a temporary directory at import.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from singer_sdk.testing import get_tap_test_class
from tap_cerebro_csv.tap import TapCerebroCsv

FILES = Path(tempfile.mkdtemp(prefix="tap-cerebro-csv-standard-"))
(FILES / "ad_spend.csv").write_text(
    "date;platform;account_id;campaign_name;currency;spend;impressions;clicks\n"
    "05-03-2024;tiktok;7001;Verano;CLP;1.234,5;1.000;10\n"
    "06-03-2024;tiktok;7001;Verano;CLP;99;10;0\n",
    encoding="utf-8",
)
# Every Shopify-shaped kind from one file with the columns they need between them.
(FILES / "store.csv").write_text(
    "id;order_id;customer_id;created_at;currency;total_amount;amount;kind;status;quantity\n"
    "1;1;1;05-03-2024 10:00;CLP;100;100;SALE;SUCCESS;1\n"
    "2;2;1;06-03-2024 11:00;CLP;200;200;SALE;SUCCESS;2\n",
    encoding="utf-8",
)
ID_COLUMN = {
    "customers": "customer_id",
    "orders": "order_id",
    "order_lines": "order_line_id",
    "transactions": "transaction_id",
    "refunds": "refund_id",
    "fulfillments": "fulfillment_id",
    "checkouts": "checkout_id",
}


def store_file(kind: str) -> list[dict]:
    return [{"path": str(FILES / "store.csv"), "columns": {ID_COLUMN[kind]: "id"}}]


TestTapCerebroCsvStandard = get_tap_test_class(
    TapCerebroCsv,
    config={
        "tenant_id": "tienda_cl",
        "quarantine_path": str(FILES / "quarantine.csv"),
        "files": {
            "ad_spend": [{"path": str(FILES / "ad_spend.csv")}],
            **{kind: store_file(kind) for kind in ID_COLUMN},
        },
    },
)


@pytest.fixture(scope="module", autouse=True)
def remove_files():
    yield
    shutil.rmtree(FILES, ignore_errors=True)

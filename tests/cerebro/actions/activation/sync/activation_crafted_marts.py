"""A crafted warehouse for the sync: the five marts it reads, written row by row by the test
(``Warehouse.replace_table``, so the same rows go to DuckDB or PostgreSQL), with customers whose
segment and consents a test changes between syncs.

Hashes follow ``dbt_project/macros/pii.sql`` (e-mail trimmed and lower-cased; phone as ``+`` and
its digits) and consent the mart's rule (SUBSCRIBED and an address), recomputed here by hand.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass

import pandas as pd

from cerebro.warehouse import Warehouse

TENANT = "tienda_cl"
RFM_SEGMENTS = (
    "Campeones",
    "Habituales",
    "Frecuentes alejados",
    "Hibernando",
    "Ocasionales alejados",
)


@dataclass(frozen=True)
class Customer:
    customer_id: str
    rfm_segment: str | None = "Frecuentes alejados"
    churn_risk_segment: str | None = "CLIENTE PERDIDO"
    email: str | None = None
    phone: str | None = None
    email_state: str | None = "SUBSCRIBED"
    sms_state: str | None = None
    prob_alive: float = 0.25
    clv_if_retained_12m: float = 120000.0

    def but(self, **changes) -> Customer:
        return dataclasses.replace(self, **changes)


def sha256(value: str | None) -> str | None:
    return None if value is None else hashlib.sha256(value.encode()).hexdigest()


def email_sha256(email: str | None) -> str | None:
    return sha256((email.strip().lower() or None) if email else None)


def phone_sha256(phone: str | None) -> str | None:
    digits = re.sub(r"[^0-9]", "", phone or "")
    return sha256(f"+{digits}") if digits else None


def customers(count: int, **fields) -> list[Customer]:
    """``count`` customers c0000…, each with an e-mail and a phone; a fifth without e-mail
    consent and every other one with SMS consent."""
    return [
        Customer(
            customer_id=f"c{i:04d}",
            email=f" Cliente.{i}@Ejemplo.cl ",
            phone=f"+56 9 {10_000_000 + i}",
            email_state="NOT_SUBSCRIBED" if i % 5 == 0 else "SUBSCRIBED",
            sms_state="SUBSCRIBED" if i % 2 == 0 else "NOT_SUBSCRIBED",
            **fields,
        )
        for i in range(count)
    ]


def write_marts(warehouse: Warehouse, people: list[Customer], tenant_id: str = TENANT) -> None:
    """Replace the marts the sync reads with these customers of one tenant."""
    warehouse.replace_table(
        "marts",
        "dim_tenants",
        pd.DataFrame(
            [{"tenant_id": tenant_id, "tenant_name": "Tienda", "timezone": "America/Santiago",
              "currency": "CLP", "country_code": "CL"}]
        ),
    )  # fmt: skip
    warehouse.replace_table(
        "marts",
        "dim_rfm_segments",
        pd.DataFrame({"r_score": range(1, 6), "f_score": range(1, 6), "segment": RFM_SEGMENTS}),
    )
    rfm = [c for c in people if c.rfm_segment]
    warehouse.replace_table(
        "marts",
        "mart_rfm_customers",
        _frame(
            ["tenant_id", "customer_id", "segment", "recency_days"],
            [(tenant_id, c.customer_id, c.rfm_segment, 100) for c in rfm],
        ),
    )
    value = [c for c in people if c.churn_risk_segment]
    warehouse.replace_table(
        "marts",
        "mart_customer_value",
        _frame(
            ["tenant_id", "customer_id", "rfm_segment", "churn_risk_segment", "prob_alive",
             "predicted_clv_12m", "clv_if_retained_12m", "value_at_risk", "recoverable_value",
             "expected_purchases_30d", "expected_purchases_90d",
             "expected_spend_per_purchase_amount"],
            # The mart's definitions (doc block kpi_customer_value), recomputed by hand.
            [(tenant_id, c.customer_id, c.rfm_segment, c.churn_risk_segment, c.prob_alive,
              c.prob_alive * c.clv_if_retained_12m, c.clv_if_retained_12m,
              (1 - c.prob_alive) * c.clv_if_retained_12m, c.prob_alive * c.clv_if_retained_12m,
              0.1, 0.3, 25000.0) for c in value],
        ),
    )  # fmt: skip
    warehouse.replace_table(
        "marts",
        "mart_customer_contacts",
        _frame(
            ["tenant_id", "customer_id", "first_name", "last_name", "email", "phone",
             "email_sha256", "phone_sha256", "email_marketing_state", "sms_marketing_state",
             "has_email_marketing_consent", "has_sms_marketing_consent"],
            [_contact(tenant_id, c) for c in people],
        ),
    )  # fmt: skip


def _contact(tenant_id: str, customer: Customer) -> tuple:
    email = customer.email.strip().lower() if customer.email else None
    phone = customer.phone.strip() if customer.phone else None
    return (
        tenant_id, customer.customer_id, "Camila", "Rojas", email, phone,
        email_sha256(email), phone_sha256(phone), customer.email_state, customer.sms_state,
        email is not None and customer.email_state == "SUBSCRIBED",
        phone is not None and customer.sms_state == "SUBSCRIBED",
    )  # fmt: skip


def _frame(columns: list[str], rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    # Typed even when empty or all NULL, as dbt would have created the columns.
    for column in columns:
        if column.startswith("has_"):
            frame[column] = frame[column].astype(bool)
        elif frame[column].dtype == object:
            frame[column] = frame[column].astype("string")
    return frame


def held_out(customer_id: str, share: float = 0.10, tenant_id: str = TENANT) -> bool:
    """The documented control rule, recomputed: SHA-256 of "tenant:customer", its first 8
    bytes below share x 2^64."""
    digest = hashlib.sha256(f"{tenant_id}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") < share * 2**64


def expected_list(
    people: list[Customer], segment: str = "Frecuentes alejados", channel: str = "email"
):
    """The consented, treated members of the segment: who a vendor's list must hold."""
    return {
        c.customer_id
        for c in people
        if c.rfm_segment == segment
        and (c.email_state if channel == "email" else c.sms_state) == "SUBSCRIBED"
        and (c.email if channel == "email" else c.phone)
        and not held_out(c.customer_id)
    }

"""Identity resolution by RUT (decision 0037) in pandas, from the raw customer records: the
oracle's own implementation of the rules, with a union-find instead of the models' label
propagation, and the figures of the "Clientes unificados" card.

Rules, from the decision: records that share a valid normalised RUT are one person; failing
that, a normalised e-mail (trimmed, lower case) or phone (its digits after a '+'), unless the
records sharing that e-mail or phone carry two different valid RUTs. Transitively. A person's
id is the customer_id of its earliest record (created_at, then customer_id); a record's rule is
the strongest key (rut, email, phone) it shares with another record, 'self' for the earliest.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from tests.cerebro.serving.kpis.kpi_oracle_reference import is_valid_rut, normalize_rut

RULES = ("rut", "email", "phone")


def _email(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.strip().lower() or None


def _phone(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    digits = re.sub(r"[^0-9]", "", value)
    return f"+{digits}" if digits else None


class _UnionFind:
    def __init__(self, items):
        self.parent = {item: item for item in items}

    def find(self, item):
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, first, second):
        self.parent[self.find(first)] = self.find(second)


def resolve_identities(customers: pd.DataFrame) -> pd.DataFrame:
    """One tenant's raw customer records -> customer_id, person_id, match_rule, is_merged."""
    records = customers.sort_values(["created_at", "customer_id"])
    order = {cid: position for position, cid in enumerate(records["customer_id"])}
    valid_rut = {
        cid: normalize_rut(rut) if is_valid_rut(rut) else None
        for cid, rut in zip(records["customer_id"], records["rut"], strict=True)
    }
    values = {
        "rut": valid_rut,
        "email": dict(zip(records["customer_id"], map(_email, records["email"]), strict=True)),
        "phone": dict(zip(records["customer_id"], map(_phone, records["phone"]), strict=True)),
    }
    holders: dict[tuple[str, str], list] = {}
    for rule in RULES:
        for cid, value in values[rule].items():
            if value is not None:
                holders.setdefault((rule, value), []).append(cid)
    shared_rules: dict[object, set[str]] = {cid: set() for cid in order}
    groups = _UnionFind(order)
    for (rule, _), ids in holders.items():
        ruts = {valid_rut[cid] for cid in ids if valid_rut[cid] is not None}
        if len(ids) < 2 or (rule != "rut" and len(ruts) > 1):
            continue
        for cid in ids:
            shared_rules[cid].add(rule)
            groups.union(cid, ids[0])
    earliest: dict[object, object] = {}
    for cid in sorted(order, key=order.get):
        earliest.setdefault(groups.find(cid), cid)
    rows = []
    for cid in order:
        person = earliest[groups.find(cid)]
        rule = "self" if person == cid else next(r for r in RULES if r in shared_rules[cid])
        rows.append({"customer_id": cid, "person_id": person, "match_rule": rule,
                     "is_merged": person != cid})  # fmt: skip
    return pd.DataFrame(rows, columns=["customer_id", "person_id", "match_rule", "is_merged"])


def _repurchase(valid: pd.DataFrame, key: str) -> float | None:
    orders = valid.dropna(subset=[key]).groupby(key).size()
    return None if orders.empty else float((orders >= 2).sum() / len(orders))


def identity_kpis(shop, date_from: dt.date, date_to: dt.date) -> dict:
    """The card's figures as of date_to: records created by then, those merged into an earlier
    record's person (per rule), and the repurchase rate of buyers counted per record and per
    person (valid orders created by date_to)."""
    identity = shop.identity.merge(
        shop.records[["customer_id", "created_date"]], on="customer_id", how="left"
    )
    known = identity[identity["created_date"] <= date_to]
    merged = known[known["is_merged"]]
    orders = shop.orders
    valid = orders[orders["is_valid"] & (orders["created_date"] <= date_to)]
    return {
        "customer_records": len(known),
        "merged_records": len(merged),
        "merged_by_rule": [
            {"rule": rule, "records": int((merged["match_rule"] == rule).sum())} for rule in RULES
        ],
        "repurchase_rate_by_record": _repurchase(valid, "source_customer_id"),
        "repurchase_rate_by_person": _repurchase(valid, "customer_id"),
    }

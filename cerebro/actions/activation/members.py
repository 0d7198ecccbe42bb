"""A segment's members for one tenant, read from the marts, with what a destination needs.

A segment is named as the marts name it: an RFM segment (``marts.mart_rfm_customers``, as of
the data's cut-off; the names are ``marts.dim_rfm_segments``') or a churn-risk segment of the
customer brain (``marts.mart_customer_value.churn_risk_segment``). Each member comes with its
contact data and consents (``marts.mart_customer_contacts``, the one mart with contacts in
clear; consent is defined there), the brain's predictions, and the tenant's currency and
country. Members come by recoverable value, most first (doc block kpi_customer_value): a
one-shot send (a coupon, a message) that stops midway has reached those a call or a coupon can
still save before those already gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from cerebro.actions.activation.audiences import (
    AudienceReader,
    audience_ids,
    is_audience,
    question_of,
)
from cerebro.actions.activation.destination import Member
from cerebro.actions.activation.errors import ActivationError
from cerebro.segment_names import retired_segment_message
from cerebro.warehouse import Warehouse, WarehouseNotBuiltError
from cerebro.yaml_schema import suggestion
from ml_assets.clv.segments import SEGMENTS as CHURN_RISK_SEGMENTS

#: Segment kind -> (mart, column) naming each customer's segment of that kind.
_SEGMENT_COLUMNS = {
    "rfm": ("mart_rfm_customers", "segment"),
    "churn_risk": ("mart_customer_value", "churn_risk_segment"),
}
#: ``Member.attributes`` from ``mart_customer_value`` (renamed where the contract says so).
_PREDICTIONS = {
    "p_alive": "prob_alive",
    "predicted_clv_12m": "predicted_clv_12m",
    "clv_if_retained_12m": "clv_if_retained_12m",
    "value_at_risk": "value_at_risk",
    "expected_purchases_30d": "expected_purchases_30d",
    "expected_purchases_90d": "expected_purchases_90d",
    "expected_spend_per_purchase_amount": "expected_spend_per_purchase_amount",
    "rfm_segment": "rfm_segment",
    "churn_risk_segment": "churn_risk_segment",
}
#: Consent channels (``Destination.consent``) -> the contacts mart's column defining them.
CONSENT_COLUMNS = {"email": "has_email_marketing_consent", "sms": "has_sms_marketing_consent"}
#: Every mart column this module reads, checked before the first query.
_REQUIRED_COLUMNS = {
    "dim_tenants": ("tenant_id", "currency", "country_code"),
    "dim_rfm_segments": ("segment",),
    "mart_rfm_customers": ("tenant_id", "customer_id", "segment"),
    "mart_customer_value": (
        "tenant_id", "customer_id", "recoverable_value", *_PREDICTIONS.values(),
    ),
    "mart_customer_contacts": (
        "tenant_id", "customer_id", "email", "phone", "first_name", "last_name",
        "email_sha256", "phone_sha256", "email_marketing_state", "sms_marketing_state",
        *CONSENT_COLUMNS.values(),
    ),
}  # fmt: skip
_CONTACTS = """
    select contacts.customer_id, contacts.email, contacts.phone, contacts.first_name,
           contacts.last_name, contacts.email_sha256, contacts.phone_sha256,
           contacts.email_marketing_state, contacts.sms_marketing_state,
           contacts.has_email_marketing_consent, contacts.has_sms_marketing_consent
    from marts.mart_customer_contacts as contacts
    where contacts.tenant_id = %(tenant_id)s
"""


@dataclass(frozen=True)
class SegmentMember:
    """A member as the sync plans with it: what goes to the vendor (``member``), its hashed
    identifiers for the log, and its consent per channel."""

    member: Member
    email_sha256: str | None = None
    phone_sha256: str | None = None
    consents: dict[str, bool] = field(default_factory=dict)

    @property
    def customer_id(self) -> str:
        return self.member.customer_id

    @property
    def identifier_sha256(self) -> str | None:
        """What the log keeps instead of the contact: the e-mail's hash, else the phone's."""
        return self.email_sha256 or self.phone_sha256

    def identifier_for(self, channel: str) -> str | None:
        """The hash of the contact ``channel`` reaches (the phone's for ``sms``, which WhatsApp
        uses), else the other: a refusal is remembered against it, so correcting that contact
        lifts it."""
        if channel == "sms":
            return self.phone_sha256 or self.email_sha256
        return self.identifier_sha256

    def has_consent(self, channel: str) -> bool:
        return self.consents.get(channel, False)


def known_segments(warehouse: Warehouse) -> dict[str, str]:
    """Segment name -> kind (``rfm`` or ``churn_risk``), every name a segment can have."""
    rfm = warehouse.query("select distinct segment from marts.dim_rfm_segments order by 1")
    return {
        **{name: "rfm" for name in rfm["segment"]},
        **{name: "churn_risk" for name in CHURN_RISK_SEGMENTS},
    }


def segment_kind(warehouse: Warehouse, segment: str) -> str:
    """The kind of ``segment``; one line naming the segments when it is none."""
    known = known_segments(warehouse)
    # A warehouse built before decision 0047 still knows the old names; only a name it does not
    # know is an old one to point at its new name.
    if segment not in known and (retired := retired_segment_message(segment)) is not None:
        raise ActivationError(retired)
    if segment not in known:
        by_kind = {
            kind: ", ".join(name for name, k in known.items() if k == kind)
            for kind in _SEGMENT_COLUMNS
        }
        raise ActivationError(
            f"unknown segment {segment!r}{suggestion(segment, known)}; RFM segments: "
            f"{by_kind['rfm']}; churn-risk segments: {by_kind['churn_risk']}"
        )
    return known[segment]


def check_tenant(warehouse: Warehouse, tenant_id: str) -> pd.Series:
    """The tenant's row of ``marts.dim_tenants``; one line if the marts or the tenant are not
    in the warehouse."""
    if not warehouse.table_exists("marts", "dim_tenants"):
        raise WarehouseNotBuiltError(
            f"the marts are not built in {warehouse.location}: run `make demo` (or "
            "`cerebro run`) first"
        )
    _check_columns(warehouse)
    tenants = warehouse.query("select * from marts.dim_tenants order by tenant_id")
    chosen = tenants[tenants["tenant_id"] == tenant_id]
    if chosen.empty:
        raise ActivationError(
            f"tenant {tenant_id!r} is not in the warehouse yet (it has: "
            f"{', '.join(tenants['tenant_id'])}): run `cerebro run` after adding it"
        )
    return chosen.iloc[0]


def _check_columns(warehouse: Warehouse) -> None:
    """The marts read here have the columns read here: a warehouse built by an older Cerebro
    (before the consent columns) is one line saying to rebuild it, not a SQL error."""
    found = warehouse.query(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'marts'"
    )
    have = set(zip(found["table_name"], found["column_name"], strict=True))
    missing = [
        f"marts.{table}.{column}"
        for table, columns in _REQUIRED_COLUMNS.items()
        for column in columns
        if (table, column) not in have
    ]
    if missing:
        raise WarehouseNotBuiltError(
            f"the marts in {warehouse.location} lack {', '.join(missing[:3])}"
            f"{' and more' if len(missing) > 3 else ''} (built by an older Cerebro): run "
            "`cerebro run` to rebuild them"
        )


def segment_members(
    warehouse: Warehouse,
    tenant_id: str,
    segment: str,
    *,
    audience_reader: AudienceReader | None = None,
) -> list[SegmentMember]:
    """Every customer of ``segment`` for the tenant, by customer id. A segment
    ``audiencia:<question>`` is the customers a saved question returns (``audiences``; read
    with ``audience_reader``, by default from the Metabase of ``METABASE_URL``)."""
    if is_audience(segment):
        return _audience_members(warehouse, tenant_id, segment, audience_reader)
    with warehouse.reading():
        tenant = check_tenant(warehouse, tenant_id)
        mart, column = _SEGMENT_COLUMNS[segment_kind(warehouse, segment)]
        frame = warehouse.query(
            _members_sql(
                f"select customer_id from marts.{mart} "
                f"where tenant_id = %(tenant_id)s and {column} = %(segment)s"
            ),
            {"tenant_id": tenant_id, "segment": segment},
        )
    country, extra = str(tenant["country_code"]), {"currency": str(tenant["currency"])}
    return [_member(row, country, extra) for row in _records(frame)]


def _audience_members(
    warehouse: Warehouse, tenant_id: str, segment: str, reader: AudienceReader | None
) -> list[SegmentMember]:
    """The members of a saved question's audience: every id must be one of the tenant's
    customers (``marts.dim_customers``), else nothing is synced. Queried in chunks of ids
    (bound parameters), then ordered as a segment's members are."""
    with warehouse.reading():
        tenant = check_tenant(warehouse, tenant_id)
        if not warehouse.table_exists("marts", "dim_customers"):
            raise WarehouseNotBuiltError(
                f"the marts in {warehouse.location} lack marts.dim_customers: run `cerebro run`"
            )
    ids = audience_ids(tenant_id, segment, reader)
    frames = []
    with warehouse.reading():
        for start in range(0, len(ids), _ID_CHUNK):
            params = {f"id_{i}": value for i, value in enumerate(ids[start : start + _ID_CHUNK])}
            listed = ", ".join(f"%({name})s" for name in params)
            chosen = (
                "select distinct customer_id from marts.dim_customers "
                f"where tenant_id = %(tenant_id)s and customer_id in ({listed})"
            )
            frames.append(warehouse.query(_members_sql(chosen), {"tenant_id": tenant_id, **params}))
    frame = pd.concat(frames, ignore_index=True)
    strangers = [i for i in ids if i not in set(frame["customer_id"].astype(str))]
    if strangers:
        raise ActivationError(
            f"{len(strangers)} de los {len(ids)} ids que devuelve «{question_of(segment)}» no son "
            f"clientes de {tenant_id} (p. ej. {', '.join(strangers[:3])}): no se sincroniza nada"
        )
    frame = frame.sort_values(
        ["recoverable_value", "customer_id"], ascending=[False, True], na_position="last"
    )
    country, extra = str(tenant["country_code"]), {"currency": str(tenant["currency"])}
    return [_member(row, country, extra) for row in _records(frame)]


#: Ids per query when a segment is a list of ids (bound parameters, within every driver's limit).
_ID_CHUNK = 500


def _members_sql(chosen: str) -> str:
    """A segment's members with contacts and predictions, by recoverable value; ``chosen``
    selects their ids."""
    predictions = ", ".join(f"predictions.{c} as {a}" for a, c in _PREDICTIONS.items())
    return f"""
        with chosen as ({chosen}),
        contacts as ({_CONTACTS}),
        predictions as (
            select * from marts.mart_customer_value where tenant_id = %(tenant_id)s
        )
        select chosen.customer_id, contacts.email, contacts.phone, contacts.first_name,
               contacts.last_name, contacts.email_sha256, contacts.phone_sha256,
               contacts.has_email_marketing_consent, contacts.has_sms_marketing_consent,
               predictions.recoverable_value, {predictions}
        from chosen
        left join contacts on contacts.customer_id = chosen.customer_id
        left join predictions on predictions.customer_id = chosen.customer_id
        order by predictions.recoverable_value desc nulls last, chosen.customer_id
    """


def contacts_of(
    warehouse: Warehouse, tenant_id: str, customer_ids: Iterable[str], *, chunk: int = 500
) -> dict[str, SegmentMember]:
    """Customers by id with their contacts (no predictions): those leaving a list, which the
    segment's query no longer returns. A customer gone from the marts is absent."""
    ids = sorted(set(customer_ids))
    found: dict[str, SegmentMember] = {}
    if not ids:
        return found
    with warehouse.reading():
        country = check_tenant(warehouse, tenant_id)["country_code"]
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            params = {f"id_{i}": value for i, value in enumerate(part)}
            listed = ", ".join(f"%({name})s" for name in params)
            frame = warehouse.query(
                f"{_CONTACTS} and contacts.customer_id in ({listed})",
                {"tenant_id": tenant_id, **params},
            )
            for row in _records(frame):
                found[row["customer_id"]] = _member(row, str(country), {})
    return found


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain Python values: NULL and NaN are None, numbers Python numbers (PostgreSQL's
    numeric arrives as Decimal: made a float in ``_member``)."""
    values = frame.astype(object).where(frame.notna(), None)
    columns = list(frame.columns)
    return [dict(zip(columns, row, strict=True)) for row in values.itertuples(False, None)]


def _member(row: dict, country_code: str, extra: dict) -> SegmentMember:
    attributes = {
        name: float(row[name]) if isinstance(row[name], Decimal) else row[name]
        for name in _PREDICTIONS
        if name in row
    }
    return SegmentMember(
        member=Member(
            customer_id=str(row["customer_id"]),
            email=row.get("email"),
            phone=row.get("phone"),
            first_name=row.get("first_name"),
            last_name=row.get("last_name"),
            country_code=country_code,
            attributes={**attributes, **extra},
        ),
        email_sha256=row.get("email_sha256"),
        phone_sha256=row.get("phone_sha256"),
        consents={channel: bool(row.get(column)) for channel, column in CONSENT_COLUMNS.items()},
    )


#: The consent columns an export carries, from the contacts mart.
CONSENT_EXPORT_COLUMNS = ["email_marketing_state", "sms_marketing_state", *CONSENT_COLUMNS.values()]


def with_consents(
    warehouse: Warehouse, tenant_id: str, customers: pd.DataFrame, *, include_unconsented: bool
) -> tuple[pd.DataFrame, int]:
    """``customers`` (with ``customer_id``, ``email``, ``phone``) with the consent columns, and
    how many were left out. Unless ``include_unconsented``, only customers with a consent
    remain, and a contact without its channel's consent is blanked: an e-mail without e-mail
    consent, a phone without SMS consent, is not exported."""
    _check_columns(warehouse)
    consents = warehouse.query(
        f"select customer_id, {', '.join(CONSENT_EXPORT_COLUMNS)} "
        "from marts.mart_customer_contacts where tenant_id = %(tenant_id)s",
        {"tenant_id": tenant_id},
    )
    frame = customers.merge(consents, on="customer_id", how="left")
    for column in CONSENT_COLUMNS.values():
        frame[column] = frame[column].fillna(False).astype(bool)
    if include_unconsented:
        return frame, 0
    email, sms = (frame[CONSENT_COLUMNS[c]] for c in ("email", "sms"))
    kept = frame[email | sms].copy()
    kept.loc[~kept[CONSENT_COLUMNS["email"]], "email"] = None
    kept.loc[~kept[CONSENT_COLUMNS["sms"]], "phone"] = None
    return kept, len(frame) - len(kept)

"""Página "Ficha de cliente": one customer's life line (doc block kpi_customer_life_line), read
from mart_customer_value, mart_customer_life_line, mart_customer_alive_history and
mart_customer_health_weekly."""

from __future__ import annotations

from decimal import Decimal

from cerebro.serving.kpis.period import number, tenant_request


class UnknownCustomerError(LookupError):
    """No customer of the tenant has that id or e-mail."""


# A customer is found by id, or by e-mail as typed (any case) in mart_customer_contacts, the
# one mart with contacts in clear (decision 0014); a contact's id too, so that one who never
# ordered is told apart from an id that is nobody's.
_FIND = """
    select customer_id from marts.mart_customer_value
    where tenant_id = %(tenant_id)s and customer_id = %(customer)s
    union
    select customer_id from marts.mart_customer_contacts
    where tenant_id = %(tenant_id)s
      and (lower(email) = lower(%(customer)s) or customer_id = %(customer)s)
"""
_PROFILE = """
    select value.customer_id, contacts.email, contacts.phone, value.acquisition_channel,
           value.region_name, value.signup_date, value.rfm_frequency as valid_orders,
           value.historical_net_amount, value.rfm_segment, value.churn_risk_segment,
           value.cutoff_date, value.prob_alive, value.prob_alive_text, value.purchase_model,
           value.expected_purchases_30d,
           value.expected_purchases_90d, value.predicted_clv_12m,
           value.predicted_next_purchase_date, value.prob_purchase_30d
    from marts.mart_customer_value as value
    left join marts.mart_customer_contacts as contacts
        on contacts.tenant_id = value.tenant_id and contacts.customer_id = value.customer_id
    where value.tenant_id = %(tenant_id)s and value.customer_id = %(customer_id)s
"""
_EVENTS = """
    select event_date, event_type, reference, detail, status, amount, refunded_amount, rating
    from marts.mart_customer_life_line
    where tenant_id = %(tenant_id)s and customer_id = %(customer_id)s
    order by event_at, event_type, reference
"""
_ALIVE = """
    select as_of_date, point_type, prob_alive
    from marts.mart_customer_alive_history
    where tenant_id = %(tenant_id)s and customer_id = %(customer_id)s
    order by as_of_date
"""
_HEALTH = """
    select as_of_date, health_score, health_band
    from marts.mart_customer_health_weekly
    where tenant_id = %(tenant_id)s and customer_id = %(customer_id)s
    order by as_of_date
"""
_NUMBERS = ("prob_alive", "expected_purchases_30d", "expected_purchases_90d",
            "predicted_clv_12m", "prob_purchase_30d", "historical_net_amount")  # fmt: skip


def _value(value):
    """A cell as plain JSON: dates as ISO text, decimals as floats, ratings as integers."""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if isinstance(value, Decimal):
        return number(value)
    return value


def _records(frame) -> list[dict]:
    """Rows as dicts of plain values, missing values as None."""
    frame = frame.astype(object).where(frame.notna(), None)
    rows = [{k: _value(v) for k, v in row.items()} for row in frame.to_dict("records")]
    for row in rows:
        if row.get("rating") is not None:
            row["rating"] = int(row["rating"])
    return rows


def get_customer_life_line(tenant_id, customer, *, warehouse=None) -> dict:
    """One customer (by id or e-mail) with a prediction: who they are and what the customer
    brain predicts (P(alive) also as the sentence a manager reads, naming the purchase model),
    every order and activation in time order, P(alive) over their life and their weekly
    health band. Raises UnknownCustomerError when no customer matches, or when the e-mail is
    a contact's who has no prediction yet (no orders before the cut-off)."""
    with tenant_request(tenant_id, warehouse) as request:
        found = request.query(_FIND, customer=str(customer).strip())["customer_id"]
        if found.empty:
            raise UnknownCustomerError(
                f"no customer of {tenant_id} with a prediction has the id or e-mail "
                f"{customer!r}; the Clientes page lists them"
            )
        key = {"customer_id": found.iloc[0]}
        profiles = _records(request.query(_PROFILE, **key))
        if not profiles:
            # Found by e-mail among the contacts, but never scored: a contact who has not
            # ordered yet (or not before the model's cut-off) has no page to show.
            found_id = key["customer_id"]
            which = "" if found_id == str(customer).strip() else f" (customer {found_id})"
            raise UnknownCustomerError(
                f"{customer!r} is a contact of {tenant_id}{which} with no orders before the "
                "customer-value model's cut-off, so no prediction or page yet; it appears "
                "after its first order and the next `cerebro run`"
            )
        profile = profiles[0]
        return {
            **{k: (number(v) if k in _NUMBERS else v) for k, v in profile.items()},
            "events": _records(request.query(_EVENTS, **key)),
            "prob_alive_history": _records(request.query(_ALIVE, **key)),
            "health_history": _records(request.query(_HEALTH, **key)),
        }

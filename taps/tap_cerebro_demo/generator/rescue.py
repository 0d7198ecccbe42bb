"""A rescue the demo store ran before Cerebro landed it: a randomised experiment, known effect.

``DAYS_BEFORE_END`` days before the history's last day the store took its regulars drifting
away (at least ``MIN_PURCHASES`` valid purchases, the last ``RECENCY_DAYS`` ago: the RFM cell
"Frecuentes alejados" approximately), kept those with e-mail marketing consent (a coupon needs
it), held out ``CONTROL_SHARE`` of them at random and drew for each of the others, uniformly, a
step of the discount ladder ``LADDER_PERCENT`` (0, 5, 10, 15, 20 %; decision 0064): a personal
coupon of that percent valid ``EXPIRY_DAYS`` days, or, on the 0 % arm, no coupon, as
``cerebro activate … --destination shopify_coupons`` does while it learns the discount. Its log
rows are what that sync would have written to ``ops.activation_log``
(``activation_log.parquet``; the demo asset writes them there): the 0 % arm is logged held out,
as the sync logs it.

The effect, in potential outcomes: every member of the experiment, treated or not, draws one
uniform *responsiveness* u, and responds to a coupon of d % when u < ``RESPONSE_BY_PERCENT[d]``
(a monotone, concave curve, 0 at 0 %: whoever responds to 5 % responds to 10 %; drawn for
everyone, so the truth is the experiment's own average effect, not only the treated's). A
responder to their own coupon who would not have bought within the coupon's days buys once
more, on a day within them; one who would have bought anyway uses it on that order (nothing is
added). So over a horizon of h days a coupon of d % turns a member into a buyer exactly when
they respond to d % and would not have bought in those h days: the true uplift of the purchase
rate at d is the share of such members (``uplift_truth_by_discount``), what the per-level mart's
difference estimates; the coupon arms pooled against everyone without one (the uplift mart's
treated - control) estimate its mean over the four coupon steps (``uplift_truth``).

Every draw comes from the experiment's own random stream, and its orders are appended after
every other order: the rest of the demo is what it was without the experiment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .clock import Clock
from .journeys import customer_journeys
from .lifecycle import Lifecycle, simulate_lifecycle
from .orders import build_order_lines, build_orders
from .profiles import TenantProfile

DAYS_BEFORE_END = 120
MIN_PURCHASES = 2
RECENCY_DAYS = (60, 365)
CONTROL_SHARE = 0.3
#: The discount ladder the treated are randomised over (0: the arm without a coupon).
LADDER_PERCENT = (0, 5, 10, 15, 20)
EXPIRY_DAYS = 14
#: Share of the would-be non-buyers a coupon of each percent brings back. At 10 % it is the
#: rescue rule's assumed response (cerebro/actions/activation/rescue_offer.py: 0.15); elsewhere
#: it departs from the assumed Hill curve (0.06, 0.15, 0.21, 0.24) as a real store might: more
#: at 5 %, less beyond 10 %. Increments 9, 6, 3, 2 points: monotone and concave.
RESPONSE_BY_PERCENT = {0: 0.0, 5: 0.09, 10: 0.15, 15: 0.18, 20: 0.20}
#: The uplift mart's horizons (dbt var activation_uplift_horizon_days); the truth is given for each.
HORIZONS = (30, 60, 90)
SEGMENT = "Frecuentes alejados"
DESTINATION = "shopify_coupons"
#: Local hour of the day the sync ran.
SYNC_HOUR = 10.0


@dataclass
class Rescue:
    """The experiment: its members, their side and outcome, the orders it added, its truth."""

    activation_day: int
    members: pd.DataFrame  # customer, is_consented, is_treated, discount_percent, responds
    purchases: pd.DataFrame  # the rescued purchases, shaped as simulate_purchases's
    truth: dict


def _segment(purchases: pd.DataFrame, day: int) -> np.ndarray:
    """Customers with MIN_PURCHASES purchases or more by ``day``, the last RECENCY_DAYS ago."""
    before = purchases[np.floor(purchases["t"].to_numpy()) <= day]
    history = before.groupby("customer")["t"].agg(["size", "max"])
    since = day - np.floor(history["max"].to_numpy())
    keep = (
        (history["size"].to_numpy() >= MIN_PURCHASES)
        & (since >= RECENCY_DAYS[0])
        & (since <= RECENCY_DAYS[1])
    )
    return history.index.to_numpy()[keep]


def _bought_within(purchases: pd.DataFrame, who: np.ndarray, day: int, days: int) -> np.ndarray:
    """Per customer of ``who``: a purchase on the local days (day, day + days]."""
    purchase_day = np.floor(purchases["t"].to_numpy())
    inside = (purchase_day > day) & (purchase_day <= day + days)
    return np.isin(who, purchases["customer"].to_numpy()[inside])


def simulate_rescue(
    rng: np.random.Generator,
    profile: TenantProfile,
    clock: Clock,
    customers: pd.DataFrame,
    traits: pd.DataFrame,
    purchases: pd.DataFrame,
) -> Rescue | None:
    """The store's past rescue (None when the history is too short to hold it)."""
    day = clock.days - DAYS_BEFORE_END
    if day <= RECENCY_DAYS[0]:
        return None  # no customer can have drifted away yet
    segment = _segment(purchases, day)
    consented = customers["email_marketing_state"].to_numpy()[segment] == "SUBSCRIBED"
    members = segment[consented]
    treated = rng.random(len(members)) >= CONTROL_SHARE
    arm = rng.integers(0, len(LADDER_PERCENT), len(members))
    responsiveness = rng.random(len(members))
    percent = np.where(treated, np.asarray(LADDER_PERCENT)[arm], 0)
    response = np.array([RESPONSE_BY_PERCENT[p] for p in LADDER_PERCENT])[arm]
    responds = treated & (percent > 0) & (responsiveness < response)
    rescued = responds & ~_bought_within(purchases, members, day, EXPIRY_DAYS)
    who = members[rescued]
    t = day + 1 + rng.uniform(0.0, EXPIRY_DAYS, len(who))
    channel = customers["channel"].to_numpy()[who]
    shape = np.array([c.p for c in profile.channels])[channel]
    value = rng.gamma(shape, 1.0 / traits["spend_rate"].to_numpy()[who])
    rescued_purchases = pd.DataFrame(
        {"customer": who, "t": t, "value": value * (1 - percent[rescued] / 100), "is_first": False}
    ).sort_values(["t", "customer"], kind="stable", ignore_index=True)
    others = (~consented).sum()
    frame = pd.DataFrame(
        {
            "customer": np.concatenate([members, segment[~consented]]),
            "is_consented": np.arange(len(segment)) < len(members),
            "is_treated": np.concatenate([treated, np.zeros(others, dtype=bool)]),
            "discount_percent": np.concatenate([percent, np.zeros(others, dtype=int)]),
            "responds": np.concatenate([responds, np.zeros(others, dtype=bool)]),
        }
    )
    coupon = percent > 0
    truth = {
        "segment": SEGMENT,
        "destination": DESTINATION,
        "activation_date": (clock.start + dt.timedelta(days=day)).isoformat(),
        "rule": (
            f"buyers with at least {MIN_PURCHASES} valid purchases, the last "
            f"{RECENCY_DAYS[0]}-{RECENCY_DAYS[1]} days before the activation day, with e-mail "
            "marketing consent"
        ),
        "control_share": CONTROL_SHARE,
        "ladder_percent": list(LADDER_PERCENT),
        "expiry_days": EXPIRY_DAYS,
        # The true response per discount: the share of would-be non-buyers a coupon of that
        # percent brings back (a monotone, concave curve; 0 % is no coupon).
        "response_by_discount": {str(p): RESPONSE_BY_PERCENT[p] for p in LADDER_PERCENT},
        "segment_customers": len(segment),
        # As the uplift mart reads the log: treated are the members sent a coupon; control,
        # everyone held out, the random control and the 0 % arm.
        "treated_customers": int(coupon.sum()),
        "control_customers": int((~coupon).sum()),
        "held_out_customers": int((~treated).sum()),
        "customers_by_discount": {
            str(p): int((percent == p).sum()) if p else int((~coupon).sum()) for p in LADDER_PERCENT
        },
        "rescued_orders": len(who),
        "horizons": {},
    }
    for days in HORIZONS:
        bought = _bought_within(purchases, members, day, days)
        by_discount = {
            str(p): round(float(((responsiveness < RESPONSE_BY_PERCENT[p]) & ~bought).mean()), 6)
            for p in LADDER_PERCENT
        }
        coupons = [by_discount[str(p)] for p in LADDER_PERCENT if p]
        truth["horizons"][str(days)] = {
            "base_purchase_rate": round(float(bought.mean()), 6),
            # The coupon arms are equally likely: the pooled effect is the mean of theirs.
            "uplift_truth": round(sum(coupons) / len(coupons), 6),
            "uplift_truth_by_discount": by_discount,
        }
    return Rescue(day, frame, rescued_purchases, truth)


def coupon_code(tenant_id: str, customer_id: str) -> str:
    """The coupon's code as the sync would have named it (a stable hash of the customer)."""
    digest = hashlib.sha256(f"{tenant_id}:rescue:{customer_id}".encode()).hexdigest()
    return f"RESCATE-{digest[:8].upper()}"


def log_rows(
    rescue: Rescue, tenant_id: str, clock: Clock, customer_ids: np.ndarray, emails: np.ndarray
) -> pd.DataFrame:
    """The rows the sync would have written to ``ops.activation_log`` (its columns, in order)."""
    members = rescue.members
    ids = customer_ids[members["customer"].to_numpy()]
    started = clock.to_utc(np.array([rescue.activation_day + SYNC_HOUR / 24]))[0]
    logged = clock.to_utc(
        rescue.activation_day + SYNC_HOUR / 24 + np.arange(len(members)) / 86_400.0
    )
    last_day = clock.start + dt.timedelta(days=rescue.activation_day + EXPIRY_DAYS)
    percent = members["discount_percent"].to_numpy()
    coupon = percent > 0
    consented = members["is_consented"].to_numpy()
    # The 0 % arm gets no coupon: the sync logs it held out, beside the random control.
    held = np.where(members["is_treated"].to_numpy(), "discount arm 0%, no coupon",
                    f"control group, {CONTROL_SHARE:.0%} held out")  # fmt: skip
    action = np.where(~consented, "skip", np.where(coupon, "send", "hold_out"))
    status = np.where(~consented, "no_consent", np.where(coupon, "sent", "held_out"))
    detail = [
        # As rescue_offer.coupon_detail writes it: "10% hasta 2026-08-15".
        f"{p}% hasta {last_day.isoformat()}" if p else (h if c else "no email marketing consent")
        for p, h, c in zip(percent, held, consented, strict=True)
    ]
    return pd.DataFrame(
        {
            "run_id": f"demo-rescue-{tenant_id}",
            "tenant_id": tenant_id,
            "destination": DESTINATION,
            "segment": SEGMENT,
            "customer_id": ids,
            # The warehouse's email_sha256: SHA-256 of the trimmed, lower-case e-mail.
            "identifier_sha256": [
                hashlib.sha256(str(e).strip().lower().encode()).hexdigest()
                for e in emails[members["customer"].to_numpy()]
            ],
            "action": action,
            "status": status,
            "detail": detail,
            "vendor_ref": [
                coupon_code(tenant_id, c) if t else None for c, t in zip(ids, coupon, strict=True)
            ],
            "logged_at": logged.to_numpy(),
            "run_started_at": started,
        }
    )


def with_rescued_orders(
    rng: np.random.Generator,
    profile: TenantProfile,
    clock: Clock,
    customers: pd.DataFrame,
    life: Lifecycle,
    lines: pd.DataFrame,
    journeys: pd.DataFrame,
    rescue: Rescue,
) -> tuple[Lifecycle, pd.DataFrame, pd.DataFrame]:
    """The orders, lines and journeys with the rescued orders after every other one.

    The rescued purchases go through the same steps as every purchase (orders with their
    cancelled and unpaid twins, lines, lifecycle, journeys), drawn from the experiment's stream;
    their ``order_idx`` continues after the last order's, so every earlier row keeps its place
    and its id.
    """
    horizon = float(clock.days)
    orders = build_orders(rng, profile, clock, customers, rescue.purchases)
    extra_lines = build_order_lines(rng, profile, orders)  # reads order_idx as a position
    orders["order_idx"] += len(life.orders)
    extra_lines["order_idx"] += len(life.orders)
    extra = simulate_lifecycle(rng, orders, horizon)
    extra_journeys = customer_journeys(rng, profile, extra.orders)

    def both(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([first, second], ignore_index=True)

    combined = Lifecycle(
        orders=both(life.orders, extra.orders),
        transactions=both(life.transactions, extra.transactions),
        refunds=both(life.refunds, extra.refunds),
        fulfillments=both(life.fulfillments, extra.fulfillments),
    )
    return combined, both(lines, extra_lines), both(journeys, extra_journeys)

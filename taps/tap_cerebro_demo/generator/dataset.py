"""One tenant's demo dataset: every stream of every source, plus the truth.

Deterministic: the same ``DemoSettings`` give the same dataset, bit for bit.
Each part of the simulation draws from its own child of one seed sequence, so
changing how orders are shaped does not change who the customers are.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from .acquisition import simulate_acquisition
from .calendar import COMMERCIAL_EVENT, PUBLIC_HOLIDAY, calendar_events
from .checkouts import build_checkouts, completed_checkouts
from .clock import Clock
from .costs import cost_streams
from .customers import describe_customers
from .exchange_rates import simulate_exchange_rates
from .guests import add_guest_checkouts
from .journeys import customer_journeys
from .lifecycle import simulate_lifecycle
from .orders import build_order_lines, build_orders
from .profiles import PROFILES, TenantProfile
from .purchases import simulate_purchases
from .raw_shape import RawShaper
from .reports import (
    ad_reports,
    calendar_report,
    empty_stream,
    search_console_breakdowns,
    search_console_report,
)
from .rescue import log_rows, simulate_rescue, with_rescued_orders
from .storage import GENERATOR_VERSION, DemoDataset, DemoSettings
from .truth import TRUTH_DEFINITIONS, gone_at_cutoff, realized_by_channel, totals
from .value_truth import new_customer_value


def generate(settings: DemoSettings) -> DemoDataset:
    """Simulate one tenant from its profile's truth."""
    profile: TenantProfile = PROFILES[settings.profile]
    # The twelfth child (journeys), the thirteenth (guest checkouts), the fourteenth (the
    # past rescue experiment) and the fifteenth (exchange rates), added later, leave the first
    # eleven, and so every earlier draw, as they were: a child depends only on the seed and
    # its index.
    children = np.random.SeedSequence(settings.seed).spawn(15)
    rngs = iter(np.random.default_rng(s) for s in children[:11])
    journey_rng = np.random.default_rng(children[11])
    guest_rng = np.random.default_rng(children[12])
    experiment_rng = np.random.default_rng(children[13])
    exchange_rng = np.random.default_rng(children[14])
    clock = Clock(
        settings.end_date - dt.timedelta(days=settings.days - 1), settings.days, settings.timezone
    )
    horizon = float(settings.days)

    events = calendar_events(
        profile.country_code, profile.commercial_events, clock.start, clock.end
    )
    holiday_days = set(events.loc[events["event_type"] == PUBLIC_HOLIDAY, "event_date"])
    event_days = set(events.loc[events["event_type"] == COMMERCIAL_EVENT, "event_date"])
    acquisition = simulate_acquisition(
        next(rngs), profile, clock, settings.customers, holiday_days, event_days
    )
    customers = describe_customers(next(rngs), profile, acquisition.signups)
    traits, purchases = simulate_purchases(next(rngs), customers, profile.channels, horizon)
    customers = customers.assign(is_buyer=traits["is_buyer"].to_numpy())
    orders = build_orders(next(rngs), profile, clock, customers, purchases)
    lines = build_order_lines(next(rngs), profile, orders)
    life = simulate_lifecycle(next(rngs), orders, horizon)
    checkouts = build_checkouts(next(rngs), customers, orders, horizon)

    exchange_rates = (
        None
        if profile.exchange_rates is None
        else simulate_exchange_rates(
            exchange_rng, settings.tenant_id, profile.exchange_rates, profile.currency, clock,
            holiday_days,
        )
    )  # fmt: skip
    shaper = RawShaper(settings.tenant_id, profile, clock)
    costs = cost_streams(settings.tenant_id, profile, clock)
    journeys = customer_journeys(journey_rng, profile, life.orders)
    streams = {
        "customers": shaper.customers(next(rngs), customers, orders),
        "orders": shaper.orders(life, journeys),
        "order_lines": shaper.order_lines(life, lines),
        "transactions": shaper.transactions(life),
        "refunds": shaper.refunds(life),
        "fulfillments": shaper.fulfillments(life),
        "checkouts": shaper.checkouts(checkouts),
        **ad_reports(
            next(rngs),
            settings.tenant_id,
            profile,
            clock,
            acquisition.campaign_spend,
            exchange_rates,
            dict(settings.billed_in),
        ),
        "daily_rates": (
            empty_stream("exchange_rates", "daily_rates")
            if exchange_rates is None
            else exchange_rates.rates
        ),
        "performance_by_date": search_console_report(
            next(rngs), settings.tenant_id, profile, clock, acquisition.search_clicks
        ),
        "events": calendar_report(settings.tenant_id, profile, events),
        **costs,
    }
    by_date = streams["performance_by_date"]
    streams.update(
        search_console_breakdowns(next(rngs), settings.tenant_id, profile, clock, by_date)
    )
    accounts = len(streams["customers"])
    identity = add_guest_checkouts(
        guest_rng,
        streams,
        lambda n: shaper.ids("customer", np.arange(accounts, accounts + n)),
        profile.email_domain,
    )
    rescue = simulate_rescue(experiment_rng, profile, clock, customers, traits, purchases)
    activation_log = None
    if rescue is not None:
        # The value truth below is an expectation from the latent traits and the orders'
        # costs: it reads the orders without the rescued ones, the totals with them.
        orders_before = len(life.orders)
        life, rescued_lines, journeys = with_rescued_orders(
            experiment_rng, profile, clock, customers, life, lines, journeys, rescue
        )
        # Each rescued order was placed from a checkout, like every other order.
        rescued_checkouts = completed_checkouts(experiment_rng, life.orders.iloc[orders_before:])
        rescued_checkouts["items_count"] = experiment_rng.choice(
            [1, 2, 3], size=len(rescued_checkouts), p=[0.75, 0.2, 0.05]
        )
        checkouts = pd.concat([checkouts, rescued_checkouts], ignore_index=True)
        _append_rescued_orders(streams, shaper, life, rescued_lines, journeys, checkouts)
        activation_log = log_rows(
            rescue, settings.tenant_id, clock, shaper.ids("customer", np.arange(accounts)),
            shaper.customer_emails,
        )  # fmt: skip
    truth = _truth(settings, profile, clock, acquisition, customers, purchases, life.orders)
    values = new_customer_value(profile, clock, customers, traits, orders, lines, costs)
    for group, value in values.items():
        truth["channels"][group]["value_12m"] = value
    truth["identity"] = identity
    truth["customers_gone"] = gone_at_cutoff(traits, horizon, shaper)
    truth["rescue_experiment"] = None if rescue is None else rescue.truth
    return DemoDataset(settings, streams, truth, acquisition.experiments, activation_log)


def _append_rescued_orders(streams, shaper, life, lines, journeys, checkouts) -> None:
    """Append the rescued orders' rows to the order streams: shaped with every order, so ids
    continue where the others' end, and only the rows after the existing ones are taken (the
    existing ones, which guest checkouts may have moved, stay as they are)."""
    shaped = {
        "orders": shaper.orders(life, journeys),
        "order_lines": shaper.order_lines(life, lines),
        "transactions": shaper.transactions(life),
        "refunds": shaper.refunds(life),
        "fulfillments": shaper.fulfillments(life),
        "checkouts": shaper.checkouts(checkouts),
    }
    for name, frame in shaped.items():
        existing = streams[name]
        streams[name] = pd.concat([existing, frame.iloc[len(existing) :]], ignore_index=True)


def _truth(settings, profile, clock, acquisition, customers, purchases, orders) -> dict:
    """The parameters simulated from and what they realized, per channel group.

    See ``truth.TRUTH_DEFINITIONS`` for what each realized figure counts.
    """
    channel_of = customers["channel"].to_numpy()
    realized = realized_by_channel(profile, customers, orders)
    per_channel = {}
    for idx, channel in enumerate(profile.channels):
        mine = channel_of == idx
        bought = purchases["customer"].isin(np.flatnonzero(mine))
        response = {**acquisition.truth[channel.group], **realized[channel.group]}
        per_channel[channel.group] = {
            "purchases": {"r": channel.r, "alpha": channel.alpha, "a": channel.a, "b": channel.b},
            "gamma_gamma": {"p": channel.p, "q": channel.q, "v": channel.v},
            "conversion_rate": channel.conversion_rate,
            "share_of_signups": channel.share,
            "signups": int(mine.sum()),
            "buyers": int(customers.loc[mine, "is_buyer"].sum()),
            "valid_purchases": int(bought.sum()),
            ("media" if channel.is_paid else "organic"): response,
        }
    return {
        "tenant_id": settings.tenant_id,
        "generator_version": GENERATOR_VERSION,
        "settings": {**dataclasses.asdict(settings), "end_date": settings.end_date.isoformat()},
        "currency": profile.currency,
        "start_date": clock.start.isoformat(),
        "end_date": clock.end.isoformat(),
        "time_unit": "days",
        "notes": (
            "purchases: per day, rate ~ Gamma(r, alpha) while alive and, from the first "
            "purchase, leaving at rate rate * Beta(a, b) at any time (generator/purchases.py; "
            "BG/NBD's parameters, not its process); Gamma-Gamma p, q, v in "
            "currency units (Fader & Hardie 2013); media: normalized geometric adstock and Hill "
            "saturation of daily spend into signups (Jin et al. 2017)."
        ),
        "definitions": TRUTH_DEFINITIONS,
        "totals": totals(customers, orders, profile),
        "channels": per_channel,
        "experiments": acquisition.experiments.to_dict("records"),
    }

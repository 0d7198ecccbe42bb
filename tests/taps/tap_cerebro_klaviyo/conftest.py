"""Fixtures for the Klaviyo tap: an account in the Klaviyo imitation the activation's tests use
(tests/cerebro/actions/activation/klaviyo/fake_klaviyo.py), served on a local port."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tests.cerebro.actions.activation.klaviyo.fake_klaviyo import FakeKlaviyo, serving

KEY = "pk_live_0123456789abcdefSECRETklaviyo"
TENANT = "casafacil_cl"
START = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
EMAIL_METRICS = ("Received Email", "Opened Email", "Clicked Email")


def account(profiles: int = 40, seed: int = 7, key: str = KEY) -> FakeKlaviyo:
    """An account with Klaviyo's e-mail metrics, a store's orders and a metric the tap does not
    read: each profile received one to three e-mails between START and NOW, opened some and
    clicked some of those it opened, and a few placed an order."""
    rng = random.Random(seed)
    fake = FakeKlaviyo(api_key=key)
    ids = {name: fake.add_metric(name) for name in (*EMAIL_METRICS, "Placed Order")}
    viewed = fake.add_metric("Viewed Product")
    span = (NOW - START).total_seconds()
    for number in range(profiles):
        # Addresses as people type them: the tap hashes their normal form.
        email = (
            f"  Cliente.{number}@Example.CL " if number % 5 == 0 else f"cliente.{number}@example.cl"
        )
        for _ in range(rng.randint(1, 3)):
            sent = START + dt.timedelta(seconds=int(rng.random() * span * 0.95))
            message = f"MSG{rng.randint(1, 4)}"
            fake.add_event(ids["Received Email"], email, sent, {"$message": message})
            if rng.random() < 0.6:
                opened = sent + dt.timedelta(minutes=rng.randint(1, 600))
                fake.add_event(ids["Opened Email"], email, opened, {"$message": message})
                if rng.random() < 0.5:
                    clicked = opened + dt.timedelta(minutes=rng.randint(0, 30))
                    fake.add_event(ids["Clicked Email"], email, clicked, {"$message": message})
        if number % 7 == 0:
            fake.add_event(ids["Placed Order"], email, START + dt.timedelta(days=number % 40),
                           {"$value": 19990 + number})  # fmt: skip
        fake.add_event(viewed, email, START + dt.timedelta(days=1))
    return fake


@pytest.fixture
def fake() -> FakeKlaviyo:
    return account()


@pytest.fixture
def base_url(fake):
    with serving(fake) as url:
        yield url


@pytest.fixture
def config(base_url) -> dict:
    return {
        "tenant_id": TENANT,
        "api_key": KEY,
        "start_date": START.isoformat(),
        "base_url": base_url,
        "page_size": 25,
    }

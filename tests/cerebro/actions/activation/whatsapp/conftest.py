"""Fixtures for the WhatsApp destination: a fake clock shared by the client's pace and waits
and the fake API's throughput and pair limits, the fake API on the test's local server, and
the destination built from settings pointing at it."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from cerebro.actions.activation.destinations import whatsapp
from tests.cerebro.actions.activation.whatsapp.fake_whatsapp import FakeWhatsApp
from tests.cerebro.actions.activation.whatsapp.whatsapp_members import PHONE_NUMBER_ID, TOKEN


@dataclass
class FakeClock:
    """Seconds; ``sleep`` advances them and is recorded, never waits."""

    seconds: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.seconds += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_api(httpserver, clock):
    def make(**options) -> FakeWhatsApp:
        api = FakeWhatsApp(
            token=TOKEN, phone_number_id=PHONE_NUMBER_ID, clock=clock.monotonic, **options
        )
        api.install(httpserver)
        return api

    return make


@pytest.fixture
def settings(httpserver) -> dict:
    return {
        "base_url": httpserver.url_for("/"),
        "api_version": "v23.0",
        "phone_number_id": PHONE_NUMBER_ID,
        "template_name": "rescate_cliente",
        "parameters": ["first_name", "discount_code"],
    }


@pytest.fixture
def make_destination(settings, clock):
    def make(token: str = TOKEN, **overrides) -> whatsapp.WhatsApp:
        return whatsapp.from_config(
            {**settings, **overrides},
            {"access_token": token},
            sleep=clock.sleep,
            clock=clock.monotonic,
        )

    return make

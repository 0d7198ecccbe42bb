"""Calls and seconds of a first sync, a repair after drift and removals after erasure, per list
destination, against the local imitations the tests use (a measurement, not a timed test).

For Klaviyo, Meta and Google: a first sync adding every member (the hashes each answer sent
are kept, as ``ops.activation_identifiers`` keeps them); the vendor's list then emptied or
deleted by hand, its state read (``list_state``) and every member sent again (``repair``);
and a tenth of the members erased from the marts, removed with nothing but the hashes kept.
Seconds include hashing, JSON and the fake server in this process; job polls and throttling
do not sleep (Klaviyo's and Google's waits are counted and printed).

    .venv/bin/python benchmarks/activation_removal_bench.py [--members 100000]
"""

from __future__ import annotations

import argparse
import logging
import time
from collections import Counter

from pytest_httpserver import HTTPServer

from cerebro.actions.activation.destination import Audience, Member
from cerebro.actions.activation.destinations import google_customer_match, klaviyo, meta_audiences
from tests.cerebro.actions.activation.google.fake_customer_match import VERSION as GOOGLE_VERSION
from tests.cerebro.actions.activation.google.fake_customer_match import FakeCustomerMatch
from tests.cerebro.actions.activation.klaviyo.fake_klaviyo import FakeKlaviyo, serving
from tests.cerebro.actions.activation.meta.fake_meta_audiences import VERSION as META_VERSION
from tests.cerebro.actions.activation.meta.fake_meta_audiences import FakeMetaAudiences
from tests.taps.fake_google_oauth import FakeGoogleTokenEndpoint

AUDIENCE = Audience("bench", "en_riesgo", "Cerebro · bench · Frecuentes alejados")


def members(count: int) -> list[Member]:
    return [
        Member(f"c{i}", email=f" Cliente.{i}@Ejemplo.CL ", phone=f"9{i:08d}",
               first_name="María", last_name="Pérez")
        for i in range(count)
    ]  # fmt: skip


def run(label: str, calls, answers) -> dict[str, dict]:
    """Drain ``answers``; print calls, seconds and outcomes; the hashes each accepted add sent."""
    before, started = calls(), time.perf_counter()
    sent, outcomes = {}, Counter()
    for outcome in answers:
        outcomes[f"{outcome.action} {outcome.status}"] += 1
        if outcome.sent:
            sent[outcome.customer_id] = dict(outcome.sent)
    print(f"{label:<44} calls {calls() - before:>5}  seconds "
          f"{time.perf_counter() - started:7.2f}  {dict(outcomes)}")  # fmt: skip
    return sent


def scenario(name: str, destination, calls, lose, size: int, count) -> None:
    everyone = members(size)
    sent = run(f"{name}: first sync (all added)", calls, destination.sync(AUDIENCE, everyone, []))
    lose()
    before, started = calls(), time.perf_counter()
    state, short = destination.list_state(AUDIENCE, size)
    print(f"{name}: list read after drift: {state.said or state}, short={short}, "
          f"calls {calls() - before}, seconds {time.perf_counter() - started:.2f}")  # fmt: skip
    run(f"{name}: repair (every member again)", calls,
        destination.sync(AUDIENCE, [], [], repair=everyone))  # fmt: skip
    assert count() == size, (name, count())
    erased = [Member(m.customer_id, sent=sent[m.customer_id]) for m in everyone[: size // 10]]
    run(f"{name}: removal of a tenth, hashes only", calls, destination.sync(AUDIENCE, [], erased))
    assert count() == size - size // 10, (name, count())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    size = parser.parse_args().members
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    waits: list[float] = []
    fake = FakeKlaviyo(api_key="pk_bench")
    with serving(fake) as base_url:
        client = klaviyo.from_config({"base_url": base_url}, {"api_key": "pk_bench"},
                                     sleep=waits.append)  # fmt: skip

        def empty():
            (list_id,) = fake.list_named(AUDIENCE.name)
            fake.members[list_id].clear()

        scenario("klaviyo", client, lambda: client.http.calls, empty, size,
                 lambda: len(fake.members[fake.list_named(AUDIENCE.name)[0]]))  # fmt: skip
    print(f"klaviyo: job polls would have waited {sum(waits):.0f} s")
    server = HTTPServer()
    server.start()
    try:
        meta = FakeMetaAudiences("bench-token", "1234567890")
        meta.register(server)
        client = meta_audiences.from_config(
            {"base_url": meta.base_url, "api_version": META_VERSION,
             "ad_account_id": "act_1234567890"},
            {"access_token": "bench-token"}, sleep=lambda _: None,
        )  # fmt: skip
        scenario("meta", client, lambda: client.http.calls,
                 lambda: meta.delete_audience(AUDIENCE.name), size,
                 lambda: len(meta.audience_named(AUDIENCE.name).members))  # fmt: skip
        tokens = FakeGoogleTokenEndpoint()
        tokens.register(server)
        google = FakeCustomerMatch(tokens, "bench-developer-token", "1234567890")
        google.register(server)
        waits = []
        client = google_customer_match.from_config(
            {"base_url": tokens.url.removesuffix("/token"), "api_version": GOOGLE_VERSION,
             "customer_id": "1234567890", "token_url": tokens.url},
            {"developer_token": "bench-developer-token", "client_id": tokens.client_id,
             "client_secret": tokens.client_secret, "refresh_token": tokens.refresh_token},
            sleep=waits.append,
        )  # fmt: skip
        scenario("google", client, lambda: client.http.calls + client.oauth.refreshes,
                 lambda: google.remove_user_list(AUDIENCE.name), size,
                 lambda: len(google.user_list_named(AUDIENCE.name).members))  # fmt: skip
        print(f"google: job polls would have waited {sum(waits):.0f} s")
    finally:
        server.stop()


if __name__ == "__main__":
    main()

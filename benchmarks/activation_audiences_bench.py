"""Time and calls to sync a large audience to Meta Custom Audiences and Google Customer Match,
against the local imitations of both APIs the tests use (not a timed test: a measurement).

For each destination, four syncs of the same audience: the first adds every member, the
second changes nothing, the third replaces a tenth (removes 10 % and adds as many new), the
fourth replaces 60 % (for Meta, with the members kept given: a usersreplace session). Each
prints the members acted on, the HTTP calls made (retries and OAuth refreshes included), the
outcomes by status and the wall seconds, which include hashing, JSON and the fake server in
this process. Google's job polls do not sleep here (the waits they would make are printed).

    .venv/bin/python benchmarks/activation_audiences_bench.py [--members 100000]
"""

from __future__ import annotations

import argparse
import logging
import time
from collections import Counter

from pytest_httpserver import HTTPServer

from cerebro.actions.activation.destination import Audience, Member
from cerebro.actions.activation.destinations import google_customer_match, meta_audiences
from tests.cerebro.actions.activation.google.fake_customer_match import VERSION as GOOGLE_VERSION
from tests.cerebro.actions.activation.google.fake_customer_match import FakeCustomerMatch
from tests.cerebro.actions.activation.meta.fake_meta_audiences import VERSION as META_VERSION
from tests.cerebro.actions.activation.meta.fake_meta_audiences import FakeMetaAudiences
from tests.taps.fake_google_oauth import FakeGoogleTokenEndpoint

AUDIENCE = Audience("bench", "en_riesgo", "Cerebro · bench · Frecuentes alejados")


def members(first: int, count: int) -> list[Member]:
    """Customers with an e-mail and a Chilean mobile, as the demo's contacts look."""
    return [
        Member(
            f"c{i}",
            email=f" Cliente.{i}@Ejemplo.CL ",
            phone=f"9{i:08d}",
            first_name="María",
            last_name="Pérez",
        )
        for i in range(first, first + count)
    ]


def measure(label: str, destination, calls, add, remove, **keep) -> None:
    before, started = calls(), time.perf_counter()
    outcomes = Counter(o.status for o in destination.sync(AUDIENCE, add, remove, **keep))
    seconds = time.perf_counter() - started
    print(
        f"{label:<34} members {len(add) + len(remove):>7}  calls {calls() - before:>4}  "
        f"seconds {seconds:7.2f}  {dict(outcomes)}"
    )


def hashing(label: str, build, size: int) -> None:
    """The client's own share: normalising and hashing the members, no HTTP."""
    everyone = members(0, size)
    started = time.perf_counter()
    for member in everyone:
        build(member)
    print(f"{label:<34} members {size:>7}  calls    0  seconds "
          f"{time.perf_counter() - started:7.2f}  (hashing only)")  # fmt: skip


def bench_meta(server: HTTPServer, size: int) -> None:
    fake = FakeMetaAudiences("bench-token", "1234567890")
    fake.register(server)
    settings = {"base_url": fake.base_url, "api_version": META_VERSION,
                "ad_account_id": "act_1234567890"}  # fmt: skip
    destination = meta_audiences.from_config(settings, {"access_token": "bench-token"},
                                             sleep=lambda seconds: None)  # fmt: skip

    def calls() -> int:
        return destination.http.calls

    hashing("meta: rows of every member", meta_audiences.meta_row, size)
    everyone, tenth = members(0, size), size // 10
    measure("meta: first sync (all added)", destination, calls, everyone, [])
    measure("meta: second sync (no change)", destination, calls, [], [])
    new, kept = members(size, tenth), everyone[tenth:]
    measure("meta: a tenth replaced", destination, calls, new, everyone[:tenth], keep=kept)
    current, most = everyone[tenth:] + new, size * 6 // 10
    measure("meta: most replaced (usersreplace)", destination, calls, members(2 * size, most),
            current[:most], keep=current[most:])  # fmt: skip
    assert len(fake.member_hashes(AUDIENCE.name)) == size


def bench_google(server: HTTPServer, size: int) -> None:
    tokens = FakeGoogleTokenEndpoint()
    tokens.register(server)
    fake = FakeCustomerMatch(tokens, "bench-developer-token", "1234567890")
    fake.register(server)
    waits: list[float] = []
    destination = google_customer_match.from_config(
        {"base_url": tokens.url.removesuffix("/token"), "api_version": GOOGLE_VERSION,
         "customer_id": "1234567890", "token_url": tokens.url},
        {"developer_token": "bench-developer-token", "client_id": tokens.client_id,
         "client_secret": tokens.client_secret, "refresh_token": tokens.refresh_token},
        sleep=waits.append,
    )  # fmt: skip

    def calls() -> int:
        return destination.http.calls + destination.oauth.refreshes

    hashing("google: operations of every member", google_customer_match.google_user_data, size)
    everyone, tenth = members(0, size), size // 10
    measure("google: first sync (all added)", destination, calls, everyone, [])
    measure("google: second sync (no change)", destination, calls, [], [])
    measure("google: a tenth replaced", destination, calls, members(size, tenth), everyone[:tenth])
    current, most = everyone[tenth:] + members(size, tenth), size * 6 // 10
    measure("google: most replaced", destination, calls, members(2 * size, most), current[:most])
    assert len(fake.member_hashes(AUDIENCE.name)) == size
    print(f"google: job polls would have waited {sum(waits):.0f} s in all ({len(waits)} waits)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    size = parser.parse_args().members
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = HTTPServer()
    server.start()
    try:
        bench_meta(server, size)
        bench_google(server, size)
    finally:
        server.stop()


if __name__ == "__main__":
    main()

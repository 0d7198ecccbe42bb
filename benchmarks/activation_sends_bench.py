"""The one-shot destinations at scale: Shopify rescue coupons and WhatsApp template messages,
against their local fakes.

    python benchmarks/activation_sends_bench.py                 # 100 000 members each
    python benchmarks/activation_sends_bench.py --members 5000 --shopify-restore-rate 1000

Members are simulated customers (seeded): P(alive), predicted value and order value drawn so
that the rescue rule gives each step of the ladder to some and no discount to others (those
are refused without a call); 1 % of the phones have no WhatsApp and 0.5 % stopped marketing
messages. For each destination: members, outcomes, HTTP calls the client made (retries
included), wall-clock seconds (client and fake on this machine, over local HTTP, one request
at a time) and the seconds of waiting the vendor's limits impose, which the benchmark does not
spend: the client and the fake share a virtual clock that only the client's sleeps advance.
Shopify: a 10-point mutation per code from a 2 000-point bucket refilled at
``--shopify-restore-rate`` points a second (100 on the standard plan, 1 000 on Plus, per
Shopify's rate-limit page). WhatsApp: 80 messages a second, Meta's default throughput per
number, the client pacing itself at the same figure. Not a test: nothing fails.
"""

from __future__ import annotations

import argparse
import logging
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from werkzeug import Request
from werkzeug.serving import make_server

from cerebro.actions.activation.destination import Audience, Member
from cerebro.actions.activation.destinations import shopify_coupons, whatsapp
from tests.cerebro.actions.activation.shopify.fake_shopify_discounts import FakeShopifyDiscounts
from tests.cerebro.actions.activation.whatsapp.fake_whatsapp import FakeWhatsApp

AUDIENCE = Audience("bench_cl", "Frecuentes alejados", "Cerebro · bench_cl · Frecuentes alejados")
TOKEN = "bench-token"


@dataclass
class VirtualClock:
    """Seconds that pass only when the client sleeps."""

    seconds: float = 0.0

    def monotonic(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        self.seconds += seconds


@contextmanager
def serving(handle):
    """A threaded local HTTP server answering every request with ``handle``; yields its URL."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, Request.application(handle), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        thread.join()


def simulated_members(count: int, seed: int) -> list[Member]:
    rng = np.random.default_rng(seed)
    p_alive = rng.beta(2.0, 2.0, count)
    value_if_retained = rng.gamma(2.0, 60_000.0, count)
    order_value = rng.gamma(4.0, 12_000.0, count)
    return [
        Member(
            str(100_000 + i),
            email=f"c{i}@ex.cl",
            phone=f"9{i:08d}",
            first_name="Ana",
            attributes={
                "p_alive": float(p_alive[i]),
                "predicted_clv_12m": float(p_alive[i] * value_if_retained[i]),
                "expected_spend_per_purchase_amount": float(order_value[i]),
                "discount_code": f"VUELVE-{i}",
            },
        )
        for i in range(count)
    ]


def report(label: str, members: int, outcomes: Counter, calls: int, wall: float, waited: float):
    shown = ", ".join(f"{status} {count:,}" for status, count in sorted(outcomes.items()))
    print(
        f"{label:<16} members {members:>7,}  ({shown})  calls {calls:>7,}  "
        f"wall {wall:7.1f} s  vendor waits {waited:9.1f} s ({waited / 3600:.2f} h)"
    )


def bench_shopify(members: list[Member], restore_rate: float) -> None:
    clock = VirtualClock()
    store = FakeShopifyDiscounts(
        token=TOKEN,
        customer_ids={m.customer_id for m in members},
        restore_rate=restore_rate,
        clock=clock.monotonic,
        keep_requests=False,
    )
    with serving(store.handle) as url:
        destination = shopify_coupons.from_config(
            {"shop": "bench", "api_version": store.api_version, "base_url": url},
            {"access_token": TOKEN},
            sleep=clock.sleep,
        )
        started = time.perf_counter()
        outcomes = Counter(o.status for o in destination.sync(AUDIENCE, members, []))
        wall = time.perf_counter() - started
    report("shopify_coupons", len(members), outcomes, destination.http.calls, wall, clock.seconds)
    discounts = Counter(round(d.percentage * 100) for d in store.discounts.values())
    print(
        f"{'':<16} codes by discount: "
        + ", ".join(f"{pct} % {n:,}" for pct, n in sorted(discounts.items()))
        + f"; THROTTLED answers {store.throttled_count}"
    )


def bench_whatsapp(members: list[Member]) -> None:
    clock = VirtualClock()
    api = FakeWhatsApp(
        token=TOKEN,
        not_on_whatsapp={f"569{i:08d}" for i in range(0, len(members), 100)},
        stopped_marketing={f"569{i:08d}" for i in range(50, len(members), 200)},
        clock=clock.monotonic,
        keep_requests=False,
    )
    with serving(api.handle) as url:
        destination = whatsapp.from_config(
            {
                "base_url": url,
                "api_version": api.api_version,
                "phone_number_id": api.phone_number_id,
                "template_name": "rescate_cliente",
                "parameters": ["first_name", "discount_code"],
            },
            {"access_token": TOKEN},
            sleep=clock.sleep,
            clock=clock.monotonic,
        )
        started = time.perf_counter()
        outcomes = Counter(o.status for o in destination.sync(AUDIENCE, members, []))
        wall = time.perf_counter() - started
    report("whatsapp", len(members), outcomes, destination.http.calls, wall, clock.seconds)
    print(f"{'':<16} error answers by code: {dict(sorted(api.answers.items()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--shopify-restore-rate", type=float, default=100.0)
    parser.add_argument("--only", choices=("shopify", "whatsapp"))
    args = parser.parse_args()
    members = simulated_members(args.members, args.seed)
    if args.only in (None, "shopify"):
        bench_shopify(members, args.shopify_restore_rate)
    if args.only in (None, "whatsapp"):
        bench_whatsapp(members)


if __name__ == "__main__":
    main()

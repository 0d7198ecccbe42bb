"""The Klaviyo destination at scale, against the local fake of Klaviyo's API.

    python benchmarks/activation_klaviyo_bench.py                  # 100 000 members
    python benchmarks/activation_klaviyo_bench.py --members 20000 --churn 0.2

Three syncs of one audience: all members added to a new list (a few addresses invalid, so
the import errors are read too), then a churn (some leave, as many join), then no change.
For each: members, HTTP calls the client made (retries included) and by endpoint, wall-clock
seconds (client and fake on this machine, over local HTTP), and the seconds of waiting the
client asked for (polls of the import jobs), which the benchmark does not spend. Against
Klaviyo, the jobs' own processing time adds to that; the last column is the least time
Klaviyo's documented rate limits allow for those calls. Not a test: nothing fails.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter

from cerebro.actions.activation.destination import Audience, Member
from cerebro.actions.activation.destinations.klaviyo import from_config
from tests.cerebro.actions.activation.klaviyo.fake_klaviyo import FakeKlaviyo, serving

#: Klaviyo's documented limits per endpoint (burst per second, steady per minute).
RATE_LIMITS = {
    "get_lists": (75, 750),
    "create_list": (10, 150),
    "import_profile": (75, 750),
    "add_to_list": (10, 150),
    "remove_from_list": (10, 150),
    "get_list_profiles": (75, 750),
    "spawn_job": (10, 150),
    "get_job": (10, 150),
    "get_import_errors": (10, 150),
}
AUDIENCE = Audience("bench_cl", "Frecuentes alejados", "Cerebro · bench_cl · Frecuentes alejados")
API_KEY = "pk_bench"


def members(start: int, stop: int, bad_every: int) -> list[Member]:
    return [
        Member(
            f"c{i}",
            email=f"cliente{i}.example.cl" if bad_every and i % bad_every == 7 else f"c{i}@ex.cl",
            phone=f"9{i:08d}",
            first_name="Ana",
            last_name="Pérez",
        )
        for i in range(start, stop)
    ]


def rate_floor_seconds(calls: Counter) -> float:
    """Least seconds the calls take under fixed burst (1 s) and steady (1 min) windows,
    each endpoint on its own limit, endpoints in parallel (the longest one decides)."""
    floor = 0.0
    for route, count in calls.items():
        burst, steady = RATE_LIMITS.get(route, (10, 150))
        full_minutes, rest = divmod(count, steady)
        seconds = full_minutes * 60 + math.ceil(rest / burst) - (1 if rest else 0)
        floor = max(floor, float(seconds))
    return floor


def run(label: str, destination, fake: FakeKlaviyo, add, remove, waits: list) -> None:
    before_calls, before_seen, before_waits = destination.http.calls, len(fake.seen), len(waits)
    started = time.perf_counter()
    outcomes = Counter(outcome.status for outcome in destination.sync(AUDIENCE, add, remove))
    seconds = time.perf_counter() - started
    routes = Counter(seen.route for seen in fake.seen[before_seen:])
    calls = destination.http.calls - before_calls
    print(
        f"{label:<28} members {len(add) + len(remove):>7,}  calls {calls:>4}"
        f"  seconds {seconds:6.2f}  waits asked {sum(waits[before_waits:]):5.0f} s"
        f"  rate-limit floor {rate_floor_seconds(routes):4.0f} s"
    )
    print(f"{'':<28} outcomes {dict(outcomes)}  by endpoint {dict(routes)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--churn", type=float, default=0.1, help="share that leaves and joins")
    parser.add_argument("--bad-every", type=int, default=1000, help="one invalid e-mail in N")
    args = parser.parse_args()

    fake, waits = FakeKlaviyo(api_key=API_KEY), []
    with serving(fake) as base_url:
        destination = from_config({"base_url": base_url}, {"api_key": API_KEY}, sleep=waits.append)
        first = members(0, args.members, args.bad_every)
        run("1. all added to a new list", destination, fake, first, [], waits)
        moved = int(args.members * args.churn)
        joining = members(args.members, args.members + moved, args.bad_every)
        run(f"2. {moved:,} leave, {moved:,} join", destination, fake, joining, first[:moved], waits)
        run("3. no change", destination, fake, [], [], waits)
        [list_id] = fake.list_named(AUDIENCE.name)
        print(f"list members at the end: {len(fake.members[list_id]):,}")


if __name__ == "__main__":
    main()

"""tap-cerebro-klaviyo at scale, against the local fake of Klaviyo's API.

    python benchmarks/klaviyo_tap_bench.py                  # 2 000 profiles, ~7 000 events
    python benchmarks/klaviyo_tap_bench.py --profiles 10000 --page-size 200

One full sync in this process (the tap's Singer messages written to memory, not landed): events
read, pages asked for, wall-clock seconds and records per second (client and fake on this
machine, over local HTTP; the fake renders each page in Python, so it is part of the time).
Klaviyo's steady limit for Get Events (3500 a minute) allows 58 pages a second, far above what
one sync asks. Not a test: nothing fails.
"""

from __future__ import annotations

import argparse
import time

from tap_cerebro_klaviyo.tap import TapCerebroKlaviyo

from tests.cerebro.actions.activation.klaviyo.fake_klaviyo import serving
from tests.taps.conftest import FakeClock, sync_in_process
from tests.taps.tap_cerebro_klaviyo.conftest import KEY, NOW, START, account


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=2000)
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()
    fake = account(profiles=args.profiles, seed=1)
    with serving(fake) as url:
        config = {
            "tenant_id": "bench_cl",
            "api_key": KEY,
            "start_date": START.isoformat(),
            "end_date": NOW.isoformat(),
            "base_url": url,
            "page_size": args.page_size,
        }
        started = time.perf_counter()
        run = sync_in_process(TapCerebroKlaviyo, config, clock=FakeClock(NOW))
        seconds = time.perf_counter() - started
    if run.error is not None:
        raise SystemExit(f"the sync failed: {run.error}")
    records = len(run.records("email_events"))
    pages = len(fake.event_queries)
    print(f"profiles {args.profiles}  events {records}  pages {pages}  "
          f"seconds {seconds:.2f}  records/s {records / seconds:,.0f}")  # fmt: skip


if __name__ == "__main__":
    main()

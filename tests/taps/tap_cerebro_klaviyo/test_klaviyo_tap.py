"""tap-cerebro-klaviyo against the Klaviyo imitation (built from Klaviyo's OpenAPI spec and
guides: tests/cerebro/actions/activation/klaviyo/fake_klaviyo.py).

Oracles: the fake account's own events (every event of the metrics asked for, before the
window's end, lands once; none of another metric), the activation's hashing rule
(``cerebro.actions.activation.identifiers``: the hash the activation log keeps for the same
address), Klaviyo's documented behaviour (``links.next``, ``page[size]`` at most 1000, unquoted
date-times in filters, 429 with ``Retry-After``, 401 bodies) and the Singer state (a sync cut
short resumes with nothing lost).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cerebro_raw_contract import STREAMS_BY_SOURCE, raw_stream
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError
from tap_cerebro_klaviyo.tap import DEFAULT_METRICS, TapCerebroKlaviyo

from cerebro.actions.activation.identifiers import normalize_email, sha256_hex
from tests.cerebro.actions.activation.klaviyo.fake_klaviyo import FakeKlaviyo, serving
from tests.taps.conftest import Command
from tests.taps.tap_cerebro_klaviyo.conftest import KEY, NOW, TENANT, account

ROOT = Path(__file__).resolve().parents[3]
WINDOW_END = NOW - dt.timedelta(minutes=60)  # settle_minutes' default


def sync(run_in_process, fake_clock_at, config, state=None):
    clock = fake_clock_at(NOW.isoformat())
    return run_in_process(TapCerebroKlaviyo, config, clock=clock, state=state), clock


def expected(fake: FakeKlaviyo, end: dt.datetime = WINDOW_END) -> dict[str, dict]:
    """Event id -> the fake's event, for the metrics the tap reads by default."""
    wanted = {mid for mid, name in fake.metrics.items() if name in DEFAULT_METRICS}
    return {
        event["id"]: event
        for event in fake.events
        if event["metric_id"] in wanted and event["datetime"] < end
    }


def test_every_email_event_lands_once_with_its_address_hashed_as_the_activation_hashes_it(
    fake, config, run_in_process, fake_clock_at
):
    run, _ = sync(run_in_process, fake_clock_at, config)
    assert run.error is None
    records = run.records("email_events")
    events = expected(fake)
    assert sorted(r["event_id"] for r in records) == sorted(events)
    for record in records:
        event = events[record["event_id"]]
        email = fake.profiles[event["profile_id"]]["email"]
        assert record["tenant_id"] == TENANT
        assert record["metric_name"] == fake.metrics[event["metric_id"]]
        assert record["profile_id"] == event["profile_id"]
        assert record["email_sha256"] == sha256_hex(normalize_email(email))
        assert dt.datetime.fromisoformat(record["occurred_at"]) == event["datetime"]
        assert record["message_id"] == event["properties"].get("$message")
    orders = [r for r in records if r["metric_name"] == "Placed Order"]
    assert orders and all(r["event_value"] >= 19990 for r in orders)
    # No address leaves the tap in clear: not in a record, a schema or a state.
    assert not any("@" in json.dumps(m, default=str) for m in run.messages)


def test_addresses_typed_with_spaces_and_capitals_hash_like_the_warehouse():
    """The fake's profiles keep e-mails lower-cased and trimmed as Klaviyo stores them; the
    rule itself is checked here on what people type (pii.sql: lower(trim(...)))."""
    from cerebro_raw_contract.email_identity import email_sha256

    assert email_sha256("  Cliente.1@Example.CL ") == sha256_hex("cliente.1@example.cl")
    assert email_sha256("   ") is None and email_sha256(None) is None


def test_pages_follow_links_next_and_each_metric_is_filtered_by_id_and_unquoted_datetimes(
    fake, config, run_in_process, fake_clock_at
):
    run, _ = sync(run_in_process, fake_clock_at, config)
    assert run.error is None
    first_pages = [q for q in fake.event_queries if "page[cursor]" not in q]
    assert len(first_pages) == len(DEFAULT_METRICS)
    for query in first_pages:
        assert query["page[size]"] == "25" and query["sort"] == "datetime"
        assert "greater-or-equal(datetime,2026-10-01T00:00:00+00:00)" in query["filter"]
        assert "less-than(datetime,2026-11-20T11:00:00+00:00)" in query["filter"]
    per_metric = {}
    for event in expected(fake).values():
        per_metric[event["metric_id"]] = per_metric.get(event["metric_id"], 0) + 1
    assert len(fake.event_queries) == sum(math.ceil(n / 25) for n in per_metric.values())
    assert max(per_metric.values()) > 25, "the account must need more than a page per metric"


def test_a_429_is_waited_out_for_as_long_as_retry_after_says(
    fake, config, run_in_process, fake_clock_at
):
    fake.throttle(times=2, retry_after="7")
    run, clock = sync(run_in_process, fake_clock_at, config)
    assert run.error is None
    assert clock.sleeps == [7.0, 7.0]
    assert len(run.records("email_events")) == len(expected(fake))


def test_a_refused_key_is_one_line_and_exit_2_without_the_key(fake, config, tmp_path):
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps({**config, "api_key": "pk_wrongSECRETkey999"}))
    done = subprocess.run(
        [sys.executable, "-m", "tap_cerebro_klaviyo.tap", "--config", str(config_file)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'taps'}"},
    )  # fmt: skip
    line = Command(done.returncode, done.stderr).assert_one_clear_error(
        "Klaviyo refused the API key"
    )
    assert "not_authenticated" in line
    assert "pk_wrongSECRETkey999" not in done.stderr


def test_a_sync_cut_short_resumes_from_its_state_with_nothing_lost(
    config, run_in_process, fake_clock_at
):
    fake = account(profiles=60, seed=11)
    with serving(fake) as url:
        config = {**config, "base_url": url, "page_size": 10}
        fake.revoke_after(9)  # the key is revoked mid-sync, as a user would
        first, _ = sync(run_in_process, fake_clock_at, config)
        assert isinstance(first.error, FatalAPIError)
        landed = {r["event_id"] for r in first.records("email_events")}
        assert 0 < len(landed) < len(expected(fake))
        fake.api_key = KEY
        asked = len(fake.event_queries)
        second, _ = sync(run_in_process, fake_clock_at, config, state=first.final_state)
        assert second.error is None
        landed |= {r["event_id"] for r in second.records("email_events")}
        assert landed == set(expected(fake))
        # The resumed sync starts each metric at its bookmark, not at start_date.
        resumed = [q for q in fake.event_queries[asked:] if "page[cursor]" not in q]
        bookmarked = [q for q in resumed if "2026-10-01T00:00:00" not in q["filter"]]
        assert bookmarked, resumed

        # Events that arrive later are read by the next sync, from the bookmarks on.
        received = next(m for m, n in fake.metrics.items() if n == "Received Email")
        late = fake.add_event(received, "nueva@example.cl", NOW + dt.timedelta(hours=1))
        later_clock = fake_clock_at((NOW + dt.timedelta(days=1)).isoformat())
        third = run_in_process(TapCerebroKlaviyo, config, clock=later_clock,
                               state=second.final_state)  # fmt: skip
        ids = {r["event_id"] for r in third.records("email_events")}
        assert late in ids and len(ids) < 10, "only the new events and the bookmarks' own"


def test_the_fake_refuses_what_klaviyo_refuses():
    fake = FakeKlaviyo(api_key=KEY)
    headers = {"Authorization": f"Klaviyo-API-Key {KEY}", "revision": "2026-07-15"}

    def status(target: str) -> int:
        return fake.handle("GET", target, headers, b"", "127.0.0.1")[0]

    quoted = 'filter=greater-or-equal(datetime,"2026-10-01T00:00:00%2B00:00")'
    assert status(f"/api/events?{quoted}") == 400
    assert (
        status("/api/events?filter=greater-or-equal(datetime,2026-10-01T00:00:00%2B00:00)") == 200
    )
    assert status("/api/events?filter=contains(metric_id,%22x%22)") == 400
    assert status("/api/events?page[size]=1001") == 400
    assert status("/api/events?page[size]=1000") == 200
    assert status("/api/events?include=lists") == 400
    assert status("/api/metrics?page[size]=10") == 400
    assert fake.handle("GET", "/api/events", {"revision": "2026-07-15"}, b"", "h")[0] == 401


def test_the_stream_is_the_contracts_and_every_setting_is_described(config):
    tap = TapCerebroKlaviyo(config=config, parse_env_config=False)
    assert set(tap.streams) == set(STREAMS_BY_SOURCE["klaviyo"])
    stream = tap.streams["email_events"]
    contract = raw_stream("klaviyo", "email_events")
    assert stream.schema == contract.schema()
    assert tuple(stream.primary_keys) == contract.primary_keys
    assert stream.replication_key == contract.replication_key
    properties = TapCerebroKlaviyo.config_jsonschema["properties"]
    assert properties["api_key"].get("secret") is True
    assert all(p.get("description") for p in properties.values())


@pytest.mark.parametrize("page_size", [0, 1001])
def test_a_page_size_klaviyo_would_refuse_is_refused_by_the_settings(config, page_size):
    with pytest.raises(ConfigValidationError) as raised:
        TapCerebroKlaviyo(config={**config, "page_size": page_size}, parse_env_config=False)
    assert any(str(page_size) in error for error in raised.value.errors), raised.value.errors

"""Waiting for Metabase's sync of a new warehouse connection: short waits first (a schema of a
few dozen marts syncs within a second), doubling up to the poll interval, and a sync that never
finishes fails once the waits add up to the timeout."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from cerebro.serving.metabase.client import MetabaseError
from cerebro.serving.metabase.database import FIRST_POLL_SECONDS, POLL_SECONDS, poll_waits
from cerebro.serving.metabase.provision import provision
from tests.cerebro.serving.metabase.provisioning_support import make_context


def _apply_recording_waits(settings, dashboards) -> list[float]:
    waits: list[float] = []
    provision(settings, dashboards, make_context(dashboards), sleep=waits.append)
    return waits


@pytest.mark.parametrize("timeout", [0.1, 1.0, 10.0, 60.0, 600.0])
def test_the_waits_double_up_to_the_interval_and_cover_the_timeout(timeout):
    waits = poll_waits(timeout)

    assert waits[0] == FIRST_POLL_SECONDS
    doubling = itertools.pairwise(waits)
    assert all(later == min(2 * earlier, POLL_SECONDS) for earlier, later in doubling)
    assert sum(waits) >= timeout > sum(waits[:-1])


def test_a_sync_done_at_the_third_poll_waits_a_quarter_and_a_half_second_per_connection(
    fake, settings, dashboards
):
    fake.sync_polls = 2  # Metabase answers "incomplete" to a new database's first two polls

    waits = _apply_recording_waits(settings, dashboards)

    connections = len(fake.databases)
    assert connections >= 2  # the all-tenant reader and each tenant's
    assert waits == [FIRST_POLL_SECONDS, 2 * FIRST_POLL_SECONDS] * connections


def test_a_sync_that_never_finishes_fails_once_the_timeout_is_waited(fake, settings, dashboards):
    fake.sync_polls = 10**6
    settings = dataclasses.replace(settings, sync_timeout_seconds=10)
    waits: list[float] = []

    with pytest.raises(MetabaseError, match=r"first sync of database \d+ did not finish in 10 s"):
        provision(settings, dashboards, make_context(dashboards), sleep=waits.append)

    assert waits == poll_waits(10)

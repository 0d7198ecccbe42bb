"""The shared tap mechanics: date windows, and OAuth tokens refreshed on the tap's clock.

Oracles: arithmetic on calendars (windows tile the range exactly, whatever its
length) and the token's advertised lifetime (a refresh shortly before
``expires_in`` runs out, not after, not on every call).
"""

from __future__ import annotations

import datetime as dt

import pytest
from cerebro_tap_kit.daily_reports import date_windows
from cerebro_tap_kit.google_oauth import GoogleOAuth
from singer_sdk.exceptions import FatalAPIError


@pytest.mark.parametrize("length", [1, 2, 29, 30, 31, 61, 400])
@pytest.mark.parametrize("size", [1, 7, 30])
def test_windows_tile_the_range_without_gaps_or_overlaps(length, size):
    first = dt.date(2024, 2, 20)
    last = first + dt.timedelta(days=length - 1)
    windows = date_windows(first, last, size)
    days = [
        since + dt.timedelta(days=k)
        for since, until in windows
        for k in range((until - since).days + 1)
    ]
    assert days == [first + dt.timedelta(days=k) for k in range(length)]
    assert all((until - since).days < size for since, until in windows)


def test_no_window_when_the_range_is_empty():
    assert date_windows(dt.date(2024, 3, 2), dt.date(2024, 3, 1), 30) == []


def test_google_token_is_refreshed_two_minutes_before_it_expires(google_tokens, fake_clock_at):
    clock = fake_clock_at("2024-03-01T12:00:00+00:00")
    oauth = GoogleOAuth(
        token_url=google_tokens.url,
        client_id=google_tokens.client_id,
        client_secret=google_tokens.client_secret,
        refresh_token=google_tokens.refresh_token,
        clock=clock,
    )
    assert oauth.access_token() == "ya29.access-1"
    clock.sleep(3599 - 121)
    assert oauth.access_token() == "ya29.access-1"
    clock.sleep(2)
    assert oauth.access_token() == "ya29.access-2"
    assert oauth.refreshes == 2


def test_refusal_names_the_error_and_never_the_credentials(google_tokens, fake_clock_at):
    google_tokens.revoked = True
    oauth = GoogleOAuth(
        token_url=google_tokens.url,
        client_id=google_tokens.client_id,
        client_secret=google_tokens.client_secret,
        refresh_token=google_tokens.refresh_token,
        clock=fake_clock_at("2024-03-01T12:00:00+00:00"),
    )
    with pytest.raises(FatalAPIError) as refused:
        oauth.access_token()
    assert "invalid_grant" in str(refused.value)
    assert google_tokens.refresh_token not in str(refused.value)
    assert google_tokens.client_secret not in str(refused.value)

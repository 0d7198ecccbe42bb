"""GA4 streams: traffic per day and session source / medium / campaign."""

from __future__ import annotations

import typing as t

from tap_cerebro_ga4.client import RunReportStream


class TrafficDailyStream(RunReportStream):
    """Sessions, users, engaged sessions and key events per day and session source, medium
    and campaign (session-scoped dimensions: a session counts once, for how it started)."""

    name = "traffic_daily"
    dimensions = ("date", "sessionSource", "sessionMedium", "sessionCampaignName")
    metrics = ("sessions", "totalUsers", "engagedSessions", "keyEvents")
    columns: t.ClassVar[dict[str, str]] = {
        "date": "date",
        "sessionSource": "session_source",
        "sessionMedium": "session_medium",
        "sessionCampaignName": "session_campaign_name",
        "sessions": "sessions",
        "totalUsers": "total_users",
        "engagedSessions": "engaged_sessions",
        "keyEvents": "key_events",
    }
    integer_metrics = frozenset({"sessions", "totalUsers", "engagedSessions"})
    window_days = 30


STREAM_TYPES = (TrafficDailyStream,)

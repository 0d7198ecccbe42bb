"""The customer journey Shopify records before each order: its first and last session.

The first visit is the order's touchpoint (``orders.build_orders``), so the landing columns
and the channel mix they give are unchanged; this module adds when that session happened,
the session that closed the sale and how many sessions lay between. Drawn from its own
generator, so the rest of the demo stays as it was.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from .profiles import TenantProfile
from .touchpoints import touchpoint_columns

#: Share of the journeys without any UTM or referrer (typed-in visits) that Shopify could not
#: record at all (visitors who declined analytics cookies): their orders have no journey.
UNTRACKED_SHARE = 0.3
#: Sessions per journey ~ Geometric(p): mean 1/p, and most journeys are a single session.
SESSIONS_P = 0.5
#: Mean days from the first session to the order in multi-session journeys; Shopify looks back
#: 30 days at most (the first session since the last order, or within the window).
MEAN_CONSIDERATION_DAYS, ATTRIBUTION_WINDOW_DAYS = 4.0, 30
#: Multi-session journeys come back through their first channel this often; otherwise the
#: closing session comes from the channels people return through (weights of those present).
SAME_CHANNEL_TO_CLOSE = 0.45
CLOSING_CHANNELS = {"Directo": 0.4, "Google Ads": 0.25, "SEO / Orgánico": 0.2, "Email": 0.15}
#: utm_content (the ad or e-mail block) and utm_term (the search keyword) per channel group.
UTM_CONTENT = {
    "Meta Ads": ("video_15s", "carrusel_servicios", "testimonio"),
    "TikTok Ads": ("video_15s", "creador_ugc"),
    "Email": ("boton_principal", "banner"),
}
UTM_TERMS = {"Google Ads": ("gasfiter a domicilio", "limpieza de hogar", "servicios hogar")}


def _visit_source(utm_source: object, referring_site: object) -> str:
    """Shopify's ``CustomerVisit.source``: the platform, else the referring site's name, else
    ``direct``."""
    # The simulation's frames hold a missing value as None or NaN.
    if not pd.isna(utm_source):
        return str(utm_source)
    if not pd.isna(referring_site):
        host = urlsplit(str(referring_site)).hostname or ""
        return host.removeprefix("www.").split(".")[0] or "unknown"
    return "direct"


def _extra_utms(
    rng: np.random.Generator, groups: np.ndarray, utm_source: np.ndarray
) -> dict[str, np.ndarray]:
    """utm_content and utm_term for visits that carry UTMs, from their channel's lists."""
    out = {name: np.full(len(groups), None, dtype=object) for name in ("content", "term")}
    tagged = pd.notna(pd.Series(utm_source, dtype=object)).to_numpy()
    for name, options in (("content", UTM_CONTENT), ("term", UTM_TERMS)):
        for group, values in options.items():
            rows = np.flatnonzero((groups == group) & tagged)
            out[name][rows] = rng.choice(values, size=rows.size)
    return out


def _closing_channel(
    rng: np.random.Generator, profile: TenantProfile, first: np.ndarray, sessions: np.ndarray
) -> np.ndarray:
    groups = [channel.group for channel in profile.channels]
    closers = [group for group in CLOSING_CHANNELS if group in groups]
    weights = np.array([CLOSING_CHANNELS[group] for group in closers])
    other = rng.choice([groups.index(group) for group in closers], size=len(first),
                       p=weights / weights.sum())  # fmt: skip
    keeps = (sessions == 1) | (rng.random(len(first)) < SAME_CHANNEL_TO_CLOSE)
    return np.where(keeps, first, other)


def customer_journeys(
    rng: np.random.Generator, profile: TenantProfile, orders: pd.DataFrame
) -> pd.DataFrame:
    """Journey columns per order (times in local day offsets like ``created_t``): the first
    visit's source, time and extra UTMs; the last visit's touchpoint, source and time; the
    session count and days to conversion. All empty for untracked orders."""
    n = len(orders)
    created = orders["created_t"].to_numpy(dtype=float)
    first = orders["touch_channel"].to_numpy()
    groups = np.array([channel.group for channel in profile.channels], dtype=object)
    no_trail = (
        orders["touch_utm_source"].isna().to_numpy()
        & orders["touch_referring_site"].isna().to_numpy()
    )
    tracked = ~(no_trail & (rng.random(n) < UNTRACKED_SHARE))

    sessions = rng.geometric(SESSIONS_P, size=n)
    # A single session ends in the order minutes after it starts; a longer journey starts days
    # before (within the window) and its last session starts within the hour before the order.
    lead = np.where(
        sessions == 1,
        rng.uniform(3, 45, n) / 1440,
        np.minimum(rng.uniform(0.02, 1.0, n) + rng.exponential(MEAN_CONSIDERATION_DAYS, n),
                   ATTRIBUTION_WINDOW_DAYS),
    )  # fmt: skip
    # The simulated history starts on day 0: a journey that began earlier starts with it.
    first_t = np.maximum(created - lead, 0.0)
    closing_lead = rng.uniform(0.05, 0.5, n) * np.minimum(lead, 1 / 12)
    last_t = np.where(sessions == 1, first_t, np.maximum(created - closing_lead, first_t))
    last = _closing_channel(rng, profile, first, sessions)
    last_touch = touchpoint_columns(rng, profile.channels, last)
    # A single session is both the first and the last visit.
    single = sessions == 1
    for name, values in last_touch.items():
        values[single] = orders[f"touch_{name}"].to_numpy()[single]
    first_extra = _extra_utms(rng, groups[first], orders["touch_utm_source"].to_numpy())
    last_extra = _extra_utms(rng, groups[last], last_touch["utm_source"])
    for name in ("content", "term"):
        last_extra[name][single] = first_extra[name][single]

    columns = {
        "first_visit_t": first_t,
        "first_visit_source": [
            _visit_source(s, r)
            for s, r in zip(orders["touch_utm_source"], orders["touch_referring_site"], strict=True)
        ],
        "first_utm_content": first_extra["content"],
        "first_utm_term": first_extra["term"],
        **{f"last_{name}": values for name, values in last_touch.items()},
        "last_utm_content": last_extra["content"],
        "last_utm_term": last_extra["term"],
        "last_visit_t": last_t,
        "last_visit_source": [
            _visit_source(s, r)
            for s, r in zip(last_touch["utm_source"], last_touch["referring_site"], strict=True)
        ],
        "moments_count": sessions,
        "days_to_conversion": np.floor(created) - np.floor(first_t),
    }
    frame = pd.DataFrame(columns)
    frame["is_ready"] = True
    # An untracked order has no journey at all: every column empty.
    frame = frame.astype(object)
    frame.loc[~tracked, :] = None
    return frame

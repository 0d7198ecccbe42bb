"""The UTM / referrer trail a channel leaves, as a store's analytics records it."""

from __future__ import annotations

import numpy as np

from .profiles import ChannelProfile

CAMPAIGN_SLUGS = {
    "Google Ads": ("servicios_hogar", "marca", "pmax"),
    "Meta Ads": ("prospeccion_limpieza", "prospeccion_reparaciones", "remarketing"),
    "TikTok Ads": ("awareness_hogar", "conversiones_limpieza"),
    "Email": ("newsletter_semanal", "reactivacion"),
}
LANDING_PAGES = ("/", "/servicios/limpieza-de-hogar", "/servicios/gasfiteria", "/promociones")


def touchpoint_columns(
    rng: np.random.Generator, channels: tuple[ChannelProfile, ...], channel_idx: np.ndarray
) -> dict[str, np.ndarray]:
    """UTM source/medium/campaign, referring site and landing page per row.

    A channel without UTMs or referrers (Directo) leaves every field empty.
    """
    n = len(channel_idx)
    out = {
        name: np.full(n, None, dtype=object)
        for name in ("utm_source", "utm_medium", "utm_campaign", "referring_site", "landing_page")
    }
    for idx, channel in enumerate(channels):
        rows = np.flatnonzero(channel_idx == idx)
        if not rows.size:
            continue
        touch = channel.touchpoint
        if touch.utm_sources:
            out["utm_source"][rows] = rng.choice(touch.utm_sources, size=rows.size)
            out["utm_medium"][rows] = touch.utm_medium
            slugs = CAMPAIGN_SLUGS.get(channel.group)
            if slugs:
                out["utm_campaign"][rows] = rng.choice(slugs, size=rows.size)
        if touch.referring_sites:
            out["referring_site"][rows] = rng.choice(touch.referring_sites, size=rows.size)
        if touch.utm_sources or touch.referring_sites:
            out["landing_page"][rows] = rng.choice(LANDING_PAGES, size=rows.size)
    return out

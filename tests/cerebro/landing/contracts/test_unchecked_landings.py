"""A landing that fails before its contract check leaves its start behind: the next landing
checks from there, and a completed check clears it."""

from __future__ import annotations

import datetime as dt

from cerebro.landing.contracts.landed import mark_checked, unchecked_since
from cerebro.settings import load_settings

T1 = dt.datetime(2026, 11, 20, 6, 0)
T2 = dt.datetime(2026, 11, 21, 6, 0)
T3 = dt.datetime(2026, 11, 22, 6, 0)


def test_the_check_starts_at_the_oldest_landing_whose_rows_were_not_checked(tmp_path):
    settings = load_settings({"CEREBRO_DATA_DIR": str(tmp_path)})
    assert unchecked_since(settings, ["a"], "shopify", T1) == T1
    # The landing of T1 failed: no mark_checked. A landing of both tenants starts at T2.
    assert unchecked_since(settings, ["a", "b"], "shopify", T2) == T1
    assert unchecked_since(settings, ["b"], "meta_ads", T2) == T2
    mark_checked(settings, ["a", "b"], "shopify")
    assert unchecked_since(settings, ["a", "b"], "shopify", T3) == T3
    assert unchecked_since(settings, ["b"], "meta_ads", T3) == T2

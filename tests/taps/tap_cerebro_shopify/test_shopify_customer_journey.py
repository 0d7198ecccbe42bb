"""An order's customer journey through the tap, against the fake Admin API: written out by hand
as Shopify's ``CustomerJourneySummary`` documents it (first and last ``CustomerVisit``,
``momentsCount`` as a ``Count``, ``daysToConversion``, ``ready``), each record's journey
columns must be exactly the hand-written values.
https://shopify.dev/docs/api/admin-graphql/latest/objects/CustomerJourneySummary"""

from __future__ import annotations

VISIT_COLUMNS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")


def _visit(number: int, at: str, source: str, utm: dict | None, referrer=None, page=None):
    return {"id": f"gid://shopify/CustomerVisit/{number}", "occurredAt": at, "source": source,
            "landingPage": page, "referrerUrl": referrer, "utmParameters": utm}  # fmt: skip


#: Three orders: a three-session journey (Meta Ads ad, closed by a Google search), one still
#: being attributed (momentsCount null, a single visit so far), and none at all (app order).
JOURNEYS = [
    {
        "ready": True,
        "momentsCount": {"count": 3, "precision": "EXACT"},
        "daysToConversion": 6,
        "firstVisit": _visit(
            1, "2026-06-20T23:15:00Z", "instagram",
            {"source": "ig", "medium": "paid_social", "campaign": "remarketing",
             "content": "video_15s", "term": None},
            page="/servicios/gasfiteria",
        ),
        "lastVisit": _visit(
            2, "2026-06-26T13:02:09-04:00", "google",
            {"source": "google", "medium": "cpc", "campaign": "marca", "content": None,
             "term": "gasfiter a domicilio"},
            referrer="https://www.google.com/", page="/",
        ),
    },
    {"ready": False, "momentsCount": None, "daysToConversion": 0,
     "firstVisit": _visit(3, "2026-06-26T10:00:00Z", "direct", None), "lastVisit": None},
    None,
]  # fmt: skip

EXPECTED = [
    {
        "landing_utm_source": "ig", "landing_utm_medium": "paid_social",
        "landing_utm_campaign": "remarketing", "landing_utm_content": "video_15s",
        "landing_utm_term": None, "referring_site": None,
        "landing_page": "/servicios/gasfiteria", "first_visit_at": "2026-06-20T23:15:00+00:00",
        "first_visit_source": "instagram", "last_visit_utm_source": "google",
        "last_visit_utm_medium": "cpc", "last_visit_utm_campaign": "marca",
        "last_visit_utm_content": None, "last_visit_utm_term": "gasfiter a domicilio",
        "last_visit_referring_site": "https://www.google.com/", "last_visit_landing_page": "/",
        # A local offset in the API's answer still lands as UTC.
        "last_visit_at": "2026-06-26T17:02:09+00:00", "last_visit_source": "google",
        "journey_moments_count": 3, "journey_days_to_conversion": 6, "is_journey_ready": True,
    },
    {
        **dict.fromkeys(f"landing_{name}" for name in VISIT_COLUMNS),
        "referring_site": None, "landing_page": None,
        "first_visit_at": "2026-06-26T10:00:00+00:00", "first_visit_source": "direct",
        **dict.fromkeys(f"last_visit_{name}" for name in VISIT_COLUMNS),
        "last_visit_referring_site": None, "last_visit_landing_page": None,
        "last_visit_at": None, "last_visit_source": None, "journey_moments_count": None,
        "journey_days_to_conversion": 0, "is_journey_ready": False,
    },
    None,  # every journey column null
]  # fmt: skip


def test_each_orders_journey_lands_as_shopify_serves_it(small_shop, make_api, tap_config, run_tap):
    orders = small_shop.orders[: len(JOURNEYS)]
    for order, journey in zip(orders, JOURNEYS, strict=True):
        order["customerJourneySummary"] = journey
    make_api(small_shop)
    run = run_tap(tap_config)
    assert run.error is None
    records = {record["order_id"]: record for record in run.messages.records("orders")}
    columns = list(EXPECTED[0])
    for order, expected in zip(orders, EXPECTED, strict=True):
        record = records[order["id"].rsplit("/", 1)[-1]]
        landed = {column: record[column] for column in columns}
        assert landed == (expected or dict.fromkeys(columns)), order["id"]

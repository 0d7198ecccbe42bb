"""The raw sources the session's demo tenants land (tests/conftest.py DEMO_TENANTS_YAML, like
the shipped demo): every source of the raw contract but Amazon Ads (the demo store runs no
Amazon campaigns), hand-exported CSV spend, Stripe's subscriptions (the demo sells no
subscription), Klaviyo's e-mail events (the demo sends no e-mail), WhatsApp's message
statuses (nor any WhatsApp message) and GA4's traffic (the demo store has no GA4 property: its
funnel's sessions stay null). Their raw tables are never created. Mercado Libre's Product Ads
are the Chilean store's only: it also sells there (decision 0068)."""

from cerebro_raw_contract import STREAMS_BY_SOURCE

SOURCES_NOT_IN_THE_DEMO = frozenset({"amazon_ads", "csv", "stripe", "klaviyo", "whatsapp", "ga4"})
DEMO_LANDED_SOURCES = tuple(s for s in STREAMS_BY_SOURCE if s not in SOURCES_NOT_IN_THE_DEMO)
#: Landed sources only some of the demo's tenants connect, and which.
DEMO_SOURCES_OF_SOME_TENANTS = {"mercadolibre_ads": ("test_cl",)}


def demo_tenants_landing(source: str, tenants: tuple[str, ...]) -> tuple[str, ...]:
    """Which of the session demo's ``tenants`` land ``source``."""
    return DEMO_SOURCES_OF_SOME_TENANTS.get(source, tenants)

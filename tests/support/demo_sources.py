"""The raw sources the session's demo tenants land (tests/conftest.py DEMO_TENANTS_YAML, like
the shipped demo): every source of the raw contract but those the demo generates nothing for
(Mercado Libre's Product Ads, see tap_cerebro_demo's storage), Amazon Ads (the demo store runs
no Amazon campaigns), hand-exported CSV spend, Stripe's subscriptions (the demo sells no
subscription), Klaviyo's e-mail events (the demo sends no e-mail), WhatsApp's message
statuses (nor any WhatsApp message) and GA4's traffic (the demo store has no GA4 property: its
funnel's sessions stay null). Their raw tables are never created."""

from cerebro_raw_contract import STREAMS_BY_SOURCE
from tap_cerebro_demo.generator.storage import SOURCES_NOT_GENERATED

SOURCES_NOT_IN_THE_DEMO = SOURCES_NOT_GENERATED | {
    "amazon_ads", "csv", "stripe", "klaviyo", "whatsapp", "ga4",
}  # fmt: skip
DEMO_LANDED_SOURCES = tuple(s for s in STREAMS_BY_SOURCE if s not in SOURCES_NOT_IN_THE_DEMO)

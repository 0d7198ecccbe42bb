"""The demo tap's tenant profiles, by name: what a tenants file may write as ``demo: profile:``.

The tenants file checks the name against this list when it loads, so that a typo is one line
then and not a failed run, without importing the demo generator (production code never depends
on the demo; decision 0056). The generator simulates one profile of this list each
(``tap_cerebro_demo/generator/profiles.py``, ``PROFILES``; a test keeps the two the same names).
"""

DEMO_PROFILES: tuple[str, ...] = ("cl_services", "pe_services")

#: The currency each profile's exchange-rate series quotes in its own (the dólar observado:
#: pesos per US dollar): the one currency its ad accounts may bill in besides the store's
#: (``demo: billed_in:`` in the tenants file; decision 0061). The generator's profiles carry the
#: series itself; a test keeps the two the same.
DEMO_RATE_CURRENCIES: dict[str, str] = {"cl_services": "USD"}
#: The demo's ad sources whose accounts may bill in that currency.
DEMO_BILLED_SOURCES: tuple[str, ...] = ("meta_ads", "google_ads", "tiktok_ads")
#: The store platforms a demo store may run on (``demo: store:``): Shopify, whose streams the
#: generator writes, or WooCommerce, whose tap's mapping the demo lands them through
#: (``tap_cerebro_demo/woocommerce_store.py``).
DEMO_STORE_PLATFORMS: tuple[str, ...] = ("shopify", "woocommerce")

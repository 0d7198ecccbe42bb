"""The demo tap's tenant profiles, by name: what a tenants file may write as ``demo: profile:``.

The tenants file checks the name against this list when it loads, so that a typo is one line
then and not a failed run, without importing the demo generator (production code never depends
on the demo; decision 0056). The generator simulates one profile of this list each
(``tap_cerebro_demo/generator/profiles.py``, ``PROFILES``; a test keeps the two the same names).
"""

DEMO_PROFILES: tuple[str, ...] = ("cl_services", "pe_services")

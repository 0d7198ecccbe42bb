"""Metabase as code: the dashboard specs (``metabase/dashboards/*.yml``) provisioned through
Metabase's REST API, idempotently.

``provision()`` logs in (first-user setup when Metabase is new), registers the warehouse with
a read-only role, reads the objects carrying a ``[cerebro:key=…]`` marker, plans the
difference with the specs and applies it: create, update in place, archive what no spec asks
for. ``run_cards()`` runs every card's query through Metabase. The ``cerebro metabase``
commands and the Dagster asset ``metabase_dashboards`` call them (``provision.py``).
"""

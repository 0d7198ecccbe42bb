"""The second floor, where the data built by dbt is shown: the KPI functions (``kpis/``), the
dashboard specs with their static renderer (``dashboards/``), Metabase provisioning
(``metabase/``), who may read which tenant's rows (``security/``), the run summary
(``summary``) and the budget plan's verdict (``mmm_verdict``). A module belongs here when it
reads the marts to show them to someone; it may read the landing floor and the ground, never the
actions or the command line above it.
"""

"""The third floor, where Cerebro acts on what it shows: audience syncs to the marketing tools
(``activation/``), alerts when a figure crosses a threshold (``alerts/``), scheduled e-mailed
reports (``reports/``) and the webhooks and e-mail they send through (``notify/``). A module
belongs here when it sends something out of the platform; it reads the floors below (the KPI
functions, the dashboard specs, the warehouse), and only the command line sits above it.
"""

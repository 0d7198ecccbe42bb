"""The first floor, where data comes in: running a tenant's Singer taps into the warehouse
(``pipeline``), which tap runs for which source with which settings (``taps``), one run's
landing checks and counts (``ingest``) and the raw data's contracts that quarantine bad rows
(``contracts/``). A module belongs here when it moves or checks data on its way into the raw
schemas; it reads only the ground (settings, tenants, the warehouse), never what serves or acts
on the data above it.
"""

"""Data contracts of the raw Singer streams, evaluated with Great Expectations after landing,
and the quarantine of the rows that break them (see docs/decisions/0012)."""

"""Dagster code location: wires taps, dbt and ML code into assets. No business logic here."""

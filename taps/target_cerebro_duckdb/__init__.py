"""Singer target for DuckDB landing the same raw tables as meltanolabs-target-postgres."""

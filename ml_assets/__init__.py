"""Models as plain Python (pandas/numpy/scipy/lifetimes): no Dagster here."""

"""Demo data generator: a simulated services marketplace with a known truth."""

"""Simulated marketing data with known truth, to benchmark marketing-mix models."""

"""Cerebro: the user-facing side of the platform (CLI, configuration, warehouse access)."""

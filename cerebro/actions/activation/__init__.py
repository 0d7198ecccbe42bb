"""Activation: segments synced to the tools that reach customers, with a held-out control group
so that the uplift can be measured (issue 24)."""

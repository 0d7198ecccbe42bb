"""Requests tenants make from Metabase (``ops.action_requests``), run with the command line's
code by a Dagster sensor (docs/decisions/0063-requests-from-metabase-under-row-level-security.md).
"""

from cerebro.actions.requests.queue import claim, finish, submit
from cerebro.actions.requests.run import Outcome, run_pending

__all__ = ["Outcome", "claim", "finish", "run_pending", "submit"]

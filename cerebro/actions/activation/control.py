"""The control group: customers held out of every activation, so that its uplift can be measured.

Whether a customer is held out depends only on the tenant and the customer: the first 64 bits
of SHA-256("<tenant_id>:<customer_id>") read as a number in [0, 1) (its *position*), held out
when below the activation's control share. So a customer is on the same side in every sync,
every segment and every destination (a customer moving from "Frecuentes alejados" to
"Hibernando" stays control), a smaller share holds out a subset of a larger one, and anyone can
recompute the assignment. SHA-256 spreads consecutive ids uniformly, so the share held out is
binomial around the control share. Held-out members are never sent; the sync logs them as
``hold_out``.
"""

from __future__ import annotations

import hashlib

_SCALE = float(2**64)


def control_position(tenant_id: str, customer_id: str) -> float:
    """The customer's stable pseudo-random position in [0, 1)."""
    digest = hashlib.sha256(f"{tenant_id}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def is_held_out(tenant_id: str, customer_id: str, control_share: float) -> bool:
    """Whether the customer is in the control group of an activation holding out
    ``control_share`` (0.1: 10 %) of its segment."""
    return control_position(tenant_id, customer_id) < control_share

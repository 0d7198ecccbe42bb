"""Segment names retired when the words of risk became the customer-value model's alone.

KPIS.md: "one word, one notion". "En riesgo", "perdido" and "leal" mean what the customer-value
model says (P(alive) below the risk threshold; the churn-risk segments ``CLIENTE PERDIDO`` and
``CLIENTE LEAL``), and the RFM cells that reused them were renamed in the ``rfm_segments`` seed
(decision 0047). A tenants file or a command that still names an old cell would otherwise meet
a segment with no customers, or a different notion under a familiar word; it gets one Spanish
line naming the new name instead.
"""

from __future__ import annotations

#: Old RFM cell -> its name since decision 0047 (dbt_project/seeds/rfm_segments.csv).
RENAMED_RFM_SEGMENTS = {
    "En riesgo": "Frecuentes alejados",
    "No se pueden perder": "Muy frecuentes alejados",
    "Perdidos": "Ocasionales alejados",
    "Leales": "Habituales",
    "Potenciales leales": "Potenciales habituales",
}
#: Where the model's notion of an old name's word now lives, for the same line.
_MODEL_NOTION = {
    "En riesgo": "los clientes en riesgo del modelo son «ALTO RIESGO - VIP» y «CLIENTE PERDIDO»",
    "No se pueden perder": "los clientes en riesgo del modelo son «ALTO RIESGO - VIP» y "
    "«CLIENTE PERDIDO»",
    "Perdidos": "los clientes perdidos del modelo son «CLIENTE PERDIDO»",
    "Leales": "los clientes leales del modelo son «CLIENTE LEAL»",
    "Potenciales leales": "los clientes leales del modelo son «CLIENTE LEAL»",
}
_BY_FOLDED = {name.casefold(): name for name in RENAMED_RFM_SEGMENTS}


def retired_segment_message(segment: str) -> str | None:
    """One Spanish line for a segment named as before decision 0047 (any case), else None."""
    old = _BY_FOLDED.get(segment.strip().casefold())
    if old is None:
        return None
    return (
        f"el segmento RFM «{old}» ahora se llama «{RENAMED_RFM_SEGMENTS[old]}»; "
        f"{_MODEL_NOTION[old]} (decisión 0047)"
    )

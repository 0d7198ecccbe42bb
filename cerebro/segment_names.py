"""Segment names retired when the words of risk became the customer-value model's alone.

KPIS.md: "one word, one notion". "En riesgo", "perdido" and "leal" mean what the customer-value
model says (P(alive) below the risk threshold; the churn-risk segments ``CLIENTE PERDIDO`` and
``CLIENTE LEAL``), and the RFM cells that reused them were renamed in the ``rfm_segments`` seed
(decision 0047). A tenants file or a command that still names an old cell would otherwise meet
a segment with no customers, or a different notion under a familiar word; it gets one Spanish
line naming the new name instead.
"""

from __future__ import annotations

import csv
import difflib
import functools

from cerebro.settings import DBT_PROJECT_DIR
from ml_assets.clv.segments import SEGMENTS as CHURN_RISK_SEGMENTS

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
#: A segment named ``audiencia:<question>`` is a saved question of the tenant's "Audiencias"
#: collection in Metabase (decision 0073): any question may be named; it is checked when read.
AUDIENCE_PREFIX = "audiencia:"


def retired_segment_message(segment: str) -> str | None:
    """One Spanish line for a segment named as before decision 0047 (any case), else None."""
    old = _BY_FOLDED.get(segment.strip().casefold())
    if old is None:
        return None
    return (
        f"el segmento RFM «{old}» ahora se llama «{RENAMED_RFM_SEGMENTS[old]}»; "
        f"{_MODEL_NOTION[old]} (decisión 0047)"
    )


@functools.cache
def rfm_segment_names() -> tuple[str, ...]:
    """The RFM cells' names, as the ``rfm_segments`` seed (which builds
    ``marts.dim_rfm_segments``) writes them: what a tenants file may name before any warehouse
    is built."""
    with (DBT_PROJECT_DIR / "seeds" / "rfm_segments.csv").open(
        encoding="utf-8", newline=""
    ) as seed:
        return tuple(sorted({row["segment"] for row in csv.DictReader(seed)}))


def unknown_segment_message(segment: str) -> str | None:
    """One line for a segment no tenant can have (neither an RFM cell nor a churn-risk
    segment), naming the close one and the segments there are; None for a known segment.

    A near-miss of a retired name (``En riezgo``) is pointed at that name's new one, as the
    retired name itself is."""
    rfm = rfm_segment_names()
    if segment in rfm or segment in CHURN_RISK_SEGMENTS or segment.startswith(AUDIENCE_PREFIX):
        return None
    candidates = [*rfm, *CHURN_RISK_SEGMENTS, *RENAMED_RFM_SEGMENTS]
    # Case first: 'alto riesgo - vip' is 'ALTO RIESGO - VIP' whatever difflib's ratio says.
    close = [name for name in candidates if name.casefold() == segment.strip().casefold()]
    close = close or difflib.get_close_matches(segment, candidates, n=1, cutoff=0.6)
    if close and close[0] in RENAMED_RFM_SEGMENTS:
        hint = f" (did you mean {close[0]!r}? {retired_segment_message(close[0])})"
    else:
        hint = f" (did you mean {close[0]!r}?)" if close else ""
    return (
        f"unknown segment {segment!r}{hint}; RFM segments: {', '.join(rfm)}; churn-risk "
        f"segments: {', '.join(CHURN_RISK_SEGMENTS)}"
    )

"""A scalar's change against the previous period, as a page shows it: an arrow and a size, and
whether the change is good or bad news for that metric.

Rates (``percent`` columns) change in percentage points ("▲ 2,1 pp"), as the scheduled reports
write them: a cancellation rate going from 3 % to 4 % rose one point, not "33 %". Other metrics
change relatively ("▼ 4,0%", ``formatting.format_change``). The tone follows the spec's
``higher_is_better``: a fall in cancellations is good news, a fall in new users bad news.
"""

from __future__ import annotations

from dataclasses import dataclass

from cerebro.formatting import format_change, format_number, is_missing, locale_for

UP, DOWN, FLAT = "▲", "▼", "="


@dataclass(frozen=True)
class Trend:
    text: str | None  # "▲ 12,3%", "▼ 2,1 pp", "= 0,0 pp"; None with nothing to compare
    direction: str  # "up", "down", "flat" (CSS class)
    tone: str  # "good", "bad" or "" (neutral: no change, or the spec does not say)


def _points(previous: object, current: object, locale: str) -> str | None:
    """The change of a rate in percentage points: 0.036 → 0.057 is "▲ 2,1 pp"."""
    if is_missing(previous) or is_missing(current):
        return None
    points = (float(current) - float(previous)) * 100
    shown = f"{format_number(abs(points), 1, locale)} pp"
    if shown == f"{format_number(0, 1, locale)} pp":
        return f"{FLAT} {shown}"
    return f"{UP if points > 0 else DOWN} {shown}"


def trend(
    previous: object,
    current: object,
    fmt: str,
    currency: str,
    higher_is_better: bool | None,
) -> Trend:
    """The change from ``previous`` to ``current`` of a column shown in format ``fmt``."""
    locale = locale_for(currency)
    if fmt == "percent":
        text = _points(previous, current, locale)
    else:
        text = format_change(previous, current, locale)
    if text is None or text.startswith(FLAT):
        return Trend(text, "flat", "")
    rose = text.startswith(UP)
    tone = "" if higher_is_better is None else ("good" if rose == higher_is_better else "bad")
    return Trend(text, "up" if rose else "down", tone)

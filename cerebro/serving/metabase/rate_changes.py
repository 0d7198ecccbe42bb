"""A rate compared with the previous period, as Metabase shows it: a one-row table with the
period's rate, the previous period's and the change in percentage points.

Metabase's Trend (``smartscalar``) writes every change as a relative percentage: a
cancellation rate from 5.3 % to 5.1 % reads "↓ 3.8 %", where the static pages, reports and
alerts say "-0.2 pp" (decision 0027). It has no setting for a difference (upstream feature
requests metabase#62981 and #54445), so a rate's comparison is computed in the card's SQL
and drawn as a table; counts, money and hours keep the Trend, whose relative change is the
one the pages show for them.
"""

from __future__ import annotations

from cerebro.serving.dashboards.spec import PERIOD_START, Card

PREVIOUS = "previous_period_value"
CHANGE = "change_pp"
PREVIOUS_LABEL = "Período anterior"
CHANGE_LABEL = "Cambio (pp)"
#: Metabase's palette: green for a change for the better, red for the worse.
BETTER, WORSE = "#84BB4C", "#ED6E6E"


def is_rate_comparison(card: Card) -> bool:
    """A scalar rate (a fraction shown as a percentage) compared with the previous period."""
    return (
        card.display == "scalar"
        and card.comparison == "previous_period"
        and bool(card.y)
        and card.columns.get(card.y[0]) == "percent"
    )


def rate_change_sql(card: Card, compared_sql: str) -> str:
    """The two-row comparison (``period_start``, the rate) as one row: the chosen period's
    rate, the previous period's and their difference in percentage points."""
    metric = card.y[0]
    # The newline before ")" keeps a trailing "-- comment" in the spec from swallowing it.
    return (
        f"select {metric}, {PREVIOUS}, ({metric} - {PREVIOUS}) * 100 as {CHANGE}\n"
        "from (\n"
        f"    select {PERIOD_START}, {metric},\n"
        f"        lag({metric}) over (order by {PERIOD_START}) as {PREVIOUS}\n"
        f"    from (\n{compared_sql.rstrip()}\n) as periods\n"
        ") as compared\n"
        f"order by {PERIOD_START} desc\n"
        "limit 1"
    )


def rate_change_columns(card: Card) -> dict[str, str]:
    """The table's columns and their formats."""
    return {card.y[0]: "percent", PREVIOUS: "percent", CHANGE: "points"}


def rate_change_labels(card: Card) -> dict[str, str]:
    return {card.y[0]: card.label(card.y[0]), PREVIOUS: PREVIOUS_LABEL, CHANGE: CHANGE_LABEL}


def rate_change_colours(card: Card) -> list[dict]:
    """Metabase conditional formats of the change: green when it is for the better (a rise,
    or a fall where lower is better), red when for the worse."""
    rise, fall = (WORSE, BETTER) if card.higher_is_better is False else (BETTER, WORSE)
    return [
        {"id": index, "columns": [CHANGE], "type": "single", "operator": operator, "value": 0,
         "color": colour, "highlight_row": False}
        for index, (operator, colour) in enumerate(((">", rise), ("<", fall)))
    ]  # fmt: skip

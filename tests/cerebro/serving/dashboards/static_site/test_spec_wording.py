"""What the dashboard specs say to a reader (titles, descriptions, column labels, filter labels)
is Spanish with no codes, English words or file paths; and two figures of customer value at risk
on neighbouring pages name each other, so a reader knows why they differ (issue 26)."""

from __future__ import annotations

import re

from cerebro.serving.dashboards.spec import load_dashboards
from tests.cerebro.serving.dashboards.static_site.wording import wording_problems

#: The marts' columns of customer value at risk (KPIS.md: value_at_risk per customer, "Capital
#: en riesgo" its sum over the customers under the risk threshold).
VALUE_AT_RISK = re.compile(r"\b(value_at_risk|capital_at_risk_amount)\b")


def _spec_texts(dashboard) -> list[str]:
    texts = [dashboard.title, dashboard.description]
    texts += [item.label for item in dashboard.filters]
    for card in dashboard.cards:
        texts += [card.title, card.description, *(card.labels or {}).values()]
    return [text for text in texts if text]


def test_spec_texts_have_no_codes_english_words_or_file_paths():
    problems = {d.key: wording_problems(_spec_texts(d)) for d in load_dashboards()}
    assert {key: found for key, found in problems.items() if found} == {}


def test_scalars_of_value_at_risk_have_distinct_names_and_explain_each_other():
    scalars = [
        card
        for dashboard in load_dashboards()
        for card in dashboard.cards
        if card.display == "scalar" and VALUE_AT_RISK.search(card.sql)
    ]
    titles = [card.title for card in scalars]
    assert len(titles) >= 2 and len(set(titles)) == len(titles), titles
    for card in scalars:
        others = [title for title in titles if title != card.title]
        assert all(f"«{title}»" in " ".join(card.description.split()) for title in others), (
            card.key,
            others,
        )

"""What a Spanish page must not show a reader: codes in capitals ("SUCCESS", "NOT_SUBSCRIBED"),
raw codes that ``cerebro.labels`` names ("google_ads", "search_console"), English words
(quarantine reasons, model warnings, "None"), and file paths ("cerebro/scenarios.yml")."""

from __future__ import annotations

import re

from cerebro.labels import BY_COLUMN

#: Capitalised abbreviations a Spanish reader knows (currencies, metrics, documents).
ACRONYMS = frozenset({
    "CLP", "PEN", "USD", "CSV", "PNG", "RFM", "ROAS", "LTV", "MAU", "RUT", "DNI", "RUC", "IVA",
    "IGV", "UTC", "MAPE", "NBD", "ROI", "CAC", "SEO", "UTM", "VIP", "KPI", "MRR",
})  # fmt: skip
#: English words that have no place in Spanish text (none is also a Spanish word).
ENGLISH_WORDS = frozenset({
    "the", "and", "of", "is", "are", "was", "not", "with", "from", "this", "that", "has",
    "have", "got", "rows", "row", "required", "unique", "skipped", "warning", "warnings",
    "failed", "failure", "success", "successful", "missing", "unknown", "invalid", "pending",
    "none", "null", "nan", "nat", "true", "false", "orders", "customers", "refunds",
    "transactions", "fulfillments", "events", "insights", "performance", "spend", "date",
    "created", "updated", "query", "page", "job", "jobs", "model", "models", "tenant",
    "tenants", "dashboard", "dashboards", "scenarios", "lines", "subscribed", "unsubscribed",
    "canceled", "started", "queued", "status", "calendar", "timestamp", "future", "key",
})  # fmt: skip
#: A run of capitals (accents too) or a capitalised code with underscores.
_CAPITALS = re.compile(r"(?<![\w/])[A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑ0-9_]{2,}(?![\w/])")
#: E-mail addresses, web addresses and the names vendors give their products (Google's
#: "Performance Max" campaign type, which campaigns are named after) are data, not words.
_ADDRESSES = re.compile(r"\S+@\S+|\w+://\S+|\bPerformance Max\b")
_WORD = re.compile(r"[^\W\d_]+")
_PATHS = (
    re.compile(r"\b(?:[\w.-]+/)+[\w.-]+\.(?:ya?ml|py|csv|sql|json|j2|md)\b"),
    re.compile(r"\b(?:cerebro|metabase|dbt_project|orchestration|ml_assets|taps|docs)/"),
)
#: Codes with a Spanish name, other than those whose name is the same word ("checkouts").
_RAW_CODES = tuple(
    (code, re.compile(rf"(?<![\w.@-]){re.escape(code)}(?![\w.@-])"))
    for names in BY_COLUMN.values()
    for code, name in names.items()
    if code.lower() != name.lower()
)


def wording_problems(texts: list[str]) -> list[str]:
    """Each forbidden piece found in ``texts``, with the text it was found in."""
    problems = []
    for text in texts:
        plain = _ADDRESSES.sub(" ", text)
        for match in _CAPITALS.finditer(plain):
            if match.group() not in ACRONYMS:
                problems.append(f"code in capitals {match.group()!r} in {text!r}")
        for code, pattern in _RAW_CODES:
            if pattern.search(plain):
                problems.append(f"raw code {code!r} in {text!r}")
        english = sorted({w for w in _WORD.findall(plain) if w.lower() in ENGLISH_WORDS})
        if english:
            problems.append(f"English {english} in {text!r}")
        for pattern in _PATHS:
            if pattern.search(plain):
                problems.append(f"file path in {text!r}")
    return sorted(set(problems))

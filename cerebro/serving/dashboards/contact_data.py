"""Customers' contact data on the static pages: which columns of a card hold it, and the card's
rows without them for a tenant whose pages leave it out (tenants file:
``static_pages.contact_data``, off by default).

Contact data is what reaches a person: e-mail, phone, name. The rule goes by column name, as the
marts do (decision 0014): a spec's columns are named after ``marts.mart_customer_contacts``
(``email``, ``phone``, ``first_name``, ``last_name``), and a new card that adds, say,
``customer_email`` or ``phone_number`` is caught without a list to update. Consent states
(``email_marketing_state``), flags (``is_email_verified``) and hashes (``email_sha256``) are not
contact data: they reach nobody.
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd

from cerebro.serving.dashboards.spec import Card

CONTACT_COLUMN = re.compile(
    r"^(.*_)?(e_?mail|phone|telefono|celular|mobile|whatsapp)(_(address|number))?$"
    r"|^(first|last|full|customer|contact)_name$"
)
#: What a card that would draw contact data (a chart or a scalar over it) shows instead.
WITHHELD_MESSAGE = "Datos de contacto no incluidos en estas páginas."


def is_contact_column(column: str) -> bool:
    """Whether a column of a card holds a customer's e-mail, phone or name."""
    return bool(CONTACT_COLUMN.match(column))


def contact_columns(card: Card) -> list[str]:
    """The card's columns that hold contact data, in the card's order."""
    return [column for column in card.columns if is_contact_column(column)]


def draws_contact_data(card: Card) -> bool:
    """Whether the card's picture itself is contact data: a chart or scalar over such a column
    cannot lose the column and still mean something; a table can."""
    if card.display == "table":
        return False
    drawn = [card.x, card.series, card.marker, *card.y]
    if card.display == "scalar" and not card.y:
        drawn.append(list(card.columns)[-1])  # what card_views.scalar_view shows
    return any(column is not None and is_contact_column(column) for column in drawn)


def without_contact_data(card: Card, frame: pd.DataFrame) -> tuple[Card, pd.DataFrame, list[str]]:
    """The table card and its rows without the contact columns, and the labels of the columns
    left out (for the note under the table and nothing else: the values are gone)."""
    hidden = contact_columns(card)
    if not hidden:
        return card, frame, []
    kept = {column: fmt for column, fmt in card.columns.items() if column not in hidden}
    labels = [card.label(column) for column in hidden]
    return (
        dataclasses.replace(card, columns=kept),
        frame.drop(columns=[c for c in hidden if c in frame.columns]),
        labels,
    )

"""Reconcile a list destination with its vendor: the log says what the vendor holds
(decision 0022), and a vendor's list can lose what the log says (a Klaviyo list deleted by
hand, a Meta audience recreated, a Google list removed): then the sync sends those members
again (decision 0058).

Before a real sync of a list destination, its client reads the audience's list in one call
(``ListDestination.list_state``) and says whether it holds fewer members than the log says,
by its vendor's rule (exact for Klaviyo's ``profile_count``; only a missing or empty list for
Meta's and Google's matched-people estimates, which lag and round). A short list, or
``cerebro activate --resync``, repairs it: every target member the log says the list holds is
sent again (action ``repair``), beside the sync's own adds and removals. A dry run reads
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from cerebro.actions.activation.destination import ListState


@dataclass(frozen=True)
class Drift:
    """What the vendor's list looked like against the log, and whether it is repaired."""

    state: ListState
    expected: int
    short: bool
    resync: bool

    @property
    def repairs(self) -> bool:
        return self.short or self.resync

    def describe(self) -> str:
        """One line for the sync's report."""
        if not self.state.exists:
            found = "missing at the vendor"
        else:
            found = self.state.said or f"{self.state.size} members at the vendor"
        why = "" if self.short else (" (--resync)" if self.resync else "")
        verdict = "repaired" if self.repairs else "agrees"
        return f"vendor list: {found}, log says {self.expected}; {verdict}{why}"


def check_list(destination, plan) -> Drift | None:
    """The vendor's list against the log, for a destination that can read it (None else)."""
    read = getattr(destination, "list_state", None)
    if read is None:
        return None
    # Before this sync the list should hold the members staying and those about to leave.
    expected = len(plan.kept) + len(plan.remove)
    state, short = read(plan.audience, expected)
    return Drift(state, expected, short, plan.resync)

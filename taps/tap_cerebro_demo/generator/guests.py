"""Guest checkouts: a returning person's later order placed without logging in.

Shopify keeps a guest checkout as a customer record of its own (state ``DISABLED``: no
account), so a person who buys again as a guest appears under a second ``customer_id``. What
ties the two records together is what the person typed at the checkout: the same RUT (in
another format), or, without one, the same e-mail (other case) or the same phone (other
spacing). Some guests type a wrong RUT and another e-mail: nothing in the data says they are
the same person, so identity resolution must not merge them (decision 0037).

The rewrite works on the shaped streams, after everything else is drawn, from its own
generator: the people, their orders and the truth of the simulation are unchanged; only the
``customer_id`` (and e-mail) of the chosen orders and of their checkouts move to the guest
records.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .identity import format_rut, rut_check_digit

#: Share of a person's later (not first, not test) orders placed as a guest checkout.
GUEST_ORDER_SHARE = 0.08
#: How a guest record relates to its person's account, and how often. A kind the person
#: cannot give (no valid RUT, no phone) falls back to ``email``.
GUEST_KINDS = {"rut": 0.55, "email": 0.2, "phone": 0.15, "invalid_rut": 0.1}
#: Kinds a resolution by RUT, e-mail and phone can and should merge with the account.
RESOLVABLE_KINDS = ("rut", "email", "phone")
_CHECK_DIGITS = "0123456789K"
_RUT_STYLES = ("dotted", "plain", "no_hyphen", "lowercase", "spaced")


def _parse_valid_rut(rut) -> tuple[int, str] | None:
    """Body and check digit of a RUT as typed, when it is well formed and valid."""
    if rut is None or (isinstance(rut, float) and np.isnan(rut)):
        return None
    compact = "".join(ch for ch in str(rut).upper() if ch not in ". -\u00a0\t")
    if len(compact) < 2 or not compact[:-1].isdigit():
        return None
    body, digit = int(compact[:-1]), compact[-1]
    if not 1_000_000 <= body <= 99_999_999 or rut_check_digit(body) != digit:
        return None
    return body, digit


def _retyped_phone(phone: str) -> str:
    """The same number with the spaces people put in it: '+56912345678' -> '+56 9 1234 5678'."""
    digits = phone.lstrip("+")
    return f"+{digits[:2]} {digits[2:3]} {digits[3:7]} {digits[7:]}"


def _guest_kind(rng: np.random.Generator, account: dict) -> str:
    kind = str(rng.choice(list(GUEST_KINDS), p=list(GUEST_KINDS.values())))
    if kind in ("rut", "invalid_rut") and _parse_valid_rut(account["rut"]) is None:
        return "email"
    if kind == "phone" and pd.isna(account["phone"]):
        return "email"
    return kind


def _guest_contacts(rng: np.random.Generator, kind: str, account: dict, guest_id: str,
                    email_domain: str) -> dict:  # fmt: skip
    """The RUT, e-mail and phone a guest of ``kind`` types at the checkout."""
    other_email = f"compras.{guest_id}@{email_domain}"
    if kind == "email":
        email = account["email"]
        return {"rut": None, "email": f" {email.upper()} ", "phone": None}
    if kind == "phone":
        return {"rut": None, "email": other_email, "phone": _retyped_phone(account["phone"])}
    body, digit = _parse_valid_rut(account["rut"])
    if kind == "invalid_rut":
        digit = _CHECK_DIGITS[(_CHECK_DIGITS.index(digit) + int(rng.integers(1, 11))) % 11]
    style = str(rng.choice(_RUT_STYLES))
    return {"rut": format_rut(body, digit, style), "email": other_email, "phone": None}


def add_guest_checkouts(
    rng: np.random.Generator,
    streams: dict[str, pd.DataFrame],
    guest_ids,
    email_domain: str,
) -> dict:
    """Move a share of the later orders (and their checkouts) to new guest customer records.

    ``guest_ids(n)`` gives ``n`` fresh customer ids. Rewrites ``streams`` in place and returns
    the truth of the guests: each guest record's true person (the account's customer id), its
    kind and whether the rules can resolve it.
    """
    customers, orders = streams["customers"], streams["orders"]
    ranked = orders.sort_values(["customer_id", "created_at", "order_id"])
    is_later = ranked.groupby("customer_id").cumcount() > 0
    candidates = ranked[is_later & ~ranked["is_test"]]
    chosen = candidates[rng.random(len(candidates)) < GUEST_ORDER_SHARE].sort_values("order_id")
    ids = list(guest_ids(len(chosen)))
    accounts = customers.set_index("customer_id")

    guest_rows, records = [], []
    order_guest, guest_email = {}, {}
    for guest_id, order in zip(ids, chosen.to_dict("records"), strict=True):
        account = {"customer_id": order["customer_id"], **accounts.loc[order["customer_id"]]}
        kind = _guest_kind(rng, account)
        contacts = _guest_contacts(rng, kind, account, guest_id, email_domain)
        guest_rows.append(
            {
                **account,
                **contacts,
                "customer_id": guest_id,
                "state": "DISABLED",
                "verified_email": False,
                "email_marketing_state": "NOT_SUBSCRIBED",
                "sms_marketing_state": None if contacts["phone"] is None else "NOT_SUBSCRIBED",
                "tags": "",
                "signup_utm_source": None,
                "signup_utm_medium": None,
                "signup_utm_campaign": None,
                "signup_referring_site": None,
                "created_at": order["created_at"],
                "updated_at": order["created_at"],
            }
        )
        order_guest[order["order_id"]] = guest_id
        guest_email[order["order_id"]] = contacts["email"]
        records.append(
            {
                "customer_id": guest_id,
                "person_customer_id": account["customer_id"],
                "kind": kind,
                "is_resolvable": kind in RESOLVABLE_KINDS,
            }
        )

    streams["customers"] = pd.concat(
        [customers, pd.DataFrame(guest_rows, columns=customers.columns)], ignore_index=True
    )
    for name in ("orders", "checkouts"):
        frame = streams[name]
        moved = frame["order_id"].isin(order_guest.keys())
        frame.loc[moved, "customer_id"] = frame.loc[moved, "order_id"].map(order_guest)
        frame.loc[moved, "email"] = frame.loc[moved, "order_id"].map(guest_email)
    kinds = pd.Series([r["kind"] for r in records], dtype=object)
    return {
        "guest_order_share": GUEST_ORDER_SHARE,
        "accounts": len(customers),
        "guest_records": len(records),
        "guest_records_by_kind": {kind: int((kinds == kind).sum()) for kind in GUEST_KINDS},
        "guests": records,
    }

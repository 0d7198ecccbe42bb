"""Customer attributes beyond the acquisition: account state, place, RUT, habits."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .identity import draw_ruts
from .profiles import TenantProfile
from .touchpoints import touchpoint_columns

STATES = ("ENABLED", "INVITED", "DISABLED", "DECLINED")
STATE_WEIGHTS = (0.85, 0.08, 0.05, 0.02)
MARKETING_STATES = ("SUBSCRIBED", "NOT_SUBSCRIBED", "UNSUBSCRIBED")
TAGS = ("", "", "", "newsletter", "empresa", "vip", "app")
SIGNUP_UTM_RECORDED = 0.7  # share of signups whose UTMs the store kept
#: P(SMS/WhatsApp marketing subscribed) for a customer with a phone, given the e-mail consent:
#: both are ticked in the same checkout, so they go together; about a third of the phones end
#: up subscribed, a quarter of all customers. Some unsubscribed, the rest never asked.
SMS_SUBSCRIBED_GIVEN_EMAIL = {"SUBSCRIBED": 0.5, "NOT_SUBSCRIBED": 0.12, "UNSUBSCRIBED": 0.05}
SMS_UNSUBSCRIBED = 0.05


def describe_customers(
    rng: np.random.Generator, profile: TenantProfile, signups: pd.DataFrame
) -> pd.DataFrame:
    """Signups plus account state, default place, preferred gateway, RUT and signup UTMs."""
    n = len(signups)
    weights = np.array([p.weight for p in profile.places])
    state = rng.choice(STATES, size=n, p=STATE_WEIGHTS)
    verified = np.where(state == "ENABLED", rng.random(n) < 0.88, rng.random(n) < 0.3)
    ruts, rut_valid = draw_ruts(rng, n) if profile.has_rut else ([None] * n, np.zeros(n, bool))
    touch = touchpoint_columns(rng, profile.channels, signups["channel"].to_numpy())
    recorded = rng.random(n) < SIGNUP_UTM_RECORDED
    return signups.assign(
        place=rng.choice(len(profile.places), size=n, p=weights / weights.sum()),
        gateway=rng.choice(list(profile.gateways), size=n, p=list(profile.gateways.values())),
        state=state,
        verified_email=verified,
        email_marketing_state=rng.choice(MARKETING_STATES, size=n, p=(0.55, 0.35, 0.10)),
        tags=rng.choice(TAGS, size=n),
        rut=ruts,
        is_rut_valid=rut_valid,
        **{
            f"signup_{k}": np.where(recorded, touch[k], None)
            for k in ("utm_source", "utm_medium", "utm_campaign", "referring_site")
        },
    )


def sms_marketing_states(
    rng: np.random.Generator, phones: list, email_states: np.ndarray
) -> list[str | None]:
    """Shopify's SMS consent of each phone (none without a phone, as Shopify has no state
    then). Drawn after everything else from the shaping generator, so the rest of the
    dataset is unchanged by it."""
    draws = rng.random(len(phones))
    subscribed = np.array([SMS_SUBSCRIBED_GIVEN_EMAIL.get(s, 0.0) for s in email_states])
    states = np.where(
        draws < subscribed,
        "SUBSCRIBED",
        np.where(draws < subscribed + SMS_UNSUBSCRIBED, "UNSUBSCRIBED", "NOT_SUBSCRIBED"),
    )
    return [
        None if phone is None else str(state) for phone, state in zip(phones, states, strict=True)
    ]

"""The campaign rule (metric `campaign_customer_gap`, the brief's "los clientes de la campaña
'Influencers' tienen un churn altísimo: corta esta campaña") on a crafted
mart_campaign_performance, figures worked out by hand.

Evaluation day 2026-11-20, lookback 180 days: cohorts from May 2026 (the month of 25 May) to
November; April's rows are outside and would change every figure if counted.

t_cl, Meta Ads:
- Influencers: 40 new customers, 40 observed, 2 repurchased (5 %); 40 predicted, 400 000 in
  all (10 000 each).
- Retargeting: 100 customers, 100 observed, 30 repurchased; 5 000 000 predicted (50 000 each).
- (sin campaña): 20 customers, 20 observed, 6 repurchased; 1 000 000 predicted (50 000 each).
Rest of the channel for Influencers: 120 observed, 36 repurchased (30 %), 6 000 000 over 120
(50 000). Ratios: repurchase 0.05 / 0.30 = 1/6, value 10 000 / 50 000 = 0.2 -> 1/6.
Retargeting against its rest (60 customers, 8 repurchased, 1 400 000): both above 1.

t_pe, Google Ads: Micro has 10 customers, none repurchased, 10 000 predicted (1 000 each)
against a channel of 100 customers (30 repurchased, 5 000 000): far below, but 10 customers
are under the rule's 30, so nothing is measured; with `min_customers: 5` its ratio is
min(0 / 0.3, 1 000 / 50 000) = 0.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tests.cerebro.actions.alerts.alert_helpers import alerts_document, evaluate, rule
from tests.cerebro.actions.alerts.crafted_marts import ALERT_DATE

COLUMNS = [
    "tenant_id",
    "channel_group",
    "campaign_key",
    "campaign_name",
    "month_start_date",
    "new_customers",
    "predicted_customers",
    "predicted_clv_12m_amount",
    "repurchase_observed_customers",
    "repurchased_customers",
]
ROWS = [
    ("t_cl", "Meta Ads", "meta_ads:1", "Influencers", "2026-06-01", 25, 25, 250_000.0, 25, 1),
    ("t_cl", "Meta Ads", "meta_ads:1", "Influencers", "2026-09-01", 15, 15, 150_000.0, 15, 1),
    ("t_cl", "Meta Ads", "meta_ads:1", "Influencers", "2026-04-01", 500, 500, 9e9, 500, 500),
    ("t_cl", "Meta Ads", "meta_ads:2", "Retargeting", "2026-07-01", 100, 100, 5e6, 100, 30),
    ("t_cl", "Meta Ads", "(sin campaña)", "(sin campaña)", "2026-07-01", 20, 20, 1e6, 20, 6),
    ("t_pe", "Google Ads", "google_ads:9", "Micro", "2026-08-01", 10, 10, 10_000.0, 10, 0),
    ("t_pe", "Google Ads", "google_ads:8", "Marca", "2026-08-01", 100, 100, 5e6, 100, 30),
]


@pytest.fixture
def campaigns(warehouse):
    mart = pd.DataFrame(ROWS, columns=COLUMNS)
    mart["month_start_date"] = pd.to_datetime(mart["month_start_date"]).dt.date
    warehouse.replace_table("marts", "mart_campaign_performance", mart)
    return warehouse


def _outcomes(warehouse, write_config, **settings):
    config = write_config(
        alerts_document(
            [rule("campana_churn", "campaign_customer_gap", 0.5, comparison="below", **settings)]
        )
    )
    summary = evaluate(warehouse, config, ALERT_DATE)
    assert summary.errors == {}
    return {outcome.tenant_id: outcome for outcome in summary.outcomes}


def test_a_campaign_far_below_its_channel_fires_with_the_briefs_sentence(campaigns, write_config):
    outcome = _outcomes(campaigns, write_config, lookback_days=180)["t_cl"]
    assert outcome.measurement.value == pytest.approx(1 / 6, rel=1e-12)
    assert outcome.fired
    message = dict(
        campaigns.query("select tenant_id, message from ops.alert_log").itertuples(index=False)
    )["t_cl"]
    assert message.startswith(
        "Los clientes de la campaña 'Influencers' (Meta Ads) tienen un churn altísimo: "
        "recompra a 60 días 5,0% contra 30,0% del resto del canal, valor predicho a 12 meses "
        "$10.000 contra $50.000 (40 clientes nuevos"
    )
    assert message.endswith("Corta esta campaña.")


def test_a_small_campaign_does_not_fire_however_bad(campaigns, write_config):
    outcome = _outcomes(campaigns, write_config, lookback_days=180)["t_pe"]
    assert outcome.measurement.value is None
    assert not outcome.fired
    # The number of customers is what kept it quiet: with a lower floor it fires.
    lowered = _outcomes(campaigns, write_config, lookback_days=180, min_customers=5)["t_pe"]
    assert lowered.measurement.value == 0
    assert lowered.fired


def test_the_rule_reads_only_the_cohorts_of_its_window(campaigns, write_config):
    """April's cohort (500 customers who all repurchased) is outside 180 days before 20 Nov."""
    outcome = _outcomes(campaigns, write_config, lookback_days=180)["t_cl"]
    assert ALERT_DATE - dt.timedelta(days=179) > dt.date(2026, 5, 1)
    assert outcome.measurement.details["new_customers"] == "40"


@pytest.mark.parametrize("bad", [0, -3, 2.5, "treinta", True])
def test_min_customers_must_be_a_whole_number_of_customers(write_config, bad):
    from cerebro.actions.alerts import AlertConfigError

    with pytest.raises(AlertConfigError, match="min_customers must be a whole number"):
        write_config(alerts_document([rule("c", "campaign_customer_gap", 0.5, min_customers=bad)]))

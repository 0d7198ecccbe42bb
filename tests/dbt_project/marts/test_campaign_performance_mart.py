"""mart_campaign_performance (per tenant, channel group, campaign and month: spend and the
platform's conversions, first- and last-click revenue, new customers, their predicted value,
P(alive) and 60-day repurchase, CAC and payback) against an independent pandas computation of
the doc block kpi_campaign_performance on crafted facts, built by the real dbt project (the
campaign intermediates and the mart) on DuckDB and on PostgreSQL, once per warehouse.

The crafted data hold every matching case the doc block names: an ad campaign renamed on its
platform, UTMs that spell a name with other case and spaces, an old name, the campaign id, a
name two campaigns of a channel share, a UTM no ad campaign matches, the same UTM in another
channel, touches without a UTM campaign, a CSV campaign without an id, a campaign that spent
but drew no order; and a seeded mix of a few hundred customers and their orders."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
import yaml

from cerebro.settings import DBT_PROJECT_DIR
from cerebro.warehouse import Warehouse
from tests.dbt_project.marts.crafted_dbt import build_models, crafted_warehouse, warehouse_environ
from tests.dbt_project.quality.test_mart_column_types import _family

CUTOFF = dt.date(2026, 6, 30)
START = dt.date(2026, 1, 1)
NO_CAMPAIGN = "(sin campaña)"
KEYS = ["tenant_id", "channel_group", "campaign_key", "month_start_date"]
REPURCHASE_DAYS = 60

#: Ad campaigns as landed: platform, channel, campaign id, name, first and last day of spend.
AD_CAMPAIGNS = [
    ("meta_ads", "Meta Ads", "m1", "Influencers v1", "2026-01-01", "2026-02-28"),
    ("meta_ads", "Meta Ads", "m1", "Influencers", "2026-03-01", "2026-06-30"),
    ("meta_ads", "Meta Ads", "m2", "Retargeting", "2026-01-01", "2026-06-30"),
    # Shares m2's name: a UTM spelling it goes to the first key, m2.
    ("meta_ads", "Meta Ads", "m3", "Retargeting", "2026-04-01", "2026-04-20"),
    ("google_ads", "Google Ads", "123", "Search Marca", "2026-01-01", "2026-06-30"),
    ("google_ads", "Google Ads", "456", "Display Invierno", "2026-05-01", "2026-06-15"),
    ("csv", "TikTok Ads", None, "Tiktok Verano", "2026-01-10", "2026-03-31"),
    # Found by the slug of its name (accents, case, punctuation), and through the shipped seed
    # campaign_aliases ('pmax').
    ("meta_ads", "Meta Ads", "m4", "Prospección - Limpieza", "2026-02-01", "2026-05-31"),
    ("google_ads", "Google Ads", "789", "Performance Max", "2026-03-01", "2026-06-30"),
]  # fmt: skip

#: UTM campaigns a touch of each channel may carry (None: no UTM campaign).
UTMS = {
    "Meta Ads": ["Influencers", " influencers ", "INFLUENCERS V1", "retargeting", "M2",
                 "Verano", "prospeccion_limpieza", None],
    "Google Ads": ["123", "search marca", "Otra", "pmax", None],
    # The same spelling as Meta's campaign, in another channel: a campaign of its own.
    "TikTok Ads": ["Influencers", "tiktok verano", None],
    "Email": ["newsletter", None],
    "Directo": [None],
}  # fmt: skip
CHANNELS = list(UTMS)


def _pick(rng: np.random.Generator, channel: str) -> str | None:
    options = UTMS[channel]
    return options[int(rng.integers(0, len(options)))]


def _ad_spend(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for platform, channel, campaign_id, name, first, last in AD_CAMPAIGNS:
        for day in pd.date_range(first, last, freq="D"):
            from_csv = platform == "csv"
            rows.append({
                "tenant_id": "t_cl", "spend_date": day, "platform": platform,
                "channel_group": channel, "account_id": "acc", "campaign_id": campaign_id,
                "campaign_name": name, "currency": "CLP",
                # m1 spends thirty times more than the others: some cohorts pay back
                # their month's spend, some do not.
                "spend_amount": float(rng.integers(1, 40) * (300 if campaign_id == "m1" else 10)),
                "impressions": int(rng.integers(100, 5000)),
                "clicks": int(rng.integers(0, 80)),
                "platform_conversions": None if from_csv else float(rng.integers(0, 5)),
                "platform_conversion_value_amount":
                    None if from_csv else float(rng.integers(0, 600) * 100),
            })  # fmt: skip
    return pd.DataFrame(rows)


def _crafted(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    customers, orders = [], []
    span = (CUTOFF - START).days
    for index in range(500):
        channel = CHANNELS[int(rng.integers(0, len(CHANNELS)))]
        signup = START + dt.timedelta(days=int(rng.integers(0, span + 1)))
        customer_id = f"c{index}"
        customers.append({
            "tenant_id": "t_cl", "customer_id": customer_id, "acquisition_channel": channel,
            "acquisition_utm_campaign": _pick(rng, channel), "signup_date": pd.Timestamp(signup),
        })  # fmt: skip
        day = signup + dt.timedelta(days=int(rng.integers(0, 20)))
        for order_index in range(int(rng.integers(0, 5))):
            if day > CUTOFF:
                break
            first = CHANNELS[int(rng.integers(0, len(CHANNELS)))]
            last = first if rng.random() < 0.5 else CHANNELS[int(rng.integers(0, len(CHANNELS)))]
            orders.append({
                "tenant_id": "t_cl", "order_id": f"{customer_id}_o{order_index}",
                "customer_id": customer_id if rng.random() < 0.97 else None,
                "created_at": pd.Timestamp(day) + pd.Timedelta(hours=15),
                "created_date": pd.Timestamp(day), "is_valid": bool(rng.random() < 0.9),
                "total_amount": float(rng.integers(5, 900) * 100),
                "first_touch_channel_group": first, "first_touch_utm_campaign": _pick(rng, first),
                "last_touch_channel_group": last, "last_touch_utm_campaign": _pick(rng, last),
            })  # fmt: skip
            day += dt.timedelta(days=int(rng.integers(5, 90)))
    customers = pd.DataFrame(customers)
    orders = pd.DataFrame(orders)
    valid = orders[orders["is_valid"] & orders["customer_id"].notna()]
    margins = valid[["tenant_id", "customer_id", "order_id", "created_date"]].assign(
        contribution_margin_amount=valid["total_amount"] * 0.4 - 500
    )
    predicted = customers[rng.random(len(customers)) < 0.9]
    value = pd.DataFrame({
        "tenant_id": predicted["tenant_id"], "customer_id": predicted["customer_id"],
        "predicted_clv_12m": rng.uniform(0, 90000, len(predicted)),
        "prob_alive": rng.uniform(0, 1, len(predicted)),
    })  # fmt: skip
    return {
        "customers": customers, "orders": orders, "margins": margins, "value": value,
        "spend": _ad_spend(rng),
    }  # fmt: skip


@pytest.fixture(scope="module")
def crafted() -> dict[str, pd.DataFrame]:
    return _crafted(np.random.default_rng(70))


# --- the oracle: the doc block, written out without the models' SQL shapes -----------------


def _slug(text) -> str | None:
    """The doc block's slug: lower case, Spanish accents dropped, other runs one '_'."""
    if not isinstance(text, str):
        return None
    plain = text.lower().translate(
        str.maketrans("áàäâéèëêíìïîóòöôúùüûñç", "aaaaeeeeiiiioooouuuunc")
    )
    return re.sub("[^a-z0-9]+", "_", plain).strip("_") or None


def _month(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.to_period("M").dt.start_time


def _ad_campaigns(spend: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    landed = (
        spend.groupby(["tenant_id", "channel_group", "platform", "campaign_id", "campaign_name"],
                      dropna=False)["spend_date"].max().rename("last_day").reset_index()
    )  # fmt: skip
    landed["campaign_key"] = [
        f"{row.platform}:{row.campaign_id}" if isinstance(row.campaign_id, str)
        else f"{row.platform}:nombre:{row.campaign_name.strip(' ').lower()}"
        for row in landed.itertuples()
    ]  # fmt: skip
    newest = landed.sort_values(["last_day", "campaign_name"], ascending=[False, True])
    display = newest.groupby(["tenant_id", "campaign_key"])["campaign_name"].first()
    landed["display"] = [display[(row.tenant_id, row.campaign_key)] for row in landed.itertuples()]
    aliases: dict[tuple, list[tuple[int, str, str]]] = {}
    seed = pd.read_csv(DBT_PROJECT_DIR / "seeds" / "campaign_aliases.csv", dtype=str)
    for row in landed.itertuples():
        spellings = [row.campaign_name] + ([row.campaign_id] if isinstance(row.campaign_id, str)
                                           else [])  # fmt: skip
        for spelling in spellings:
            alias = (row.tenant_id, row.channel_group, _slug(spelling))
            aliases.setdefault(alias, []).append((1, row.campaign_key, row.display))
        for entry in seed.itertuples():
            if (
                entry.channel_group == row.channel_group
                and (pd.isna(entry.tenant_id) or entry.tenant_id == row.tenant_id)
                and _slug(entry.campaign_name) in {_slug(spelling) for spelling in spellings}
            ):
                alias = (row.tenant_id, row.channel_group, _slug(entry.utm_campaign))
                aliases.setdefault(alias, []).append((0, row.campaign_key, row.display))
    return landed, {alias: min(hits)[1:] for alias, hits in aliases.items()}


def _resolve(aliases: dict, tenant: str, channel: str, utm) -> tuple[str, str]:
    spelled = _slug(utm)
    if not spelled:
        return NO_CAMPAIGN, NO_CAMPAIGN
    if (tenant, channel, spelled) in aliases:
        return aliases[(tenant, channel, spelled)]
    return f"utm:{spelled}", utm.strip(" ")


def _months_between(start: pd.Timestamp, end: pd.Timestamp) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def expected_mart(crafted: dict[str, pd.DataFrame]) -> pd.DataFrame:
    landed, aliases = _ad_campaigns(crafted["spend"])
    spend = crafted["spend"].merge(
        landed[["platform", "campaign_id", "campaign_name", "campaign_key", "display"]],
        on=["platform", "campaign_id", "campaign_name"], how="left",
    )  # fmt: skip
    spend["month_start_date"] = _month(spend["spend_date"])
    spent = spend.groupby(KEYS).agg(
        campaign_name=("display", "min"), spend_amount=("spend_amount", "sum"),
        impressions=("impressions", "sum"), clicks=("clicks", "sum"),
        platform_conversions=("platform_conversions", lambda s: s.sum(min_count=1)),
        platform_conversion_value_amount=(
            "platform_conversion_value_amount", lambda s: s.sum(min_count=1)),
    )  # fmt: skip
    spent["has_ad_spend"] = True

    valid = crafted["orders"][crafted["orders"]["is_valid"]]
    credited = []
    for touch in ("first", "last"):
        keyed = [_resolve(aliases, row.tenant_id, getattr(row, f"{touch}_touch_channel_group"),
                          getattr(row, f"{touch}_touch_utm_campaign"))
                 for row in valid.itertuples()]  # fmt: skip
        frame = pd.DataFrame({
            "tenant_id": valid["tenant_id"].to_numpy(),
            "channel_group": valid[f"{touch}_touch_channel_group"].to_numpy(),
            "campaign_key": [key for key, _ in keyed], "campaign_name": [name for _, name in keyed],
            "month_start_date": _month(valid["created_date"]).to_numpy(),
            f"{touch}_click_orders": 1, f"{touch}_click_revenue_amount": valid["total_amount"],
        })  # fmt: skip
        sums = {
            f"{touch}_name": ("campaign_name", "min"),
            f"{touch}_click_orders": (f"{touch}_click_orders", "sum"),
            f"{touch}_click_revenue_amount": (f"{touch}_click_revenue_amount", "sum"),
        }
        credited.append(frame.groupby(KEYS).agg(**sums))

    customers = crafted["customers"].copy()
    keyed = [_resolve(aliases, row.tenant_id, row.acquisition_channel, row.acquisition_utm_campaign)
             for row in customers.itertuples()]  # fmt: skip
    customers["campaign_key"] = [key for key, _ in keyed]
    customers["campaign_name"] = [name for _, name in keyed]
    customers["channel_group"] = customers["acquisition_channel"]
    customers["month_start_date"] = _month(customers["signup_date"])
    buyers = valid[valid["customer_id"].notna()].sort_values(["created_at", "order_id"])
    dates = buyers.groupby("customer_id")["created_date"].agg(list)
    observed, repurchased = [], []
    for customer_id in customers["customer_id"]:
        days = [day.date() for day in dates.get(customer_id, [])]
        seen = bool(days) and (CUTOFF - days[0]).days >= REPURCHASE_DAYS
        observed.append(seen)
        repurchased.append(seen and len(days) > 1 and (days[1] - days[0]).days <= REPURCHASE_DAYS)
    customers["observed"] = observed
    customers["repurchased"] = repurchased
    customers = customers.merge(crafted["value"], on=["tenant_id", "customer_id"], how="left")
    cohorts = customers.groupby(KEYS).agg(
        cohort_name=("campaign_name", "min"), new_customers=("customer_id", "count"),
        predicted_customers=("predicted_clv_12m", "count"),
        predicted_clv_12m_amount=("predicted_clv_12m", "sum"),
        prob_alive_sum=("prob_alive", "sum"), repurchase_observed_customers=("observed", "sum"),
        repurchased_customers=("repurchased", "sum"),
    )  # fmt: skip

    mart = spent.join(credited[0], how="outer").join(credited[1], how="outer")
    mart = mart.join(cohorts, how="outer").reset_index()
    names = mart[["campaign_name", "first_name", "last_name", "cohort_name"]]
    mart["campaign_name"] = names.min(axis=1)
    mart["has_ad_spend"] = mart["has_ad_spend"].eq(True)
    for column in ("spend_amount", "first_click_orders", "first_click_revenue_amount",
                   "last_click_orders", "last_click_revenue_amount", "new_customers",
                   "predicted_customers", "predicted_clv_12m_amount", "prob_alive_sum",
                   "repurchase_observed_customers", "repurchased_customers"):  # fmt: skip
        mart[column] = mart[column].fillna(0).astype(float)
    mart["predicted_clv_12m_per_customer_amount"] = mart["predicted_clv_12m_amount"] / mart[
        "predicted_customers"
    ].replace(0, np.nan)
    mart["mean_prob_alive"] = mart["prob_alive_sum"] / mart["predicted_customers"].replace(
        0, np.nan
    )
    mart["repurchase_rate"] = mart["repurchased_customers"] / mart[
        "repurchase_observed_customers"
    ].replace(0, np.nan)
    mart["cac_amount"] = (mart["spend_amount"] / mart["new_customers"].replace(0, np.nan)).where(
        mart["spend_amount"] > 0
    )
    return _with_paybacks(mart, customers, crafted["margins"])


def _with_paybacks(mart: pd.DataFrame, customers: pd.DataFrame, margins: pd.DataFrame):
    cohort_of = customers.set_index("customer_id")
    paybacks = []
    cutoff_month = pd.Timestamp(CUTOFF.replace(day=1))
    for row in mart.itertuples():
        if not row.spend_amount > 0:
            paybacks.append((np.nan, np.nan, np.nan))
            continue
        members = cohort_of[
            (cohort_of["channel_group"] == row.channel_group)
            & (cohort_of["campaign_key"] == row.campaign_key)
            & (cohort_of["month_start_date"] == row.month_start_date)
        ].index
        orders = margins[margins["customer_id"].isin(members)]
        by_offset = (
            orders.assign(
                offset=[
                    _months_between(row.month_start_date, pd.Timestamp(day))
                    for day in orders["created_date"]
                ]
            )
            .groupby("offset")["contribution_margin_amount"]
            .sum()
            .sort_index()
        )
        reached = by_offset.cumsum()
        reached = reached[reached >= row.spend_amount]
        paybacks.append((
            float(by_offset.sum()), _months_between(row.month_start_date, cutoff_month) + 1,
            float(reached.index[0] + 1) if len(reached) else np.nan,
        ))  # fmt: skip
    mart[["cohort_margin_amount", "months_observed", "payback_months"]] = paybacks
    return mart


# --- the build ------------------------------------------------------------------------------

#: The crafted tables' columns that the real facts type otherwise than pandas does.
TYPES = {
    ("marts", "fct_ad_spend_daily"): {"spend_date": "date", "spend_amount": "numeric",
                                      "platform_conversion_value_amount": "numeric"},
    ("marts", "fct_orders"): {"created_date": "date", "total_amount": "numeric"},
    ("marts", "dim_customers"): {"signup_date": "date"},
    ("marts", "fct_order_margins"): {"created_date": "date"},
    ("intermediate", "int_tenant_data_cutoffs"): {"data_cutoff_date": "date"},
}  # fmt: skip


def _tables(crafted: dict[str, pd.DataFrame]) -> dict[tuple[str, str], pd.DataFrame]:
    orders = crafted["orders"]
    return {
        ("marts", "fct_ad_spend_daily"): crafted["spend"],
        ("marts", "fct_orders"): orders[["tenant_id", "order_id", "customer_id", "created_at",
                                         "created_date", "is_valid", "total_amount"]],
        ("intermediate", "int_order_journeys"): orders[[
            "tenant_id", "order_id", "first_touch_channel_group", "first_touch_utm_campaign",
            "last_touch_channel_group", "last_touch_utm_campaign"]],
        ("marts", "dim_customers"): crafted["customers"],
        ("marts", "fct_order_margins"): crafted["margins"],
        ("marts", "mart_customer_value"): crafted["value"],
        ("intermediate", "int_tenant_data_cutoffs"): pd.DataFrame(
            {"tenant_id": ["t_cl"], "data_cutoff_date": [pd.Timestamp(CUTOFF)]}),
    }  # fmt: skip


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def campaign_warehouse(request, tmp_path_factory, crafted) -> Warehouse:
    """The campaign models built by dbt on the crafted facts; the build's seconds are printed."""
    directory = tmp_path_factory.mktemp(f"campaign_performance_{request.param}")
    environ = warehouse_environ(request, request.param, directory)
    warehouse = crafted_warehouse(environ)
    for (schema, table), frame in _tables(crafted).items():
        warehouse.replace_table(schema, table, frame.reset_index(drop=True))
    numeric = "decimal(38, 9)" if request.param == "duckdb" else "numeric"
    with warehouse.connect() as connection:
        cursor = connection.cursor()
        for (schema, table), columns in TYPES.items():
            for column, kind in columns.items():
                kind = numeric if kind == "numeric" else kind
                cursor.execute(f"alter table {schema}.{table} alter column {column} "
                               f"type {kind} using cast({column} as {kind})")  # fmt: skip
        if request.param == "postgres":
            connection.commit()
    seconds = build_models(environ, directory, "int_ad_campaigns", "int_campaign_touches",
                           "int_campaign_spend_monthly", "int_campaign_new_customers",
                           "int_campaign_paybacks", "mart_campaign_performance",
                           "campaign_aliases")  # fmt: skip
    print(f"dbt build of the campaign mart on {request.param}: {seconds:.1f} s")
    return warehouse


FLOATS = (
    "spend_amount", "impressions", "clicks", "platform_conversions",
    "platform_conversion_value_amount", "first_click_orders", "first_click_revenue_amount",
    "last_click_orders", "last_click_revenue_amount", "new_customers", "predicted_customers",
    "predicted_clv_12m_amount", "prob_alive_sum", "repurchase_observed_customers",
    "repurchased_customers", "predicted_clv_12m_per_customer_amount", "mean_prob_alive",
    "repurchase_rate", "cac_amount", "cohort_margin_amount", "months_observed", "payback_months",
)  # fmt: skip


@pytest.fixture(scope="module")
def mart(campaign_warehouse) -> pd.DataFrame:
    frame = campaign_warehouse.query("select * from marts.mart_campaign_performance")
    frame["month_start_date"] = pd.to_datetime(frame["month_start_date"])
    for column in FLOATS:
        frame[column] = pd.to_numeric(frame[column]).astype(float)
    return frame


def test_every_campaign_month_equals_the_pandas_computation_of_the_doc_block(mart, crafted):
    expected = expected_mart(crafted)
    merged = expected.merge(mart, on=KEYS, how="outer", suffixes=("_expected", ""), indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", KEYS]
    assert (merged["campaign_name"] == merged["campaign_name_expected"]).all()
    assert (merged["has_ad_spend"] == merged["has_ad_spend_expected"]).all()
    for column in FLOATS:
        np.testing.assert_allclose(
            merged[column].to_numpy(dtype=float),
            merged[f"{column}_expected"].to_numpy(dtype=float),
            rtol=1e-9, atol=1e-6, err_msg=column,
        )  # fmt: skip


def test_nothing_is_dropped_the_campaigns_add_up_to_the_channels(mart, crafted):
    valid = crafted["orders"][crafted["orders"]["is_valid"]]
    for touch in ("first", "last"):
        by_channel = mart.groupby("channel_group")[f"{touch}_click_revenue_amount"].sum()
        truth = valid.groupby(f"{touch}_touch_channel_group")["total_amount"].sum()
        pd.testing.assert_series_equal(
            by_channel[by_channel > 0].sort_index(), truth.sort_index(), check_names=False
        )
    assert mart["new_customers"].sum() == len(crafted["customers"])
    assert mart["spend_amount"].sum() == pytest.approx(crafted["spend"]["spend_amount"].sum())


def test_the_matching_cases_of_the_doc_block(mart):
    campaigns = mart.groupby(["channel_group", "campaign_key"])["campaign_name"].first()
    # m1 spent under two names and shows its newest; its old name, other case and spaces
    # all find it.
    assert campaigns[("Meta Ads", "meta_ads:m1")] == "Influencers"
    assert ("Meta Ads", "utm:influencers") not in campaigns.index
    assert ("Meta Ads", "utm:influencers_v1") not in campaigns.index
    # The same spelling in TikTok Ads is TikTok's own campaign, with no spend.
    tiktok = mart[
        (mart["channel_group"] == "TikTok Ads") & (mart["campaign_key"] == "utm:influencers")
    ]
    assert len(tiktok) > 0 and not tiktok["has_ad_spend"].any()
    assert campaigns[("TikTok Ads", "utm:influencers")] == "Influencers"
    # The CSV campaign without an id is found by its name.
    assert ("TikTok Ads", "csv:nombre:tiktok verano") in campaigns.index
    assert ("TikTok Ads", "utm:tiktok_verano") not in campaigns.index
    # The Google id in the UTM finds Search Marca; Meta's id 'M2' finds Retargeting; the name
    # m2 and m3 share goes to m2 (m3 has spend and no order).
    assert ("Google Ads", "utm:123") not in campaigns.index
    assert ("Meta Ads", "utm:m2") not in campaigns.index
    m3 = mart[mart["campaign_key"] == "meta_ads:m3"]
    assert (m3["first_click_orders"] == 0).all() and (m3["spend_amount"] > 0).all()
    assert campaigns[("Meta Ads", "utm:verano")] == "Verano"
    # The slug finds the accented name; the shipped alias finds Performance Max.
    assert campaigns[("Meta Ads", "meta_ads:m4")] == "Prospección - Limpieza"
    assert ("Meta Ads", "utm:prospeccion_limpieza") not in campaigns.index
    assert ("Google Ads", "utm:pmax") not in campaigns.index
    assert mart[mart["campaign_key"] == "google_ads:789"]["first_click_orders"].sum() > 0
    assert campaigns[("Directo", NO_CAMPAIGN)] == NO_CAMPAIGN
    spent = mart[mart["spend_amount"] > 0]
    assert spent["payback_months"].notna().any() and spent["payback_months"].isna().any()
    display = mart[mart["campaign_key"] == "google_ads:456"]
    assert display["spend_amount"].sum() > 0 and display["new_customers"].sum() == 0


def test_the_declared_column_types_are_the_built_ones(campaign_warehouse):
    if campaign_warehouse.engine != "duckdb":
        pytest.skip("the declared families are DuckDB's names (test_mart_column_types)")
    declared_yml = yaml.safe_load(
        (DBT_PROJECT_DIR / "models" / "marts" / "ml" / "_ml__models.yml").read_text()
    )
    (model,) = [m for m in declared_yml["models"] if m["name"] == "mart_campaign_performance"]
    declared = {column["name"]: column["data_type"] for column in model["columns"]}
    built = campaign_warehouse.query(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = 'mart_campaign_performance'"
    )
    assert {row.column_name: _family(row.data_type) for row in built.itertuples()} == declared

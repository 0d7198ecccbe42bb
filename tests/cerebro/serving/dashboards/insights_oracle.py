"""An independent pandas computation of the numbers of the executive insights
(marts.mart_executive_insights) from the facts and the ML output tables, and a reader of the
numbers written in the Spanish sentences.

Definitions (docs in dbt_project/models/marts/executive/_executive__models.yml): the window is
the 12 signup months ending in the month of the tenant's data cut-off; channels need 30 new
customers to be compared; LTV per new customer = the channel's value of a new customer (its
first 12 months, Nelson's mean cumulative function: tests/dbt_project/marts/
new_customer_value_oracle.py), and the tenant's = its mean over the window's new customers of
the channels with a value. The budget sentences restate the budget brain's advice
(ml.ml_budget_recommendations) for the headline objective: the margin of new customers net of
spend ("net_value", decision 0053) where the tenant has it, customer value ("ltv") next,
revenue otherwise; where the plan moves money but its gain's 90 % interval does not lie above
zero, or a model it reads has a red light (the lights of marts.mart_model_health, an input
here), or, on margin, it would increase a channel none of whose cohorts observed for more than
12 months paid back within them (marts.mart_cac_payback, an input here), they keep today's
split (docs/decisions/0050, 0053).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import babel.numbers
import numpy as np
import pandas as pd

from cerebro.warehouse import Warehouse
from tests.dbt_project.marts.new_customer_value_oracle import INPUTS as VALUE_INPUTS
from tests.dbt_project.marts.new_customer_value_oracle import expected_new_customer_value

LOOKBACK_MONTHS = 12  # dbt var insights_lookback_months
CLV_HORIZON_MONTHS = 12  # the value's horizon (and predicted_clv_12m's), named in sentences
INTERVAL_PERCENT = 90  # the interval the budget sentences name
HEADLINE_OBJECTIVES = ("net_value", "ltv", "revenue")  # the first one a tenant has leads
#: dbt var budget_margin_story: the payback horizon in months, and the fewest cohorts observed
#: that long for their payback to veto an increase.
PAYBACK_MONTHS, MIN_PAYBACK_COHORTS = 12, 3
#: The margin plan writes what the channel's next 100 of spend leaves.
NEXT_SPEND = 100
MIN_NEW_CUSTOMERS = 30  # dbt var insights_min_new_customers
#: How the sentence names the value's basis.
BASIS_WORDS = {"margin": "margen de contribución", "revenue": "ingresos"}
#: A channel moved by less than this share of its spend is not moved (recommendation.py).
MIN_MOVE_SHARE = 0.05
#: The locale a tenant's sentences are written in, by currency (cerebro/formatting.py's rule).
LOCALES = {"CLP": "es_CL", "PEN": "es_PE"}

QUERIES = {
    "tenants": "select tenant_id, currency from marts.dim_tenants",
    "cutoffs": "select tenant_id, max(as_of_date) as cutoff_date from marts.mart_rfm_customers "
    "group by 1",
    "customers": "select tenant_id, customer_id, signup_date, acquisition_channel "
    "from marts.dim_customers",
    "orders": "select tenant_id, customer_id, order_id, created_at, total_amount, net_amount "
    "from marts.fct_orders where is_valid and customer_id is not null",
    "spend": "select tenant_id, spend_date, channel_group, spend_amount "
    "from marts.fct_ad_spend_daily",
    "predictions": "select tenant_id, customer_id, prob_alive, predicted_clv_12m, value_at_risk "
    "from ml.ml_customer_predictions",
    "clv_runs": "select tenant_id, risk_prob_alive from ml.ml_clv_model_runs",
    **{f"value_{name}": sql for name, sql in VALUE_INPUTS.items()},
    "advice": "select tenant_id, target, objective, channel, action, period_days, current_spend, "
    "recommended_spend, expected_change, expected_change_low, expected_change_high, "
    "marginal_return, total_budget, "
    "experiment_days, experiment_geo_days, experiment_feasible, scenario_change, "
    "scenario_change_low, scenario_change_high from ml.ml_budget_recommendations",
    "paybacks": "select tenant_id, channel_group, new_customers, months_observed, payback_months "
    "from marts.mart_cac_payback",
    "health": "select tenant_id, model_key, model_label, check_label, metric_text, status "
    "from marts.mart_model_health",
}


def _with_floats(frame: pd.DataFrame) -> pd.DataFrame:
    """Exact decimals (sums of numeric amounts come back as Decimal objects) as floats."""
    for column in frame.columns:
        if frame[column].map(lambda value: isinstance(value, Decimal)).any():
            frame[column] = frame[column].astype(float)
    return frame


def load_inputs(warehouse: Warehouse) -> dict[str, pd.DataFrame]:
    with warehouse.reading():
        return {name: _with_floats(warehouse.query(sql)) for name, sql in QUERIES.items()}


@dataclass(frozen=True)
class Expected:
    """One insight's expected numbers, in the order its sentence writes them, and words it
    must contain. `decimals` says how each number is written (None: money of the tenant)."""

    numbers: list[float]
    decimals: list[int | None]
    words: list[str]


def _month(values) -> pd.Series:
    return pd.to_datetime(values).dt.to_period("M")


def channel_value(inputs: dict, tenant: str) -> pd.DataFrame:
    """Per channel over the window: new customers, the value of one, spend."""
    cutoff = pd.Timestamp(inputs["cutoffs"].set_index("tenant_id").loc[tenant, "cutoff_date"])
    last = cutoff.to_period("M")
    first = last - (LOOKBACK_MONTHS - 1)
    customers = inputs["customers"].query("tenant_id == @tenant").copy()
    customers = customers[_month(customers["signup_date"]).between(first, last)]
    per_channel = customers.groupby("acquisition_channel").agg(
        new_customers=("customer_id", "count")
    )
    spend = inputs["spend"].query("tenant_id == @tenant")
    spend = spend[_month(spend["spend_date"]).between(first, last)]
    spend_per_channel = spend.groupby("channel_group")["spend_amount"].sum()
    per_channel = per_channel.join(spend_per_channel, how="outer").fillna(0.0)
    values = expected_new_customer_value(
        {name: inputs[f"value_{name}"] for name in VALUE_INPUTS}
    ).query("tenant_id == @tenant")
    values = values.set_index("channel_group")[["customer_value_amount", "value_basis"]]
    return per_channel.join(values).rename_axis("channel")


def expected_insights(inputs: dict, tenant: str) -> dict[str, Expected]:
    """The numbers each insight must state for the tenant; an insight without data is absent."""
    expected = {}
    values = channel_value(inputs, tenant)
    values["ltv"] = values["customer_value_amount"]
    valued = values[values["ltv"].notna()]
    pooled = (valued["ltv"] * valued["new_customers"]).sum() / valued["new_customers"].sum()
    rankable = valued[valued["new_customers"] >= MIN_NEW_CUSTOMERS]
    if not rankable.empty and pooled > 0:
        best = rankable.sort_values("ltv", ascending=False, kind="stable")
        best = best[best["ltv"] == best["ltv"].iloc[0]].sort_index().iloc[:1]
        ltv = float(best["ltv"].iloc[0])
        expected["canal_mayor_ltv"] = Expected(
            [100 * (ltv / pooled - 1), ltv, pooled, CLV_HORIZON_MONTHS],
            [0, None, None, 0],
            [best.index[0], BASIS_WORDS[best["value_basis"].iloc[0]]],
        )
    expected.update(_capital(inputs, tenant))
    advice = _headline_advice(inputs, tenant)
    if not advice.empty:
        advice = with_paybacks(advice, inputs, tenant)
        reason = abstention(advice, inputs["health"])
        currency = inputs["tenants"].set_index("tenant_id").loc[tenant, "currency"]
        red = red_check_numbers(advice, inputs["health"], currency) if reason == "salud" else []
        expected.update(_budget_move(advice, reason, red))
        expected.update(_channel_advice(advice, reason, red))
    return expected


def model_directions(advice: pd.DataFrame) -> pd.Series:
    """+1, -1 or 0 per channel: the way the plan moves it (a move under 5 % of the channel's
    spend is none)."""
    change = advice["recommended_spend"] - advice["current_spend"]
    moved = change.abs() >= MIN_MOVE_SHARE * advice["current_spend"]
    return pd.Series(np.where(moved, np.sign(change), 0).astype(int), index=advice.index)


def with_paybacks(advice: pd.DataFrame, inputs: dict, tenant: str) -> pd.DataFrame:
    """The advice rows with each channel's cohorts observed for more than PAYBACK_MONTHS, those
    that paid back within them, and whether the cohorts say it never pays back (on margin)."""
    paybacks = inputs["paybacks"].query("tenant_id == @tenant and new_customers > 0")
    matured = paybacks[paybacks["months_observed"] > PAYBACK_MONTHS]
    counts = pd.DataFrame(
        {
            "matured": matured.groupby("channel_group").size(),
            "paid_back": (matured["payback_months"] <= PAYBACK_MONTHS)
            .groupby(matured["channel_group"])
            .sum(),
        }
    )
    values = expected_new_customer_value(
        {name: inputs[f"value_{name}"] for name in VALUE_INPUTS}
    ).query("tenant_id == @tenant")
    on_margin = bool(len(values)) and (values["value_basis"] == "margin").all()
    advice = advice.merge(counts, left_on="channel", right_index=True, how="left")
    advice["on_margin"] = on_margin
    advice["never_paid_back"] = (
        on_margin & (advice["matured"].fillna(0) >= MIN_PAYBACK_COHORTS)
        & (advice["paid_back"].fillna(0) == 0)
    )  # fmt: skip
    return advice


def _red_checks(advice: pd.DataFrame, health: pd.DataFrame) -> pd.DataFrame:
    """The red checks of the models one objective's plan reads: its target's marketing-mix
    model, and the customer-value model for ltv and net_value."""
    first = advice.iloc[0]
    valued = first["objective"] in ("ltv", "net_value")
    keys = {f"mmm_{first['target']}"} | ({"clv"} if valued else set())
    mine = health[(health["tenant_id"] == first["tenant_id"]) & health["model_key"].isin(keys)]
    return mine[mine["status"] == "rojo"].sort_values(["model_label", "check_label"])


def abstention(advice: pd.DataFrame, health: pd.DataFrame) -> str | None:
    """Why one tenant's plan for one objective is not advised ('salud', 'cohortes',
    'intervalo'), or None where it is advised or moves nothing. 'cohortes' needs the rows
    ``with_paybacks``."""
    directions = model_directions(advice)
    if not directions.any():
        return None
    if not _red_checks(advice, health).empty:
        return "salud"
    if "never_paid_back" in advice and (advice["never_paid_back"] & (directions > 0)).any():
        return "cohortes"
    return None if advice["scenario_change_low"].iloc[0] > 0 else "intervalo"


def red_check_numbers(
    advice: pd.DataFrame, health: pd.DataFrame, currency: str
) -> list[tuple[float, int]]:
    """The numbers the red checks are written with (their labels and values, as the health
    page writes them), in the sentence's order."""
    text = " ".join(
        f"{row.check_label} {row.metric_text}" for row in _red_checks(advice, health).itertuples()
    )
    return numbers_in(text, currency)


def _capital(inputs: dict, tenant: str) -> dict[str, Expected]:
    predictions = inputs["predictions"].query("tenant_id == @tenant")
    if predictions.empty:
        return {}
    threshold = float(inputs["clv_runs"].query("tenant_id == @tenant")["risk_prob_alive"].iloc[0])
    at_risk = predictions[predictions["prob_alive"] < threshold]
    share = 100 * len(at_risk) / len(predictions)
    numbers = [at_risk["value_at_risk"].sum(), len(at_risk), share, 100 * threshold]
    return {"capital_en_riesgo": Expected(numbers, [None, 0, 0, 0], [])}


def _headline_advice(inputs: dict, tenant: str) -> pd.DataFrame:
    advice = inputs["advice"].query("tenant_id == @tenant")
    for objective in HEADLINE_OBJECTIVES:
        rows = advice[advice["objective"] == objective]
        if not rows.empty:
            return rows.copy()
    return advice.iloc[:0]


def _horizon(objective: str) -> list[int]:
    """A change in customer value names its horizon: "(LTV a 12 meses)", "(12 meses)"."""
    return [CLV_HORIZON_MONTHS] if objective in ("ltv", "net_value") else []


def _unspent(advice: pd.DataFrame) -> float:
    """What the plan leaves of today's budget (net_value), under half a unit none."""
    left = float(advice["total_budget"].iloc[0] - advice["recommended_spend"].sum())
    return left if left >= 0.5 else 0.0


def _unpaid(advice: pd.DataFrame) -> pd.DataFrame:
    """The channels the plan would increase whose cohorts never paid back."""
    return advice[advice["never_paid_back"] & (model_directions(advice) > 0)]


def _next_spend(row) -> tuple[list, list]:
    """The margin plan's 'cada $100 más deja $X de margen en 12 meses'."""
    return [NEXT_SPEND, NEXT_SPEND * row.marginal_return, CLV_HORIZON_MONTHS], [None, None, 0]


def _payback(row) -> tuple[list, list]:
    """The margin plan's cohorts sentence: (paid back,) matured, and the months twice."""
    if not row.on_margin or not row.matured > 0:
        return [], []
    numbers = [] if row.paid_back == 0 else [row.paid_back]
    numbers += [row.matured, PAYBACK_MONTHS, PAYBACK_MONTHS]
    return numbers, [0] * len(numbers)


def _by_size_of_move(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.sort_values("channel").sort_values(
        "change", key=np.abs, ascending=False, kind="stable"
    )


def _experiment(row) -> tuple[list, list]:
    """The numbers of a channel's experiment sentence: days, geo days, and ±25 % if feasible."""
    numbers, decimals = [row.experiment_days, row.experiment_geo_days], [0, 0]
    if row.experiment_feasible:
        numbers.append(25)
        decimals.append(0)
    return numbers, decimals


def _budget_move(advice: pd.DataFrame, reason: str | None, red: list) -> dict[str, Expected]:
    advice["change"] = advice["recommended_spend"] - advice["current_spend"]
    directions = model_directions(advice)
    gains = _by_size_of_move(advice[directions > 0])
    losses = _by_size_of_move(advice[directions < 0])
    tested = sorted(advice.loc[advice["action"] == "experimentar", "channel"])
    first = advice.iloc[0]
    horizon = _horizon(first["objective"])
    unspent = _unspent(advice) if first["objective"] == "net_value" else 0.0
    # The plan as a phrase: 'mover $X de A (-) a B (+)' and ', y dejar $U sin gastar', or
    # 'dejar sin gastar $U de A (-)'.
    if not gains.empty and not losses.empty:
        phrase = [gains["change"].sum(), *losses["change"], *gains["change"]]
        phrase += [unspent] if unspent else []
    elif not losses.empty and unspent:
        phrase = [unspent, *losses["change"]]
    else:
        phrase = []
    if reason is not None:
        # Today's split kept: the plan, its expected change and interval, and the test of the
        # channel it moves most.
        deciding = _by_size_of_move(advice[directions != 0]).iloc[0]
        test_numbers, test_decimals = _experiment(deciding)
        why, why_decimals = [value for value, _ in red], [places for _, places in red]
        if reason == "cohortes":
            why = [_unpaid(advice)["matured"].min(), PAYBACK_MONTHS]
            why_decimals = [0, 0]
        numbers = [*why, *phrase, first["period_days"], first["scenario_change"], *horizon,
                   INTERVAL_PERCENT, first["scenario_change_low"], first["scenario_change_high"],
                   *test_numbers]  # fmt: skip
        decimals = [*why_decimals, *[None] * len(phrase)]
        decimals += [0, None, *[0] * len(horizon), 0, None, None, *test_decimals]
        words = ["Mantener el reparto actual", "los datos no distinguen", "Para decidirlo",
                 deciding["channel"], *tested]  # fmt: skip
        return {"movimiento_presupuesto": Expected(numbers, decimals, words)}
    if not phrase:
        return {"movimiento_presupuesto": Expected([], [], ["Mantener el reparto actual", *tested])}
    numbers = [*phrase, first["period_days"], first["scenario_change"], *horizon,
               INTERVAL_PERCENT, first["scenario_change_low"],
               first["scenario_change_high"]]  # fmt: skip
    decimals = [None] * len(phrase) + [0, None]
    decimals += [0] * len(horizon) + [0, None, None]
    words = ["Mover" if not gains.empty else "Dejar sin gastar", *losses["channel"],
             *gains["channel"], *tested]  # fmt: skip
    return {"movimiento_presupuesto": Expected(numbers, decimals, words)}


def _channel_advice(advice: pd.DataFrame, reason: str | None, red: list) -> dict[str, Expected]:
    """One sentence per channel: its move with the expected change and interval, or where it
    stays (and why, where the evidence cannot back the plan's move), or the experiment that
    would measure it."""
    expected = {}
    directions = model_directions(advice)
    for row in advice.itertuples():
        key = "canal_" + row.channel.lower().replace(" ", "_")
        test_numbers, test_decimals = _experiment(row)
        margin_plan = row.objective == "net_value"
        if reason is not None and row.action in ("aumentar", "reducir"):
            words = ["Mantener", row.channel, "los datos no distinguen", "Apagarlo"]
            if reason == "cohortes":
                words = ["Mantener", row.channel, "no cuentan la misma historia", "Apagarlo"]
                numbers = [row.current_spend, row.period_days, row.recommended_spend,
                           _unpaid(advice)["matured"].min(), PAYBACK_MONTHS, PAYBACK_MONTHS,
                           *test_numbers]  # fmt: skip
                decimals = [None, 0, None, 0, 0, 0, *test_decimals]
            elif reason == "salud":
                numbers = [row.current_spend, row.period_days, *(value for value, _ in red),
                           row.recommended_spend, *test_numbers]  # fmt: skip
                decimals = [None, 0, *(places for _, places in red), None, *test_decimals]
            else:
                numbers = [row.current_spend, row.period_days, row.recommended_spend,
                           INTERVAL_PERCENT, row.scenario_change_low, row.scenario_change_high,
                           *test_numbers]  # fmt: skip
                decimals = [None, 0, None, 0, None, None, *test_decimals]
        elif row.action in ("aumentar", "reducir"):
            horizon = _horizon(row.objective)
            spend, spend_decimals = _next_spend(row) if margin_plan else ([], [])
            cohorts, cohort_decimals = _payback(row) if margin_plan else ([], [])
            numbers = [row.current_spend, row.recommended_spend, row.period_days, *spend,
                       row.expected_change, *horizon, INTERVAL_PERCENT, row.expected_change_low,
                       row.expected_change_high, *cohorts]  # fmt: skip
            decimals = [None, None, 0, *spend_decimals, None, *[0] * len(horizon), 0, None,
                        None, *cohort_decimals]  # fmt: skip
            words = [row.action.capitalize(), row.channel]
        elif row.action == "mantener":
            spend, spend_decimals = _next_spend(row) if margin_plan else ([], [])
            cohorts, cohort_decimals = _payback(row) if margin_plan else ([], [])
            numbers = [row.current_spend, row.period_days, *spend, *cohorts]
            decimals = [None, 0, *spend_decimals, *cohort_decimals]
            words = ["Mantener", row.channel]
        else:
            # A channel the data cannot judge moves only with the pool of such channels; where
            # the pool moves (and the advice does not abstain) the sentence says where to.
            pooled = [row.recommended_spend] if reason is None and directions[row.Index] else []
            numbers = [row.current_spend, *pooled, *test_numbers]
            decimals = [None, *[None] * len(pooled), *test_decimals]
            words = ["medirlo", row.channel]
        expected[key] = Expected(numbers, decimals, words)
    return expected


# Reading the sentences ---------------------------------------------------------------------------


def _number_pattern(currency: str) -> re.Pattern:
    """A number as the tenant's locale writes it (Babel's symbols), optionally signed and with
    a currency symbol: -$14.584 and 27,6 in Chile, S/ 1,234.50 and 27.6 in Peru."""
    locale = LOCALES[currency]
    point = re.escape(babel.numbers.get_decimal_symbol(locale))
    group = re.escape(babel.numbers.get_group_symbol(locale))
    return re.compile(
        rf"([+-]?)(\$|S/[\s\xa0])?(\d{{1,3}}(?:{group}\d{{3}})*(?:{point}\d+)?|\d+(?:{point}\d+)?)"
    )


def numbers_in(sentence: str, currency: str = "CLP") -> list[tuple[float, int]]:
    """Every number the sentence writes in the locale of ``currency``, with how many decimals
    it was written with."""
    locale = LOCALES[currency]
    point = babel.numbers.get_decimal_symbol(locale)
    group = babel.numbers.get_group_symbol(locale)
    found = []
    for sign, _symbol, digits in _number_pattern(currency).findall(sentence):
        whole, _, fraction = digits.partition(point)
        value = float(whole.replace(group, "") + ("." + fraction if fraction else ""))
        found.append((-value if sign == "-" else value, len(fraction)))
    return found


def mismatch(sentence: str, expected: Expected, currency: str) -> str | None:
    """Why the sentence does not state the expected numbers (each within half a unit of its
    last written digit) and words, or None."""
    written = numbers_in(sentence, currency)
    # Channel names hold no digits, so the numbers line up one to one.
    if len(written) != len(expected.numbers):
        return f"{sentence!r}: {len(written)} numbers, expected {len(expected.numbers)}"
    for (value, shown_decimals), number, decimals in zip(
        written, expected.numbers, expected.decimals, strict=True
    ):
        decimals = babel.numbers.get_currency_precision(currency) if decimals is None else decimals
        if shown_decimals != decimals or abs(value - float(number)) > 0.5 * 10**-decimals + 1e-9:
            return f"{sentence!r}: wrote {value} ({shown_decimals} decimals), expected {number}"
    missing = [word for word in expected.words if word not in sentence]
    return f"{sentence!r}: does not say {missing}" if missing else None

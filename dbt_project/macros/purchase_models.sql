{#-
    The purchase model's per-customer probabilities in SQL, for the customer's history as of
    any day (the life line and the health score's weeks). The fitted parameters and the model
    come from the customer brain's run (stg_ml__clv_model_runs: purchase_model, r, alpha, a,
    b, the day as time unit); the Python twins are ml_assets/clv/bgnbd_math.py and
    mbgnbd_math.py, and tests/cerebro/serving/kpis/test_kpi_oracle_customer_health.py checks the SQL's
    P(alive) against lifetimes. Arguments are SQL expressions: model = 'bgnbd' or 'mbgnbd',
    x = repeat purchase days, t_x = days from the first to the last purchase, age = days from
    the first purchase to the as-of day (lifetimes' frequency, recency, T).
-#}

{#- P(alive | x, t_x, T). BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers the
    Easy Way", equation (11); a customer without a repeat purchase cannot have dropped out
    (dropout happens only right after a repeat purchase), so it is 1. MBG/NBD: Batislam,
    Denizel & Filiztekin (2007), Appendix A, eq. (5); a customer may also drop out right after
    the first purchase, so the same odds apply to everyone with b + x in place of b + x - 1. -#}
{% macro customer_prob_alive(model, x, t_x, age, r, alpha, a, b) %}
    case
        when {{ model }} = 'mbgnbd' then 1.0 / (
            1.0 + ({{ a }} / ({{ b }} + {{ x }}))
                * power(({{ alpha }} + {{ age }}) / ({{ alpha }} + {{ t_x }}), {{ r }} + {{ x }})
        )
        when {{ x }} = 0 then 1.0
        else 1.0 / (
            1.0 + ({{ a }} / ({{ b }} + {{ x }} - 1.0))
                * power(({{ alpha }} + {{ age }}) / ({{ alpha }} + {{ t_x }}), {{ r }} + {{ x }})
        )
    end
{% endmacro %}

{#- P(at least one purchase in the next `days` | history), the same under both models: a live
    customer buys before they can drop out (dropout only follows a purchase), so it is P(alive)
    times the chance that a Poisson rate drawn from the posterior Gamma(r + x, alpha + T)
    produces a purchase within `days`: 1 - ((alpha + T) / (alpha + T + days)) ^ (r + x). -#}
{% macro customer_prob_purchase_within(days, prob_alive, x, age, r, alpha) %}
    ({{ prob_alive }}) * (
        1.0 - power(
            ({{ alpha }} + {{ age }}) / ({{ alpha }} + {{ age }} + {{ days }}),
            {{ r }} + {{ x }}
        )
    )
{% endmacro %}

{#- Emits the CTE `purchase_histories`: per row of `as_of` (tenant_id, customer_id,
    as_of_date), the customer's purchase history from the CTE `purchase_days` (tenant_id,
    customer_id, purchase_date: one row per customer and day with a valid purchase, the
    customer brain's transactions) on or before that day (purchase_history_measures). Rows of
    `as_of` before the customer's first purchase are dropped. -#}
{% macro purchase_histories_as_of(purchase_days, as_of) %}
purchase_histories as (
    select
        {{ as_of }}.tenant_id,
        {{ as_of }}.customer_id,
        {{ as_of }}.as_of_date,
        {{ purchase_history_measures(purchase_days, as_of ~ '.as_of_date') }}
    from {{ as_of }}
    inner join {{ purchase_days }}
        on {{ as_of }}.tenant_id = {{ purchase_days }}.tenant_id
        and {{ as_of }}.customer_id = {{ purchase_days }}.customer_id
        and {{ purchase_days }}.purchase_date <= {{ as_of }}.as_of_date
    group by 1, 2, 3
)
{% endmacro %}

{#- The purchase history (the purchase models' x, t_x, T) as aggregates over a customer's purchase days up to `as_of_date` (the
    rows grouped by customer and as-of day): repeat_days (x), first and last purchase date,
    first_to_last_days (t_x), age_days (T). -#}
{% macro purchase_history_measures(purchase_days, as_of_date) %}
        count(*) - 1 as repeat_days,
        min({{ purchase_days }}.purchase_date) as first_purchase_date,
        max({{ purchase_days }}.purchase_date) as last_purchase_date,
        {{ dbt.datediff('min(' ~ purchase_days ~ '.purchase_date)', 'max(' ~ purchase_days ~ '.purchase_date)', 'day') }}
            as first_to_last_days,
        {{ dbt.datediff('min(' ~ purchase_days ~ '.purchase_date)', as_of_date, 'day') }}
            as age_days
{%- endmacro %}

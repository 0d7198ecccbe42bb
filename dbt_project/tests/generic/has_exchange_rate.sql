{#- A staging model's rows that have no rate into their tenant's currency (macro
    with_exchange_rate, decision 0061), one result row per tenant and currency with the first
    and last day lacking one and how many rows: what to land (the exchange_rates source, those
    days) is in the failure itself. The failure count is the rows, as a not_null test on
    `exchange_rate` would report them. -#}
{% test has_exchange_rate(model, currency_column, day_column) %}
{{ config(fail_calc = 'coalesce(sum(rows_without_rate), 0)') }}

with

-- A CTE, not an alias: the model may come as a filtered subquery (get_where_subquery).
rows_to_convert as (
    select * from {{ model }}
)

select
    tenant_id,
    {{ currency_column }} as currency_without_rate,
    min({{ day_column }}) as first_day_without_rate,
    max({{ day_column }}) as last_day_without_rate,
    count(*) as rows_without_rate
from rows_to_convert
where exchange_rate is null
group by 1, 2

{% endtest %}

{#- Amounts converted to the tenant's currency in staging (decision 0061). A staging model
    names its landed currency and amounts `<name>_original`, then reads them through

        rated as ({{ with_exchange_rate('renamed', 'currency_original', 'renamed.spend_date') }})

    which adds `tenant_currency` and `exchange_rate` (units of the tenant's currency per unit
    of the row's: 1 when the row is in the tenant's currency, or names none, as amounts were
    read before conversion existed; the rate in force that day otherwise, from
    int_exchange_rates_carried_forward; null when there is none), and writes each amount as
    `{{ converted_amount('spend_amount_original') }} as spend_amount` and the currency as
    `{{ converted_currency('currency_original') }} as currency`.

    `day` is the expression of the row's local day; it is computed only for rows in another
    currency (`tenant_currencies.timezone` is the tenant's zone, for a local date from a UTC
    timestamp). A row without a rate keeps its original currency and has no converted amount,
    and the model's has_exchange_rate test fails naming the tenant, currency and days: an
    amount is never summed in the wrong currency, nor silently converted at 1. -#}
{% macro with_exchange_rate(rows, currency_column, day) -%}
    select
        {{ rows }}.*,
        tenant_currencies.currency as tenant_currency,
        case
            when coalesce({{ rows }}.{{ currency_column }}, tenant_currencies.currency)
                = tenant_currencies.currency
                then cast(1 as {{ cerebro.type_double() }})
            else exchange_rates.rate
        end as exchange_rate
    from {{ rows }}
    left join {{ ref('stg_cerebro_config__tenants') }} as tenant_currencies
        on {{ rows }}.tenant_id = tenant_currencies.tenant_id
    left join {{ ref('int_exchange_rates_carried_forward') }} as exchange_rates
        on {{ rows }}.tenant_id = exchange_rates.tenant_id
        and {{ rows }}.{{ currency_column }} = exchange_rates.currency
        -- Only rows in another currency look their day up (a local date costs a time zone
        -- conversion per row, and most rows are in the tenant's currency).
        and exchange_rates.rate_date = case
            when {{ rows }}.{{ currency_column }} <> tenant_currencies.currency then {{ day }}
        end
{%- endmacro %}

{#- An amount in the tenant's currency: as landed when the rate is 1 (no rounding through a
    double), else times the rate, in the staging amount type; null without a rate. -#}
{% macro converted_amount(amount, rate='exchange_rate') -%}
    case
        when {{ rate }} = 1 then {{ amount }}
        else cast({{ amount }} * {{ rate }} as {{ cerebro.type_amount() }})
    end
{%- endmacro %}

{#- The row's currency after conversion: the tenant's when it has a rate, the landed one when
    it has none (so the currency test names the row too). -#}
{% macro converted_currency(currency_column) -%}
    case
        when exchange_rate is null then {{ currency_column }}
        else tenant_currency
    end
{%- endmacro %}

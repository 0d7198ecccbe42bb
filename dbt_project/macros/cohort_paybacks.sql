{#- CAC payback (doc block kpi_cac_payback), one home for its two grains: a channel's cohort
    (mart_cac_payback) and a campaign's (int_campaign_paybacks). -#}

{#- The select of a cohort's contribution margin per month since its cohort month (month_offset
    0 = the cohort's own month) and its running total (cumulative_margin_amount), per `grain`
    (the columns besides tenant_id naming a cohort, e.g. ['channel_group']). `cohorts` holds
    tenant_id, customer_id, the grain's columns and cohort_month; `order_margins` is
    fct_order_margins' rows with a customer. -#}
{% macro cohort_cumulative_margins(cohorts, order_margins, grain) -%}
    {%- set keys = ['tenant_id'] + grain + ['cohort_month'] -%}
    select
        margins_by_offset.*,
        sum(margins_by_offset.contribution_margin_amount) over (
            partition by {% for key in keys %}margins_by_offset.{{ key }}{{ ', ' if not loop.last }}{% endfor %}
            order by margins_by_offset.month_offset
            rows between unbounded preceding and current row
        ) as cumulative_margin_amount
    from (
        select
            {% for key in keys %}{{ cohorts }}.{{ key }},
            {% endfor -%}
            {{ dbt.datediff(cohorts ~ '.cohort_month', order_margins ~ '.created_date', 'month') }}
                as month_offset,
            {{ sum_exact(order_margins ~ '.contribution_margin_amount') }}
                as contribution_margin_amount
        from {{ order_margins }}
        inner join {{ cohorts }}
            on {{ order_margins }}.tenant_id = {{ cohorts }}.tenant_id
            and {{ order_margins }}.customer_id = {{ cohorts }}.customer_id
        group by {% for key in keys %}{{ loop.index }}, {% endfor %}{{ keys | length + 1 }}
    ) as margins_by_offset
{%- endmacro %}

{#- The payback in months (an aggregate over a cohort's cohort_cumulative_margins rows): the
    first month whose running margin reaches the cohort's acquisition spend, counting the cohort's
    own month as 1; NULL while it has not paid back. -#}
{% macro payback_months(cumulative_margins, spend_amount) -%}
    min(case
        when {{ cumulative_margins }}.cumulative_margin_amount >= {{ spend_amount }}
            then {{ cumulative_margins }}.month_offset + 1
    end)
{%- endmacro %}

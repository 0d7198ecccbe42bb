{#-
    RFM scoring (docs: kpi_rfm), written once for its two models: mart_rfm_customers (as of
    each tenant's data cut-off, a table) and mart_rfm_customers_as_of (as of any date, a
    table function the pages and `get_rfm_segmentation` call). Emits the CTEs `rfm_values`,
    `rfm_scored` and `rfm_segmented`, reading the CTEs named by the arguments:
    customer_orders (mart_customer_orders_daily's columns), customers (dim_customers'),
    rfm_segments (r_score, f_score, segment) and as_of_dates (tenant_id, as_of_date).
    Quintile scores, 5 best, ties broken by customer_id so that a score never depends on
    the order rows happen to come in. Types are cast here, so the table and the function's
    declared columns (PostgreSQL checks them) agree on both warehouses.
-#}
{% macro rfm_ctes(customer_orders, customers, rfm_segments, as_of_dates) %}
rfm_values as (
    select
        {{ customer_orders }}.tenant_id,
        {{ customer_orders }}.customer_id,
        {{ as_of_dates }}.as_of_date,
        {{ dbt.datediff('max(' ~ customer_orders ~ '.created_date)', as_of_dates ~ '.as_of_date', 'day') }}
            as recency_days,
        sum({{ customer_orders }}.valid_orders) as frequency,
        sum({{ customer_orders }}.valid_orders_net_amount) as monetary
    from {{ customer_orders }}
    inner join {{ as_of_dates }}
        on {{ customer_orders }}.tenant_id = {{ as_of_dates }}.tenant_id
    where {{ customer_orders }}.created_date <= {{ as_of_dates }}.as_of_date
    group by 1, 2, 3
),

rfm_scored as (
    select
        rfm_values.*,
        ntile(5) over (
            partition by rfm_values.tenant_id
            order by rfm_values.recency_days desc, rfm_values.customer_id
        ) as r_score,
        ntile(5) over (
            partition by rfm_values.tenant_id
            order by rfm_values.frequency, rfm_values.customer_id
        ) as f_score,
        ntile(5) over (
            partition by rfm_values.tenant_id
            order by rfm_values.monetary, rfm_values.customer_id
        ) as m_score
    from rfm_values
),

rfm_segmented as (
    select
        rfm_scored.tenant_id,
        rfm_scored.customer_id,
        rfm_scored.as_of_date,
        cast(rfm_scored.recency_days as integer) as recency_days,
        cast(rfm_scored.frequency as integer) as frequency,
        cast(rfm_scored.monetary as {{ type_amount() }}) as monetary,
        cast(rfm_scored.r_score as integer) as r_score,
        cast(rfm_scored.f_score as integer) as f_score,
        cast(rfm_scored.m_score as integer) as m_score,
        {{ rfm_segments }}.segment,
        -- "Frecuentes que dejaron de venir": bought often, not for a long time.
        rfm_scored.r_score <= 2 and rfm_scored.f_score >= 3 as is_lapsed_frequent_buyer,
        {{ customers }}.acquisition_channel,
        {{ customers }}.region_name
    from rfm_scored
    inner join {{ customers }}
        on rfm_scored.tenant_id = {{ customers }}.tenant_id
        and rfm_scored.customer_id = {{ customers }}.customer_id
    left join {{ rfm_segments }}
        on rfm_scored.r_score = {{ rfm_segments }}.r_score
        and rfm_scored.f_score = {{ rfm_segments }}.f_score
)
{% endmacro %}

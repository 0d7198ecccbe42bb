-- Measured uplift of each activation (issue 24), per horizon: treated against held-out
-- customers (int_activation_uplift_estimated), the incremental customers and revenue the
-- differences imply for the treated, whether the interval excludes zero, whether the horizon
-- is over by the data's last day, and the sentence the insights feed and the Acciones page
-- show.
with

estimated as (
    select * from {{ ref('int_activation_uplift_estimated') }}
),

cutoffs as (
    select * from {{ ref('int_tenant_data_cutoffs') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

scaled as (
    select
        estimated.tenant_id,
        estimated.destination,
        {{ activation_destination_label('estimated.destination') }} as destination_label,
        estimated.segment,
        estimated.run_id,
        estimated.run_started_at,
        estimated.activation_date,
        estimated.horizon_days,
        estimated.horizon_end_date,
        estimated.treated_customers,
        estimated.control_customers,
        estimated.treated_buyers,
        estimated.control_buyers,
        estimated.treated_purchase_rate,
        estimated.control_purchase_rate,
        estimated.purchase_rate_diff,
        estimated.purchase_rate_diff_lower,
        estimated.purchase_rate_diff_upper,
        estimated.minimum_detectable_effect,
        estimated.treated_revenue_per_customer_amount,
        estimated.control_revenue_per_customer_amount,
        estimated.revenue_per_customer_diff_amount,
        estimated.revenue_per_customer_diff_lower_amount,
        estimated.revenue_per_customer_diff_upper_amount,
        estimated.treated_valued_customers,
        estimated.control_valued_customers,
        estimated.treated_predicted_clv_12m_amount,
        estimated.control_predicted_clv_12m_amount,
        estimated.predicted_clv_12m_diff_amount,
        estimated.predicted_clv_12m_diff_lower_amount,
        estimated.predicted_clv_12m_diff_upper_amount,
        {%- for bound in ['', '_lower', '_upper'] %}
        estimated.purchase_rate_diff{{ bound }} * estimated.treated_customers
            as incremental_customers{{ bound }},
        estimated.revenue_per_customer_diff{{ bound }}_amount * estimated.treated_customers
            as incremental_revenue{{ bound }}_amount,
        {%- endfor %}
        -- The purchase rate is what a rescue is for: its interval decides significance.
        coalesce(
            estimated.purchase_rate_diff_lower > 0 or estimated.purchase_rate_diff_upper < 0, false
        ) as is_significant,
        coalesce(
            estimated.revenue_per_customer_diff_lower_amount > 0
            or estimated.revenue_per_customer_diff_upper_amount < 0, false
        ) as is_revenue_significant,
        coalesce(estimated.horizon_end_date <= cutoffs.data_cutoff_date, false) as is_complete,
        tenants.currency
    from estimated
    inner join tenants
        on estimated.tenant_id = tenants.tenant_id
    left join cutoffs
        on estimated.tenant_id = cutoffs.tenant_id
),

described as (
    select
        scaled.*,
        'La campaña «' || scaled.segment || '» por ' || scaled.destination_label || ' del '
        || {{ format_long_date('scaled.activation_date') }}
        || case
            when scaled.incremental_customers_lower is null
                then ' no tiene grupo de control con el que medirse.'
            else
                case
                    when scaled.purchase_rate_diff_lower > 0 then ' recuperó '
                    when scaled.purchase_rate_diff_upper < 0 then ' tuvo un efecto negativo: '
                    else ' aún no es distinguible de cero: '
                end
                || {{ format_number('scaled.incremental_customers', 0, 'scaled.currency') }}
                || case when abs({{ round_half_away('scaled.incremental_customers', 0) }}) = 1
                    then ' cliente y ' else ' clientes y ' end
                || {{ format_money('scaled.incremental_revenue_amount', 'scaled.currency') }}
                || ' en ' || cast(scaled.horizon_days as {{ dbt.type_string() }}) || ' días (IC '
                || '{{ var("activation_uplift_interval").confidence_percent }}%: '
                || {{ format_number('scaled.incremental_customers_lower', 0, 'scaled.currency') }} || ' a '
                || {{ format_number('scaled.incremental_customers_upper', 0, 'scaled.currency') }} || ' clientes; '
                || {{ format_money('scaled.incremental_revenue_lower_amount', 'scaled.currency') }}
                || ' a '
                || {{ format_money('scaled.incremental_revenue_upper_amount', 'scaled.currency') }}
                || ').'
        end as uplift_text
    from scaled
)

select * from described

-- The measured response to each discount of a rescue that randomised its coupon over the
-- ladder (decision 0064), per activation and horizon (int_activation_discount_response_estimated),
-- beside the rule's default assumed response (var('rescue_assumed_response'), the Hill curve of
-- rescue_offer.py), whether its interval tells it apart from zero (the 0 % arm) or from the
-- assumed value, whether every step of the ladder does (then the rule uses the measured
-- response: discount_experiment.py), whether the horizon is over, and the Spanish sentences the
-- Acciones page shows.
{%- set assumed = var('rescue_assumed_response') %}
with

estimated as (
    select * from {{ ref('int_activation_discount_response_estimated') }}
),

cutoffs as (
    select * from {{ ref('int_tenant_data_cutoffs') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

assumed as (
    select
        estimated.*,
        -- r(d) = r_max (d / d_half)^k / (1 + (d / d_half)^k)
        {{ assumed.max_response }}
            * power(estimated.discount / {{ assumed.half_response_discount }}, {{ assumed.response_steepness }})
            / (1 + power(estimated.discount / {{ assumed.half_response_discount }}, {{ assumed.response_steepness }}))
            as assumed_response
    from estimated
),

flagged as (
    select
        assumed.*,
        coalesce(assumed.response_lower > 0 or assumed.response_upper < 0, false)
            as is_distinguishable_from_zero,
        coalesce(
            assumed.response_lower > 0 or assumed.response_upper < 0
            or assumed.assumed_response < assumed.response_lower
            or assumed.assumed_response > assumed.response_upper,
            false
        ) as is_distinguishable,
        coalesce(assumed.horizon_end_date <= cutoffs.data_cutoff_date, false) as is_complete,
        tenants.currency
    from assumed
    inner join tenants
        on assumed.tenant_id = tenants.tenant_id
    left join cutoffs
        on assumed.tenant_id = cutoffs.tenant_id
),

ruled as (
    select
        flagged.*,
        -- Every step of the ladder measured and distinguishable in this activation and horizon.
        sum(case when flagged.is_distinguishable then 1 else 0 end) over (
            partition by flagged.tenant_id, flagged.destination, flagged.segment, flagged.run_id,
                flagged.horizon_days
        ) >= {{ assumed.ladder | length }} as is_rule_measured
    from flagged
),

described as (
    select
        ruled.*,
        {{ format_percent('ruled.discount', 0, 'ruled.currency') }} || ': respuesta medida '
        || {{ format_percent('ruled.response', 1, 'ruled.currency') }} || ' (IC '
        || '{{ var("activation_uplift_interval").confidence_percent }}%: '
        || {{ format_percent('ruled.response_lower', 1, 'ruled.currency') }} || ' a '
        || {{ format_percent('ruled.response_upper', 1, 'ruled.currency') }} || '), supuesta '
        || {{ format_percent('ruled.assumed_response', 1, 'ruled.currency') }}
        || case
            when ruled.is_distinguishable_from_zero and ruled.is_distinguishable then ': distinguible.'
            when ruled.is_distinguishable then ': distinguible de la supuesta.'
            else ': aún no distinguible de 0 ni de la supuesta.'
        end as response_text,
        case
            when ruled.is_rule_measured
                then 'La regla de descuento usa la respuesta medida: cada descuento se distingue de 0 o de la respuesta supuesta.'
            else 'La regla de descuento usa la respuesta supuesta: la medición aún no distingue cada descuento de 0 ni de la respuesta supuesta, y el descuento se sigue sorteando.'
        end as rule_text
    from ruled
)

select * from described

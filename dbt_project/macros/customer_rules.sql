{#- Onboarding is complete when the account is in an enabled state and, if
    the tenant requires it, the e-mail is verified (KPIS.md; both dbt vars). -#}
{% macro is_onboarded(account_state, is_email_verified) -%}
    (
        {{ account_state }} in (
            {%- for state in var('onboarding_enabled_states') -%}
                '{{ state }}'{% if not loop.last %}, {% endif %}
            {%- endfor -%}
        )
        {%- if var('onboarding_requires_verified_email') %}
        and coalesce({{ is_email_verified }}, false)
        {%- endif %}
    )
{%- endmacro %}

{#- Whether the store records what onboarding asks of a customer: always, unless the tenant
    requires a verified e-mail and the store keeps no verification (WooCommerce: null). The
    onboarding rate is taken over these customers, so a store that cannot tell reads no rate,
    not 0 %. -#}
{% macro onboarding_is_observed(is_email_verified) -%}
    {%- if var('onboarding_requires_verified_email') -%}
        ({{ is_email_verified }} is not null)
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}

{#- ISO 3166-2 region code from a Shopify province code, which comes without
    the country prefix ('RM' -> 'CL-RM'); codes already prefixed pass through. -#}
{% macro region_code(country_code, province_code, fallback_country_code) -%}
    case
        when {{ province_code }} like '__-%' then {{ province_code }}
        when {{ province_code }} is not null
            then coalesce({{ country_code }}, {{ fallback_country_code }}) || '-' || {{ province_code }}
    end
{%- endmacro %}

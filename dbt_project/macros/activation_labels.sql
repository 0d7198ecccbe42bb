{#- Spanish names of the activation destinations (issue 24; the codes are
    cerebro/tenants.py's DESTINATION_SETTINGS), defined once for every mart and sentence
    that shows them; a destination without one keeps its code. -#}
{% macro activation_destination_label(column) -%}
    case {{ column }}
        when 'klaviyo' then 'Klaviyo'
        when 'meta_audiences' then 'Meta'
        when 'google_customer_match' then 'Google Ads'
        when 'shopify_coupons' then 'Shopify (cupones)'
        when 'whatsapp' then 'WhatsApp'
        else {{ column }}
    end
{%- endmacro %}

{#- The discount of a rescue coupon from its activation-log detail, as
    cerebro/actions/activation/rescue_offer.py's coupon_detail writes it ("10% hasta
    2026-12-10", "12,5% hasta …", a retried code's " (código ya creado)" after it), as a
    fraction (0.1); NULL for any other detail. The pattern ends in .* because DuckDB's `~`
    matches the whole value (regex.sql). -#}
{% macro coupon_discount(detail) -%}
    case when {{ matches_regex(detail, "'^[0-9]+(,[0-9]+)?% hasta [0-9]{4}-[0-9]{2}-[0-9]{2}.*$'") }}
        then cast(replace(split_part({{ detail }}, '%', 1), ',', '.') as {{ type_double() }}) / 100
    end
{%- endmacro %}

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

{#- A WhatsApp delivery failure in Spanish for a manager: the codes whose reasons the
    destination already words (cerebro/actions/activation/destinations/whatsapp.py
    REFUSAL_REASONS, held equal by tests/dbt_project/marts/test_activation_whatsapp_engagement.py),
    else Meta's title, else the code alone. -#}
{% macro whatsapp_failure_reason(code, title) -%}
    case {{ code }}
        when 131026 then 'WhatsApp no pudo entregarlo (número sin WhatsApp, términos no aceptados o app antigua)'
        when 131047 then 'fuera de la ventana de 24 horas'
        when 131049 then 'Meta no lo entregó para cuidar la interacción del ecosistema'
        when 131050 then 'el cliente dejó de recibir mensajes de marketing'
        when 131021 then 'el destinatario es el mismo número que envía'
        when 131030 then 'el número no está en la lista permitida de la cuenta de prueba'
        else coalesce({{ title }}, 'código ' || cast({{ code }} as {{ dbt.type_string() }}),
                      'sin motivo informado')
    end
{%- endmacro %}

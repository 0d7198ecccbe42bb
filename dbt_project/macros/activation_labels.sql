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

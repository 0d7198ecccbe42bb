{#- A payment that took the customer's money: a successful sale or capture (Shopify's
    transaction kinds and statuses, upper-cased by staging). The paid-at of an order and the
    gateway fees it costs both count these, so they share one definition. -#}
{% macro is_successful_payment(transactions) -%}
    ({{ transactions }}.transaction_status = 'SUCCESS'
        and {{ transactions }}.transaction_kind in ('SALE', 'CAPTURE'))
{%- endmacro %}

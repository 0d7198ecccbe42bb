{#- The Singer streams the landing marts report on, defined once: source,
    stream (its staging model is stg_<source>__<stream>) and the column that
    holds the data's own time, which landing latency is measured from. The
    column's suffix says its kind (STYLE.md's naming): `*_at` is a UTC
    timestamp of the row's last change (entities: updated_at) or of the event
    itself (immutable rows: created_at); `*_date` is the day a row of daily
    figures is about, complete at the end of that day. None: the stream has no
    time of its own (order lines change with their order; calendar events are
    known in advance, and so is the UF's rate; ad accounts and cost inputs are re-read whole
    every run), so it has no latency. -#}
{% macro landed_streams() -%}
    {{ return([
        {'source': 'shopify', 'stream': 'customers', 'event_time': 'updated_at'},
        {'source': 'shopify', 'stream': 'orders', 'event_time': 'updated_at'},
        {'source': 'shopify', 'stream': 'order_lines', 'event_time': none},
        {'source': 'shopify', 'stream': 'transactions', 'event_time': 'created_at'},
        {'source': 'shopify', 'stream': 'refunds', 'event_time': 'created_at'},
        {'source': 'shopify', 'stream': 'fulfillments', 'event_time': 'updated_at'},
        {'source': 'shopify', 'stream': 'checkouts', 'event_time': 'updated_at'},
        {'source': 'meta_ads', 'stream': 'ads_insights', 'event_time': 'spend_date'},
        {'source': 'meta_ads', 'stream': 'ad_accounts', 'event_time': none},
        {'source': 'google_ads', 'stream': 'campaign_performance', 'event_time': 'spend_date'},
        {'source': 'google_ads', 'stream': 'accounts', 'event_time': none},
        {'source': 'tiktok_ads', 'stream': 'campaign_reports', 'event_time': 'spend_date'},
        {'source': 'tiktok_ads', 'stream': 'advertisers', 'event_time': none},
        {'source': 'amazon_ads', 'stream': 'sp_campaigns', 'event_time': 'spend_date'},
        {'source': 'amazon_ads', 'stream': 'profiles', 'event_time': none},
        {'source': 'mercadolibre_ads', 'stream': 'campaign_reports', 'event_time': 'spend_date'},
        {'source': 'mercadolibre_ads', 'stream': 'advertisers', 'event_time': none},
        {'source': 'csv', 'stream': 'ad_spend', 'event_time': 'spend_date'},
        {'source': 'search_console', 'stream': 'performance_by_date', 'event_time': 'search_date'},
        {'source': 'search_console', 'stream': 'performance_by_page', 'event_time': 'search_date'},
        {'source': 'search_console', 'stream': 'performance_by_query', 'event_time': 'search_date'},
        {'source': 'calendar', 'stream': 'events', 'event_time': none},
        {'source': 'exchange_rates', 'stream': 'daily_rates', 'event_time': none},
        {'source': 'costs', 'stream': 'product_costs', 'event_time': none},
        {'source': 'costs', 'stream': 'payment_fees', 'event_time': none},
        {'source': 'costs', 'stream': 'order_costs', 'event_time': none},
        {'source': 'costs', 'stream': 'tax_rates', 'event_time': none},
    ]) }}
{%- endmacro %}

{#-
    A pre-hook for models whose window filters PostgreSQL cannot estimate: dim_customers picks
    the window's customers by local dates (expressions over `at time zone`), PostgreSQL guesses
    a handful of rows where a daily run has hundreds to thousands, and plans nested loops over
    materialized CTEs: 280 s for a daily run at the `small` size, against 2.6 s with hash joins
    (decision 0016). The order intermediates that read the same window (decision 0017) use it
    too: without it, int_orders_payments_summarized took 8 s of a `small` daily run. Not for a
    model with a join that cannot be hashed (the channel rules' nullable patterns in
    int_touchpoints_channel_mapped): its nested loop, forced anyway, is then costed as
    disabled and the rest of the plan goes wrong (0.5 s -> 4 s at `small`). Merge joins go
    too (decision 0043): with nested loops off, the same one-row guess made PostgreSQL merge
    dim_customers' records with the tenant's touchpoints and addresses on `tenant_id` alone
    (the dashboards' index gives that order), rescanning a tenant's rows for every record: an
    every-tenant daily run at `large` was still in dim_customers after 15 minutes, its
    statistics minutes old. Hash joins alone were as fast or faster everywhere measured
    (dim_customers at `large`: one tenant's day 0.76 s against 0.87 s, every tenant's 7.8 s
    against 11.4 s, the full build 13.3 s against 14.9 s). `set local` lasts for the model's
    transaction only. DuckDB plans hash joins by itself and needs nothing.
-#}
{% macro hash_joins_only() %}
    {{ return(adapter.dispatch('hash_joins_only', 'cerebro')()) }}
{% endmacro %}

{% macro default__hash_joins_only() %}{% endmacro %}

{% macro postgres__hash_joins_only() %}
    set local enable_nestloop = off;
    set local enable_mergejoin = off
{% endmacro %}

{#-
    What a partition run re-reads of the orders and customers, each with the local day that
    dates its rows in the intermediates that are incremental like their readers (decision
    0017). Every row on a full build (`window` none). `columns` are staging columns to keep.
-#}

{#- The customers dim_customers re-merges in a window: those who signed up, whose record
    changed, or who ordered in it. -#}
{% macro window_customers(window) %}
    select
        customers.tenant_id,
        customers.customer_id
    from {{ ref('stg_shopify__customers') }} as customers
    inner join {{ ref('dim_tenants') }} as tenants
        on customers.tenant_id = tenants.tenant_id
    {#- Each side a UTC range before the local days, so that PostgreSQL reads both through
        the raw table's (tenant_id, time) indexes (macro index_partition_reads). #}
    where ({{ partition_window_local_predicate(
            window, 'customers.created_at', 'tenants.timezone', 'customers.tenant_id'
        ) }})
        or ({{ partition_window_local_predicate(
            window, 'customers.updated_at', 'tenants.timezone', 'customers.tenant_id'
        ) }})

    union

    select
        orders.tenant_id,
        orders.customer_id
    from {{ ref('stg_shopify__orders') }} as orders
    inner join {{ ref('dim_tenants') }} as tenants
        on orders.tenant_id = tenants.tenant_id
    where {{ partition_window_local_predicate(
            window, 'orders.created_at', 'tenants.timezone', 'orders.tenant_id'
        ) }}
{% endmacro %}


{#- The persons of window_customers: each record as identity resolution (dim_customer_identity)
    puts it in a person, a record it does not know as its own person. What dim_customers
    re-merges, and the first of the customers a per-customer model recomputes
    (touched_customers). -#}
{% macro window_persons(window) %}
    select distinct
        window_customers.tenant_id,
        coalesce(customer_identity.person_id, window_customers.customer_id) as person_id
    from ({{ window_customers(window) }}) as window_customers
    left join {{ ref('dim_customer_identity') }} as customer_identity
        on window_customers.tenant_id = customer_identity.tenant_id
        and window_customers.customer_id = customer_identity.customer_id
{% endmacro %}


{#- Orders, dated by their local creation day, which never moves: in a window, the window's
    orders (fct_orders' own); with `of_window_customers`, also every order of the window's
    customers (dim_customers reads their first order, which may lie outside the window). -#}
{% macro dated_orders(window, columns=[], date_alias='order_created_date', of_window_customers=false) %}
    {%- set created_in_window = partition_window_local_predicate(
        window, 'orders.created_at', 'tenants.timezone', 'orders.tenant_id'
    ) -%}
    select
        orders.tenant_id,
        orders.order_id,
        {%- for column in columns %}
        orders.{{ column }},
        {%- endfor %}
        {{ to_local_date('orders.created_at', 'tenants.timezone') }} as {{ date_alias }}
    from {{ ref('stg_shopify__orders') }} as orders
    inner join {{ ref('dim_tenants') }} as tenants
        on orders.tenant_id = tenants.tenant_id
    {%- if window is not none and of_window_customers %}
    {#- A join, not `or ... in (subquery)`: PostgreSQL re-ran that subquery for every order
        (3.8 s for 4 000 rows at the `small` size). window_customers has distinct rows. #}
    left join ({{ window_customers(window) }}) as window_customers
        on orders.tenant_id = window_customers.tenant_id
        and orders.customer_id = window_customers.customer_id
    where {{ partition_window_tenants_predicate(window, 'orders.tenant_id') }}
        and (({{ created_in_window }}) or window_customers.customer_id is not null)
    {%- else %}
    where {{ created_in_window }}
    {%- endif %}
{% endmacro %}


{#- Customers, dated by the local day of their last change (the update, else the signup): any
    change to a record moves it to a later day, so the strategy's unique_key removes its
    earlier row. In a window, the window's customers (dim_customers' own). -#}
{% macro dated_customers(window, columns=[], date_alias='partition_date') %}
    {%- set changed_at = 'coalesce(customers.updated_at, customers.created_at)' -%}
    select
        customers.tenant_id,
        customers.customer_id,
        {%- for column in columns %}
        customers.{{ column }},
        {%- endfor %}
        {{ to_local_date(changed_at, 'tenants.timezone') }} as {{ date_alias }}
    from {{ ref('stg_shopify__customers') }} as customers
    inner join {{ ref('dim_tenants') }} as tenants
        on customers.tenant_id = tenants.tenant_id
    {%- if window is not none %}
    inner join ({{ window_customers(window) }}) as window_customers
        on customers.tenant_id = window_customers.tenant_id
        and customers.customer_id = window_customers.customer_id
    {#- The tenants' rows only, also on this side of the join: PostgreSQL otherwise computes
        every tenant's staged customers before the hash join keeps the window's. #}
    where {{ partition_window_tenants_predicate(window, 'customers.tenant_id') }}
    {%- endif %}
{% endmacro %}

{#-
    Per-customer models (issue 60, decision 0081). A model whose rows for a customer depend on
    nothing but that customer's own history and attributes (retention days, margin to date)
    names `partition_customers` in its config. A partition run then recomputes and
    replaces only the customers the window touched, not its tenants' whole history:
    - the window's persons (window_persons: a record created or changed, or an order placed,
      in the window; as the person identity resolution puts it in);
    - the customers of the model's dated inputs on the window's days (`dated`: pairs of a ref
      and its date column: a checkout is not in window_persons);
    - the customers of the model's own rows dated in the window (`own_date`): one whose last
      rows there vanished upstream (a quarantined checkout) is replaced by nothing.
    Everything a customer's rows read changes only on those days (the inputs are incremental
    on the same window), so the other customers' rows are already what a full build makes.

        config(partition_customers={'dated': [['fct_order_margins', 'created_date']],
                                    'own_date': 'last_order_date'})

    The customer column is `customer_id` (a person, as in dim_customers). On a full build and
    on Spark (whose window covers whole tenants) every customer of the run's tenants is rebuilt.
    On PostgreSQL such a model takes the `hash_joins_only()` pre-hook: the window's persons
    are picked by local dates PostgreSQL cannot estimate, and with nested loops it matched
    every one of a store's 40 000 records against the touched customers one by one (a contacts
    mart built this way took 141 s of one store's partition at the agency size).
-#}

{#- The window of a per-customer model's run, or none when the run rebuilds whole tenants. -#}
{% macro touched_customers_window() %}
    {%- set window = partition_window() if is_incremental() else none -%}
    {%- if window is none or window.whole_tenants -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(window) }}
{% endmacro %}


{#- The distinct (tenant_id, customer_id) the window touched, for the model's config. -#}
{% macro touched_customers(window) %}
    {%- set declared = config.get('partition_customers') -%}
    {%- if declared is none -%}
        {{ exceptions.raise_compiler_error(
            "touched_customers: the model names no partition_customers config") }}
    {%- endif -%}
    select tenant_id, person_id as customer_id
    from ({{ window_persons(window) }}) as persons
    {%- for name, date_column in declared.get('dated', []) %}
    union
    select tenant_id, customer_id
    from {{ ref(name) }}
    where customer_id is not null
        and {{ partition_window_predicate(window, date_column) }}
    {%- endfor %}
    {%- if declared.get('own_date') %}
    union
    select tenant_id, customer_id
    from {{ this }}
    where {{ partition_window_predicate(window, declared['own_date']) }}
    {%- endif %}
{% endmacro %}


{#- In a per-customer model, first in its `with`: the touched customers as a CTE (nothing when
    the run rebuilds whole tenants). At parse time it names the relations window_persons reads,
    so that dbt orders the model after them (the `dated` inputs are the model's own sources, and
    the config cannot be read while parsing). -#}
{% macro touched_customers_cte() %}
    {%- if not execute -%}
        {%- do window_persons(none) -%}
    {%- endif -%}
    {%- set window = touched_customers_window() -%}
    {%- if window is not none -%}
touched_customers as (
    {{ touched_customers(window) }}
),
    {%- endif -%}
{% endmacro %}


{#- In a per-customer model: keep the rows of the touched customers (every row when the run
    rebuilds whole tenants). `relation` is the alias of the rows being read. -#}
{% macro of_touched_customers(relation) %}
    {%- if touched_customers_window() is none -%}
        1 = 1
    {%- else -%}
        exists (
            select 1 from touched_customers
            where touched_customers.tenant_id = {{ relation }}.tenant_id
                and touched_customers.customer_id = {{ relation }}.customer_id
        )
    {%- endif -%}
{% endmacro %}

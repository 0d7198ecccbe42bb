{#-
    Daily partitions (decision 0011). A run's partitions are `partition_tenants` (list),
    `partition_start_date` and `partition_end_date` (inclusive local dates), given as vars
    (`dbt build --vars ...`, by hand) or, the same JSON object, in the environment variable
    CEREBRO_DBT_PARTITION_WINDOW (Dagster's way: new vars make dbt re-parse the whole project,
    an environment variable read only at run time does not; decision 0016). Vars win. An
    incremental model re-reads that window widened by its lookback (late data: ad platforms
    restate ~28 days, refunds and fulfilments update older orders), deletes the window's rows
    and inserts the new ones. Without either (a plain `dbt build`), the window is everything:
    the model is rebuilt whole, through the same path.
-#}

{% macro partition_window(lookback_days=none) %}
    {%- set given = partition_window_given() -%}
    {%- set start = given.get('partition_start_date') -%}
    {%- set end = given.get('partition_end_date') -%}
    {%- if start is none and end is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if start is none or end is none -%}
        {{ exceptions.raise_compiler_error(
            "partition_start_date and partition_end_date go together (got "
            ~ start ~ " and " ~ end ~ ")") }}
    {%- endif -%}
    {%- set tenants = given.get('partition_tenants') or [] -%}
    {%- if tenants is string -%}{%- set tenants = [tenants] -%}{%- endif -%}
    {%- if tenants | length == 0 -%}
        {{ exceptions.raise_compiler_error("partition_tenants must name at least one tenant") }}
    {%- endif -%}
    {%- set lookback = (
        lookback_days if lookback_days is not none
        else config.get('lookback_days', var('incremental_lookback_days'))
    ) | int -%}
    {%- set first_day = modules.datetime.date.fromisoformat(start | string)
        - modules.datetime.timedelta(days=lookback) -%}
    {%- set last_day = modules.datetime.date.fromisoformat(end | string) -%}
    {%- if first_day > last_day -%}
        {{ exceptions.raise_compiler_error("partition window ends before it starts") }}
    {%- endif -%}
    {#- On Spark a run replaces its tenants' partitions whole (spark_incremental.sql): the
        models then read their tenants' whole history, and the tests check all of it. -#}
    {{ return({'tenants': tenants, 'start': first_day.isoformat(), 'end': last_day.isoformat(),
               'whole_tenants': target.type == 'spark'}) }}
{% endmacro %}


{#- The window as given, before the lookback: the vars when they name a date, else the JSON
    object in CEREBRO_DBT_PARTITION_WINDOW, else nothing. Called at run time only (models call
    it behind is_incremental(), tests behind execute), so dbt never records the variable for
    partial parsing and a new window costs no re-parse. -#}
{% macro partition_window_given() %}
    {%- set keys = ['partition_tenants', 'partition_start_date', 'partition_end_date'] -%}
    {%- if var('partition_start_date', none) is not none
        or var('partition_end_date', none) is not none -%}
        {%- set given = {} -%}
        {%- for key in keys -%}
            {%- do given.update({key: var(key, none)}) -%}
        {%- endfor -%}
        {{ return(given) }}
    {%- endif -%}
    {%- set text = env_var('CEREBRO_DBT_PARTITION_WINDOW', '') | trim -%}
    {%- if not text -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set given = fromjson(text) -%}
    {%- if given is not mapping -%}
        {{ exceptions.raise_compiler_error(
            "CEREBRO_DBT_PARTITION_WINDOW must be a JSON object with " ~ keys | join(', ')
            ~ ", got: " ~ text) }}
    {%- endif -%}
    {{ return(given) }}
{% endmacro %}


{#- The window as a predicate on a date expression and a tenant expression. -#}
{% macro partition_window_predicate(window, date_expression, tenant_expression='tenant_id') %}
    {%- if window is none -%}
        1 = 1
    {%- elif window.whole_tenants -%}
        {{ partition_window_tenants_predicate(window, tenant_expression) }}
    {%- else -%}
        {{ partition_window_tenants_predicate(window, tenant_expression) }}
        and {{ date_expression }} between cast('{{ window.start }}' as date)
            and cast('{{ window.end }}' as date)
    {%- endif -%}
{% endmacro %}


{#- The window's tenants as a predicate on a tenant expression (no filter without a window). -#}
{% macro partition_window_tenants_predicate(window, tenant_expression='tenant_id') %}
    {%- if window is none -%}
        1 = 1
    {%- else -%}
        {{ tenant_expression }} in (
            {%- for tenant in window.tenants -%}
                '{{ tenant | replace("'", "''") }}'{{ ', ' if not loop.last }}
            {%- endfor -%}
        )
    {%- endif -%}
{% endmacro %}


{#- In a model: keep the rows of the run's window on incremental runs, all rows otherwise. A
    model that reads only its window's days names its `partition_date_column`: without one,
    the strategy would replace its tenants' whole history with the window's rows
    (tests/dbt_project/quality/test_incremental_configuration.py). -#}
{% macro in_partition_window(date_column, tenant_column='tenant_id') %}
    {%- if is_incremental() -%}
        {{ partition_window_predicate(partition_window(), date_column, tenant_column) }}
    {%- else -%}
        1 = 1
    {%- endif -%}
{% endmacro %}


{#-
    In a model, before its joins: a superset of the run's window on a UTC timestamp, so that
    an incremental run prunes its sources before joining and aggregating them (the exact
    filter on the local date stays at the end of the model). A local day D lies within the
    UTC days D-1 .. D+1 (offsets are between -12 and +14 hours), so the UTC range is the
    window widened by a day on each side. All rows on full builds.
-#}
{% macro in_partition_window_utc(timestamp_column, tenant_column='tenant_id') %}
    {%- set window = partition_window() if is_incremental() else none -%}
    {{ partition_window_utc_predicate(window, timestamp_column, tenant_column) }}
{% endmacro %}


{#- That UTC superset of a window as a predicate on a UTC timestamp expression (1 = 1 for none). -#}
{% macro partition_window_utc_predicate(
    window, timestamp_expression, tenant_expression='tenant_id'
) %}
    {%- if window is none -%}
        1 = 1
    {%- elif window.whole_tenants -%}
        {{ partition_window_tenants_predicate(window, tenant_expression) }}
    {%- else -%}
        {%- set day = modules.datetime.timedelta(days=1) -%}
        {%- set first_utc = modules.datetime.date.fromisoformat(window.start) - day -%}
        {%- set after_last_utc = modules.datetime.date.fromisoformat(window.end) + day + day -%}
        {{ partition_window_tenants_predicate(window, tenant_expression) }}
        and {{ timestamp_expression }} >= cast('{{ first_utc.isoformat() }}' as timestamp)
        and {{ timestamp_expression }} < cast('{{ after_last_utc.isoformat() }}' as timestamp)
    {%- endif -%}
{% endmacro %}



{#- The window's local days of a UTC timestamp (in a timezone), for reading sources: the UTC
    superset first, a plain range the warehouse can prune and estimate, then the exact local
    dates (1 = 1 for none). -#}
{% macro partition_window_local_predicate(
    window, utc_timestamp, timezone, tenant_expression='tenant_id'
) %}
    {%- if window is none -%}
        1 = 1
    {%- else -%}
        {{ partition_window_utc_predicate(window, utc_timestamp, tenant_expression) }}
        and {{ partition_window_predicate(
            window, to_local_date(utc_timestamp, timezone), tenant_expression
        ) }}
    {%- endif -%}
{% endmacro %}

{#-
    The `partition_window` incremental strategy (every incremental model's, dbt_project.yml):
    replace the window's rows. A model that names its date column with the
    `partition_date_column` config replaces the rows of the window's tenants on the window's
    days: unlike dbt's delete+insert on a unique key, a day whose rows all disappeared upstream
    is emptied too. A model without one aggregates a tenant's whole history (RFM, cohorts, the
    landing health marts): a partition run recomputes its tenants whole and replaces their
    rows, other tenants keep theirs (decision 0017); exact, since such a model reads nothing of
    other tenants (it reads its sources through `in_partition_tenants()`). A model whose rows
    can move to a later date (an entity dated by its last update) also names its
    `unique_key`: the rows of the keys it inserts are deleted wherever they were dated, so a
    key never appears twice.
-#}
{% macro get_incremental_partition_window_sql(arg_dict) %}
    {%- set date_column = config.get('partition_date_column') -%}
    {%- set customers_window = touched_customers_window()
        if config.get('partition_customers') is not none else none -%}
    {%- if customers_window is not none -%}
        {{ return(replace_touched_customers_rows(arg_dict, customers_window)) }}
    {%- elif date_column is none -%}
        {%- set rows = partition_window_tenants_predicate(partition_window()) -%}
    {%- else -%}
        {%- set rows = partition_window_predicate(partition_window(), date_column) -%}
    {%- endif -%}
    {{ replace_partition_rows(arg_dict, rows, partition_window()) }}
{% endmacro %}


{#- Delete the target's rows matching `predicate` and, when the model names a `unique_key`, the
    rows of the keys being inserted; then insert the new rows. The keys' rows are looked for
    among the window's tenants only (`window`'s; a model's new rows are always theirs): without
    that bound PostgreSQL hashed the whole target, every tenant's 3.5 M touchpoints, to delete
    one tenant's 20 000 (2.2 s of a one-tenant partition at the large size; 0.2 s with it). -#}
{% macro replace_partition_rows(arg_dict, predicate, window) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set new_rows = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- if unique_key is string -%}{%- set unique_key = [unique_key] -%}{%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ predicate }};
    {%- if unique_key %}

    delete from {{ target }}
    using {{ new_rows }}
    where {{ partition_window_tenants_predicate(window, target ~ '.tenant_id') }}
        {%- for column in unique_key %}
        and {{ new_rows }}.{{ column }} = {{ target }}.{{ column }}
        {%- endfor %};
    {%- endif %}

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ new_rows }}
{% endmacro %}


{#- A per-customer model's run (touched_customers.sql): delete the rows of the customers the
    window touched, wherever they are dated, and insert their new rows. -#}
{% macro replace_touched_customers_rows(arg_dict, window) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    using ({{ touched_customers(window) }}) as touched
    where {{ target }}.tenant_id = touched.tenant_id
        and {{ target }}.customer_id = touched.customer_id;

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{% endmacro %}


{#- In a model: keep the run's tenants on incremental runs, every tenant otherwise. -#}
{% macro in_partition_tenants(tenant_column='tenant_id') %}
    {%- set window = partition_window() if is_incremental() else none -%}
    {{ partition_window_tenants_predicate(window, tenant_column) }}
{% endmacro %}


{#- The `window_merge` incremental strategy (dim_customers'): dbt's merge on the model's
    unique_key, with the target read among the window's tenants only (the new rows are always
    theirs). Without that bound PostgreSQL hashed every tenant's persons to upsert one tenant's
    window: 1.1-1.3 s of a one-tenant partition run at the large size. -#}
{% macro get_incremental_window_merge_sql(arg_dict) %}
    {%- set bound = partition_window_tenants_predicate(
        partition_window(), 'DBT_INTERNAL_DEST.tenant_id'
    ) -%}
    {%- do arg_dict.update({
        'incremental_predicates': (arg_dict.get('incremental_predicates') or []) + [bound]
    }) -%}
    {{ get_incremental_merge_sql(arg_dict) }}
{% endmacro %}

{#-
    Daily partitions (decision 0011). Dagster passes the run's partitions as vars:
    `partition_tenants` (list), `partition_start_date` and `partition_end_date` (inclusive local
    dates). An incremental model re-reads that window widened by its lookback (late data: ad
    platforms restate ~28 days, refunds and fulfilments update older orders), deletes the
    window's rows and inserts the new ones. Without the vars (a plain `dbt build`), the window is
    everything: the model is rebuilt whole, through the same path.
-#}

{% macro partition_window(lookback_days=none) %}
    {%- set start = var('partition_start_date', none) -%}
    {%- set end = var('partition_end_date', none) -%}
    {%- if start is none and end is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if start is none or end is none -%}
        {{ exceptions.raise_compiler_error(
            "partition_start_date and partition_end_date go together (got "
            ~ start ~ " and " ~ end ~ ")") }}
    {%- endif -%}
    {%- set tenants = var('partition_tenants', []) -%}
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
    {{ return({'tenants': tenants, 'start': first_day.isoformat(), 'end': last_day.isoformat()}) }}
{% endmacro %}


{#- The window as a predicate on a date expression and a tenant expression. -#}
{% macro partition_window_predicate(window, date_expression, tenant_expression='tenant_id') %}
    {%- if window is none -%}
        1 = 1
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


{#- In a model: keep the rows of the run's window on incremental runs, all rows otherwise. -#}
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
    {%- if window is none -%}
        1 = 1
    {%- else -%}
        {%- set day = modules.datetime.timedelta(days=1) -%}
        {%- set first_utc = modules.datetime.date.fromisoformat(window.start) - day -%}
        {%- set after_last_utc = modules.datetime.date.fromisoformat(window.end) + day + day -%}
        {{ partition_window_tenants_predicate(window, tenant_column) }}
        and {{ timestamp_column }} >= cast('{{ first_utc.isoformat() }}' as timestamp)
        and {{ timestamp_column }} < cast('{{ after_last_utc.isoformat() }}' as timestamp)
    {%- endif -%}
{% endmacro %}


{#-
    The `partition_window` incremental strategy: replace the window's rows. Unlike dbt's
    delete+insert on a unique key, a day whose rows all disappeared upstream is emptied too.
    The model names its date column with the `partition_date_column` config.
-#}
{% macro get_incremental_partition_window_sql(arg_dict) %}
    {%- set date_column = config.require('partition_date_column') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ partition_window_predicate(partition_window(), date_column) }};

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{% endmacro %}

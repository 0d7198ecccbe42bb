{#-
    Data tests in a partition run (decision 0015). dbt wraps the model of every generic test
    in get_where_subquery; given a partition window (vars or CEREBRO_DBT_PARTITION_WINDOW),
    this version also keeps only what the run rebuilt or reads for its window:
    - an incremental model with a `partition_date_column`: the window's tenants and days
      (with the model's lookback), the rows the run replaced; a staging view of daily figures
      with one (Search Console's day): the same days, those a night lands again (the search
      views' two key tests read every store's 2.2 M rows in the agency's night, 9 s);
    - a model with a `partition_timestamp_column` (a staging view's event time, UTC): the
      window's tenants and the UTC superset of its days with the lookback, the rows the run's
      incremental models re-read (decision 0016);
    - any other model that declares a `tenant_id` column: the window's tenants.
    Without a window (a full build) tests see every row, as dbt's own macro does. A test's
    own `where` config is kept in both cases.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set window = partition_window() if execute else none -%}
    {%- if window is not none -%}
        {%- set tested = cerebro.tested_model_node(relation) -%}
        {%- if tested is not none -%}
            {%- set date_column = tested.config.get('partition_date_column') -%}
            {%- set timestamp_column = tested.config.get('partition_timestamp_column') -%}
            {%- set model_window = partition_window(
                tested.config.get('lookback_days', var('incremental_lookback_days'))
            ) -%}
            {%- if date_column -%}
                {%- do conditions.append(partition_window_predicate(model_window, date_column)) -%}
            {%- elif timestamp_column -%}
                {%- do conditions.append(
                    partition_window_utc_predicate(model_window, timestamp_column)
                ) -%}
            {%- elif 'tenant_id' in tested.columns -%}
                {%- do conditions.append(partition_window_tenants_predicate(window)) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}


{#- The model node behind a relation that a test reads, or none (a seed, a source). Looked up
    among the test's own parents (`model` is the test node here): a scan of the whole graph
    cost every one of a run's ~400 tests a loop over ~900 nodes. -#}
{% macro tested_model_node(relation) -%}
    {%- set parents = model.get('depends_on', {}).get('nodes', []) if model is mapping else [] -%}
    {%- for unique_id in parents if unique_id.startswith('model.') -%}
        {%- set node = graph.nodes.get(unique_id) -%}
        {%- if node is not none
            and (node.alias or node.name) | lower == (relation.identifier or '') | lower
            and node.schema | lower == (relation.schema or '') | lower -%}
            {%- do return(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do return(none) -%}
{%- endmacro %}

{#- Returns the rows where two columns differ; NULL = NULL counts as
    agreement (`is distinct from`). Used by the table-driven macro tests,
    which emit an actual and an expected column per case. -#}
{% test columns_agree(model, actual_column, expected_column) %}

select *
from {{ model }}
where {{ actual_column }} is distinct from {{ expected_column }}

{% endtest %}

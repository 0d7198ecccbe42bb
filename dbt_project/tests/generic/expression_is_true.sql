{#- Returns the rows where a boolean SQL expression is false or NULL, for row
    rules that no built-in test expresses (e.g. a mapping rule must name at
    least one criterion). Usable on a model or on a column (the expression
    names the column itself). -#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce({{ expression }}, false)

{% endtest %}

{#- Returns each combination of the given columns that occurs more than once
    (a composite key such as country_code + comuna_key). NULLs group together,
    so two rows with the same NULL cells count as duplicates. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

{%- set columns_csv = combination_of_columns | join(', ') %}

select
    {{ columns_csv }},
    count(*) as occurrences
from {{ model }}
group by {{ columns_csv }}
having count(*) > 1

{% endtest %}

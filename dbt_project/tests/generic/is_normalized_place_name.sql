{#- Returns the rows whose stored matching key is not normalize_place_name of the name it
    stands for: the place seeds store their keys precomputed, and a hand-typed key that
    differs would never match a customer's comuna. A test on the seeds, so it runs with them
    (the reference step, decision 0019). -#}
{% test is_normalized_place_name(model, column_name, name_column) %}

with keys as (
    select
        {{ name_column }} as place_name,
        {{ column_name }} as stored_key,
        {{ cerebro.normalize_place_name(name_column) }} as expected_key
    from {{ model }}
)

select *
from keys
where stored_key is distinct from expected_key

{% endtest %}

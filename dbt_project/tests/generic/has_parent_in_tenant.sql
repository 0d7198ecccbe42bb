{#- Returns rows whose (tenant_id, column) has no parent (tenant_id, field) in
    `to`: dbt's relationships test, scoped to the tenant so that an id that
    happens to exist in another tenant never satisfies it. NULLs pass. -#}
{% test has_parent_in_tenant(model, column_name, to, field) %}

with

-- A CTE, not an alias: the model may come as a filtered subquery (get_where_subquery).
child as (
    select * from {{ model }}
)

select child.*
from child
left join {{ to }} as parent
    on child.tenant_id = parent.tenant_id
    and child.{{ column_name }} = parent.{{ field }}
where child.{{ column_name }} is not null
    and parent.{{ field }} is null

{% endtest %}

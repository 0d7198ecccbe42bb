{#- Spanish labels of the budget brain's codes, defined once for every mart
    that shows them (dashboards filter on the labels). -#}

{#- A model target or a plan objective: revenue, new_customers, ltv, net_value (the margin
    value of new customers net of the spend that buys them, docs/decisions/0053). -#}
{% macro mmm_objective_label(column) -%}
    case {{ column }}
        when 'revenue' then 'Ingresos'
        when 'new_customers' then 'Nuevos clientes'
        when 'ltv' then 'Valor de clientes (LTV)'
        when 'net_value' then 'Margen de escala'
        else {{ column }}
    end
{%- endmacro %}

{#- Every plan objective, in the order pages list them; the first a tenant has is its
    headline: margin net of spend, customer value, revenue, new customers. -#}
{% macro mmm_objectives() -%}
    {{ return(['net_value', 'ltv', 'revenue', 'new_customers']) }}
{%- endmacro %}

{% macro mmm_objective_rank(column) -%}
    case {{ column }}
        {%- for objective in mmm_objectives() %}
        when '{{ objective }}' then {{ loop.index }}
        {%- endfor %}
        else {{ mmm_objectives() | length + 1 }}
    end
{%- endmacro %}

{#- An objective's place among its tenant's objectives: 1 is the tenant's headline. -#}
{% macro mmm_objective_rank_in_tenant(column) -%}
    row_number() over (partition by tenant_id order by {{ mmm_objective_rank(column) }})
{%- endmacro %}

{#- Whether a plan objective is valued in the tenant's currency (revenue, ltv, net_value)
    rather than counted in customers (new_customers): how pages format its expected change. -#}
{% macro mmm_objective_is_money(column) -%}
    ({{ column }} <> 'new_customers')
{%- endmacro %}

{#- A component of the decomposition: channels keep their channel group name. -#}
{% macro mmm_component_label(component, component_kind) -%}
    case
        when {{ component_kind }} = 'channel' then {{ component }}
        when {{ component }} = 'baseline' then 'Base (tendencia y estacionalidad)'
        when {{ component }} = 'organic_search_clicks' then 'Búsqueda orgánica'
        when {{ component }} = 'public_holiday' then 'Feriados'
        when {{ component }} = 'commercial_event' then 'Eventos comerciales'
        else {{ component }}
    end
{%- endmacro %}

{#- A change of a plan's objective in words: money for revenue and ltv
    ('+$115.073 en ingresos esperados'), customers with one decimal for
    new_customers ('+1,0 clientes nuevos esperados'), in the locale of `currency`. Without `signed` only the
    number is written (for the bounds of an interval). -#}
{% macro budget_change_text(objective, value, currency, signed=true) -%}
    {%- set sign = "case when " ~ round_half_away(value, 1) ~ " > 0 then '+' else '' end || " if signed else "" -%}
    case {{ objective }}
        when 'new_customers' then {{ sign }}{{ format_number(value, 1, currency) }}
            {%- if signed %} || ' clientes nuevos esperados'{% endif %}
        else {{ sign }}{{ format_money(value, currency) }}
            {%- if signed %} || case {{ objective }}
                when 'ltv' then ' en valor de clientes esperado (LTV a 12 meses)'
                when 'net_value' then ' en margen neto de la inversión (12 meses)'
                else ' en ingresos esperados'
            end{% endif %}
    end
{%- endmacro %}

{#- What a plan changes, as the object of a sentence ("mejora los ingresos"). -#}
{% macro mmm_objective_noun(objective) -%}
    case {{ objective }}
        when 'new_customers' then 'los clientes nuevos'
        when 'ltv' then 'el valor de los clientes (LTV)'
        when 'net_value' then 'el margen neto de la inversión'
        else 'los ingresos'
    end
{%- endmacro %}

{#- What the next `per` of spend in a channel leaves in 12 months at today's spend, for a
    margin-valued objective: 'cada $100 más deja $130 de margen en 12 meses'. A figure above
    `per` pays for itself (docs/decisions/0053). -#}
{% macro budget_next_spend_text(marginal_return, currency, per=100) -%}
    ('cada ' || {{ format_money(per, currency) }} || ' más deja '
        || {{ format_money('(' ~ per ~ ' * ' ~ marginal_return ~ ')', currency) }}
        || ' de margen en 12 meses')
{%- endmacro %}

{#- The bounds of a change's 90 % interval: 'entre -$155.029 y $880.884'. Sentences
    put it after «con 90% de probabilidad,», which says what the interval means. -#}
{% macro budget_interval_text(objective, low, high, currency) -%}
    ('entre ' || {{ budget_change_text(objective, low, currency, signed=false) }}
        || ' y ' || {{ budget_change_text(objective, high, currency, signed=false) }})
{%- endmacro %}

{#- Whether the evidence tells a move's gain from nothing: the 90 % interval of
    the gain lies wholly above zero (docs/decisions/0050). -#}
{% macro budget_gain_is_distinguished(gain_low) -%}
    (coalesce({{ gain_low }}, 0) > 0)
{%- endmacro %}

{#- The experiment that would measure a channel (ml_assets/mmm/experiments.py),
    as a sentence whose subject is `subject` ('Apagarlo', 'Apagar Google Ads'). -#}
{% macro budget_experiment_text(subject, days, geo_days, is_feasible) -%}
    ({{ subject }} || ' '
        || cast({{ days }} as {{ dbt.type_string() }}) || ' días'
        || ' (o en la mitad de las regiones durante '
        || cast({{ geo_days }} as {{ dbt.type_string() }}) || ' días)'
        || case
            when {{ is_feasible }} then ' mediría su efecto con un error de ±25%.'
            else ' daría una primera medida (su efecto es pequeño frente al ruido de los datos).'
        end)
{%- endmacro %}

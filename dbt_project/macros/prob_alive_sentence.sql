{#-
    What a customer's P(alive) means, in one Spanish sentence a manager reads (doc block
    kpi_customer_value; decision 0047): a frequency among customers with the same history, and
    the purchase model that gave it. A bare "100 %" reads as a certainty about one person; it
    is the model's share of look-alike customers who are still active, and under BG/NBD a
    customer who never bought again is counted active by assumption, which the sentence says.
    Arguments are SQL expressions: model = 'bgnbd' or 'mbgnbd' (the run's purchase_model),
    prob_alive in [0, 1], repeat_purchases = the customer's repeat purchase days.
-#}
{% macro prob_alive_sentence(model, prob_alive, repeat_purchases) %}
    {%- set percent = round_half_away('100.0 * (' ~ prob_alive ~ ')', 0) %}
    case when {{ prob_alive }} is not null then
        'Según el modelo '
        || case {{ model }} when 'mbgnbd' then 'MBG/NBD' when 'bgnbd' then 'BG/NBD' else 'de compras' end
        || ', de cada 100 clientes con este historial, '
        || case
            when {{ prob_alive }} >= 1.0 then 'los 100 siguen comprando.'
            when {{ percent }} >= 100 then 'casi todos siguen comprando.'
            when {{ percent }} = 1 then 'uno sigue comprando.'
            when {{ percent }} = 0 then 'casi ninguno sigue comprando.'
            else 'unos ' || cast(cast({{ percent }} as integer) as {{ dbt.type_string() }})
                || ' siguen comprando.'
        end
        || case when {{ model }} = 'bgnbd' and {{ repeat_purchases }} = 0
            then ' Ese modelo da por activo a quien nunca volvió a comprar, por antigua que sea su única compra.'
            else ''
        end
    end
{% endmacro %}

{#- Table-driven test of prob_alive_sentence: each case is a purchase model, a probability and
    the customer's repeat purchase days, and the sentence a manager must read. The rounding
    edges (0.5 %, 99.5 %), the singular, and BG/NBD's one-time buyer are the cases a plain
    "unos N" would get wrong. -#}
{%- set cases = [
    ('mbgnbd_typical', "'mbgnbd'", '0.38', 3,
     'Según el modelo MBG/NBD, de cada 100 clientes con este historial, unos 38 siguen comprando.'),
    ('bgnbd_exact_half_rounds_up', "'bgnbd'", '0.625', 1,
     'Según el modelo BG/NBD, de cada 100 clientes con este historial, unos 63 siguen comprando.'),
    ('bgnbd_one_time_buyer_is_explained', "'bgnbd'", '1.0', 0,
     'Según el modelo BG/NBD, de cada 100 clientes con este historial, los 100 siguen comprando. Ese modelo da por activo a quien nunca volvió a comprar, por antigua que sea su única compra.'),
    ('mbgnbd_one_time_buyer_not_certain', "'mbgnbd'", '0.21', 0,
     'Según el modelo MBG/NBD, de cada 100 clientes con este historial, unos 21 siguen comprando.'),
    ('almost_all_below_one', "'mbgnbd'", '0.996', 5,
     'Según el modelo MBG/NBD, de cada 100 clientes con este historial, casi todos siguen comprando.'),
    ('singular', "'mbgnbd'", '0.012', 2,
     'Según el modelo MBG/NBD, de cada 100 clientes con este historial, uno sigue comprando.'),
    ('almost_none', "'bgnbd'", '0.004', 2,
     'Según el modelo BG/NBD, de cada 100 clientes con este historial, casi ninguno sigue comprando.'),
    ('null_stays_null', "'mbgnbd'", 'null', 2, none),
] -%}

with

cases as (
    {% for name, model, prob_alive, repeat_purchases, expected in cases -%}
    select
        '{{ name }}' as case_name,
        {{ prob_alive_sentence(model, 'cast(' ~ prob_alive ~ ' as ' ~ type_double() ~ ')', repeat_purchases) }} as actual,
        {{ "'" ~ expected ~ "'" if expected is not none else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as expected
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from cases

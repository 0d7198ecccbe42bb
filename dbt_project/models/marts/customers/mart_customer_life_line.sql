-- A customer's life line (the "Ficha de cliente" page): one row per thing that happened to
-- them, in order: every order they placed (with the services bought, the amount, its state
-- and rating) and every activation they entered (sent or held out as control). A view: the
-- page reads one customer at a time.
{{ config(materialized=view_or_table_on_spark(), post_hook="{{ security_invoker() }}") }}

with

orders as (
    select * from {{ ref('fct_orders') }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

activation_members as (
    select * from {{ ref('int_activation_members_assigned') }}
),

order_line_services as (
    -- Two lines of one service are one service bought.
    select distinct tenant_id, order_id, service_name
    from order_lines
),

order_services as (
    select
        order_line_services.tenant_id,
        order_line_services.order_id,
        {{ dbt.listagg('order_line_services.service_name', "', '", 'order by order_line_services.service_name') }}
            as services
    from order_line_services
    group by 1, 2
),

order_events as (
    select
        orders.tenant_id,
        orders.customer_id,
        orders.created_date as event_date,
        orders.created_at as event_at,
        'Compra' as event_type,
        orders.order_name as reference,
        order_services.services as detail,
        case
            when orders.is_valid then 'Válida'
            when orders.is_cancelled then 'Cancelada'
            else 'Sin pagar'
        end as status,
        orders.total_amount as amount,
        orders.refunded_amount,
        orders.rating
    from orders
    left join order_services
        on orders.tenant_id = order_services.tenant_id
        and orders.order_id = order_services.order_id
    where orders.customer_id is not null
),

activation_events as (
    select
        activation_members.tenant_id,
        activation_members.customer_id,
        activation_members.activation_date as event_date,
        activation_members.run_started_at as event_at,
        'Activación' as event_type,
        {{ activation_destination_label('activation_members.destination') }} as reference,
        activation_members.segment as detail,
        case when activation_members.is_treated then 'Enviada' else 'Grupo de control' end
            as status,
        cast(null as {{ type_amount() }}) as amount,
        cast(null as {{ type_amount() }}) as refunded_amount,
        cast(null as integer) as rating
    from activation_members
)

select * from order_events
union all
select * from activation_events

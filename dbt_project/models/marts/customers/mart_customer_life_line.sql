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

-- An order's row per distinct service bought (two lines of one service are one service).
-- The order's services are listed by grouping these rows by the order's own columns, the
-- customer among them, so that the page's one-customer filter reaches fct_orders first:
-- PostgreSQL pushes a filter on grouping columns into the grouping, where a per-order list
-- built apart and then joined made it aggregate every order line of the tenant (1.4 s a
-- customer at the large benchmark).
order_line_services as (
    select distinct
        orders.tenant_id,
        orders.customer_id,
        orders.order_id,
        orders.order_name,
        orders.created_date,
        orders.created_at,
        orders.is_valid,
        orders.is_cancelled,
        orders.total_amount,
        orders.refunded_amount,
        orders.rating,
        order_lines.service_name
    from orders
    left join order_lines
        on orders.tenant_id = order_lines.tenant_id
        and orders.order_id = order_lines.order_id
    where orders.customer_id is not null
),

order_events as (
    select
        order_line_services.tenant_id,
        order_line_services.customer_id,
        order_line_services.created_date as event_date,
        order_line_services.created_at as event_at,
        'Compra' as event_type,
        order_line_services.order_name as reference,
        {{ dbt.listagg('order_line_services.service_name', "', '", 'order by order_line_services.service_name') }}
            as detail,
        case
            when order_line_services.is_valid then 'Válida'
            when order_line_services.is_cancelled then 'Cancelada'
            else 'Sin pagar'
        end as status,
        order_line_services.total_amount as amount,
        order_line_services.refunded_amount,
        order_line_services.rating
    from order_line_services
    group by
        order_line_services.tenant_id,
        order_line_services.customer_id,
        order_line_services.order_id,
        order_line_services.order_name,
        order_line_services.created_date,
        order_line_services.created_at,
        order_line_services.is_valid,
        order_line_services.is_cancelled,
        order_line_services.total_amount,
        order_line_services.refunded_amount,
        order_line_services.rating
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

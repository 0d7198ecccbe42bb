{#- The editable channel_mapping rules, one home for every model that gives traffic a channel
    group (the store's touchpoints, GA4's sessions). -#}

{#- The select of each distinct (utm_source, utm_medium, referring_domain) of `rows` with the
    channel group of its matching rule of lowest priority (NULL when none matches). Rules are
    matched once per combination, not once per row: millions of rows share a few hundred
    combinations, and matching is a join on nullable patterns that cannot be hashed. -#}
{% macro channel_rule_matches(rows, rules) -%}
    select
        ranked_matches.utm_source,
        ranked_matches.utm_medium,
        ranked_matches.referring_domain,
        ranked_matches.matched_channel_group
    from (
        select
            combinations.utm_source,
            combinations.utm_medium,
            combinations.referring_domain,
            {{ rules }}.channel_group as matched_channel_group,
            row_number() over (
                partition by combinations.utm_source, combinations.utm_medium,
                    combinations.referring_domain
                order by {{ rules }}.priority
            ) as match_rank
        from (
            select distinct utm_source, utm_medium, referring_domain from {{ rows }}
        ) as combinations
        left join {{ rules }}
            on ({{ rules }}.utm_source is null or {{ rules }}.utm_source = combinations.utm_source)
            and ({{ rules }}.utm_medium is null or {{ rules }}.utm_medium = combinations.utm_medium)
            and (
                {{ rules }}.referring_domain is null
                or {{ rules }}.referring_domain = combinations.referring_domain
            )
    ) as ranked_matches
    where ranked_matches.match_rank = 1
{%- endmacro %}

{#- A row's channel group from its channel_rule_matches row `matches` (joined with
    channel_rule_join): no source, medium or referring site at all is 'Directo', information
    no rule matches 'Otro'. -#}
{% macro channel_group_of(row, matches) -%}
    case
        when {{ row }}.utm_source is null
            and {{ row }}.utm_medium is null
            and {{ row }}.referring_domain is null
            then 'Directo'
        else coalesce({{ matches }}.matched_channel_group, 'Otro')
    end
{%- endmacro %}

{#- The join condition of a row with its channel_rule_matches row: NULL-safe equality written
    as hashable equalities (a coalesced value and its NULL flag), as PostgreSQL cannot
    hash-join on `is not distinct from`. -#}
{% macro channel_rule_join(row, matches) -%}
    {%- for column in ['utm_source', 'utm_medium', 'referring_domain'] %}
        {{ 'and ' if not loop.first }}coalesce({{ row }}.{{ column }}, '') = coalesce({{ matches }}.{{ column }}, '')
        and ({{ row }}.{{ column }} is null) = ({{ matches }}.{{ column }} is null)
    {%- endfor %}
{%- endmacro %}

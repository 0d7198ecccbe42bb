-- The RFM segment of every (r_score, f_score) pair (KPIS.md, Segmentación),
-- from the editable rfm_segments seed, in the marts schema: dashboards read
-- the marts only, and score customers as of any date with it.
with

rfm_segments as (
    select * from {{ ref('rfm_segments') }}
)

select
    cast(r_score as integer) as r_score,
    cast(f_score as integer) as f_score,
    segment
from rfm_segments

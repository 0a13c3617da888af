-- 州外 industry funds by industry (亿元), all counties together, cumulative to the report month:
-- an industry group's funds are the sum over the industries of its scope.
with funds as (
    select
        f.industry,
        f.out_pref_yi
    from fact_stats_funds as f
    inner join current_submission as c on c.id = f.submission_id
    where c.period = :period
)

select
    industry,
    sum(out_pref_yi) as out_pref
from funds
group by industry
order by industry

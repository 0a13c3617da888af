-- 州外 industry funds by county (亿元) from the report month's counted statistics, for checking
-- the self-reported 附件4 funds against them.
with funds as (
    select
        f.county,
        f.out_pref_yi
    from fact_stats_funds as f
    inner join current_submission as c on c.id = f.submission_id
    where c.period = :period
)

select county, sum(out_pref_yi) as out_pref
from funds
group by county

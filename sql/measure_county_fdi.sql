-- 实际利用外资 by county (万美元), cumulative to the report month.
with fdi as (
    select
        f.county,
        f.fdi_wan_usd
    from fact_stats_fdi as f
    inner join current_submission as c on c.id = f.submission_id
    where c.period = :period
)

select
    county,
    sum(fdi_wan_usd) as fdi
from fdi
group by county
order by county

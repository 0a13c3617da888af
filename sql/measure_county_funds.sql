-- 州外 and 省外 industry funds by county (亿元), cumulative to the report month, with the
-- prior year's same period, from the current 国内合作 statistics submission of that month.
with funds as (
    select
        f.county,
        f.out_pref_yi,
        f.out_pref_prior_yi,
        f.out_prov_yi,
        f.out_prov_prior_yi
    from fact_stats_funds as f
    inner join current_submission as c on c.id = f.submission_id
    where c.period = :period
)

select
    county,
    sum(out_pref_yi) as out_pref,
    sum(out_pref_prior_yi) as out_pref_prior,
    sum(out_prov_yi) as out_prov,
    sum(out_prov_prior_yi) as out_prov_prior
from funds
group by county
order by county

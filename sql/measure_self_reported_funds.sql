-- 州外到位资金 self-reported on 附件4 (亿元), cumulative to the report month, by unit.
with funds as (
    select
        c.unit,
        f.funds_yi
    from fact_a4 as f
    inner join current_submission as c on c.id = f.submission_id
    where c.period = :period
)

select
    unit,
    sum(funds_yi) as funds
from funds
group by unit
order by unit

-- Self-organised activities (附件5) that started between the start and end dates, read in the
-- year's reports up to the period's last report month, one row per activity and submitting unit,
-- with what they count as; joint activities are shared out in Python (D17).
with activities as (
    select distinct
        c.unit,
        f.activity,
        f.dates_start,
        f.lead_unit,
        f.leader_rank,
        f.out_of_province,
        f.qualifies
    from fact_a5 as f
    inner join current_submission as c on c.id = f.submission_id
    where c.period >= :first_period
      and c.period <= :period
      and f.dates_start >= :start
      and f.dates_start <= :end
)

select
    unit,
    activity,
    dates_start,
    lead_unit,
    leader_rank,
    out_of_province,
    qualifies
from activities
order by unit, dates_start, activity

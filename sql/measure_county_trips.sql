-- Counties' trips that started between the start and end dates (ISO), by leader kind and scope,
-- read in the year's reports up to the period's last report month; a trip reported in more than
-- one month counts once (D16).
with trips as (
    select distinct
        c.unit,
        f.trip,
        f.dates_start,
        f.leader_kind,
        f.scope
    from fact_ledger_trips as f
    inner join current_submission as c on c.id = f.submission_id
    where c.period >= :first_period
      and c.period <= :period
      and f.dates_start >= :start
      and f.dates_start <= :end
)

select
    unit,
    leader_kind,
    scope,
    count(*) as trips
from trips
group by unit, leader_kind, scope
order by unit, leader_kind, scope

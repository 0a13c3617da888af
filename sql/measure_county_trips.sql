-- Counties' trips that started between the start and end dates (ISO), by leader kind and scope;
-- a trip reported in more than one month counts once.
with trips as (
    select distinct
        c.unit,
        f.trip,
        f.dates_start,
        f.leader_kind,
        f.scope
    from fact_ledger_trips as f
    inner join current_submission as c on c.id = f.submission_id
    where f.dates_start >= :start
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

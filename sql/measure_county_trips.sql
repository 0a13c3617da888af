-- Counties' trips that started between the start and end dates (ISO), one row per trip as
-- written, read in the year's reports up to the period's last report month (D16); the same trip
-- written the same way in several months is one row, and spellings are matched in Python (D17).
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
    trip,
    dates_start,
    leader_kind,
    scope
from trips
order by unit, dates_start, trip

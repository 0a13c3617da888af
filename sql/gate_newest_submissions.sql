-- Each sender's counted version of each workbook of a report month (its newest accepted version,
-- as current_submission counts it; else its newest version) and whether it was accepted: what the
-- inputs gate checks before a period is scored.
with ranked as (
    select
        unit,
        workbook,
        version,
        status,
        row_number() over (
            partition by unit, workbook
            order by case when status = 'accepted' then 0 else 1 end, version desc
        ) as newest_first
    from submission
    where period = :period
      and unit is not null
      and workbook is not null
)

select unit, workbook, version, status
from ranked
where newest_first = 1
order by unit, workbook

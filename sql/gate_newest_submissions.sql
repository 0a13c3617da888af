-- Each sender's newest version of each workbook of a report month and whether it was accepted:
-- what the inputs gate checks before a period is scored.
with ranked as (
    select
        unit,
        workbook,
        version,
        status,
        row_number() over (
            partition by unit, workbook
            order by version desc
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

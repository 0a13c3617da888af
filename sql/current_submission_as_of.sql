-- What counted at a moment in the past: each unit's newest accepted version of each workbook and
-- period among the submissions loaded up to that moment (an ISO timestamp).
with loaded as (
    select
        id,
        unit,
        workbook,
        period,
        version,
        row_number() over (
            partition by unit, workbook, period
            order by version desc
        ) as newest_first
    from submission
    where status = 'accepted'
      and loaded_at <= :as_of
)

select id, unit, workbook, period, version
from loaded
where newest_first = 1
order by unit, workbook, period

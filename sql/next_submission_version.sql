-- The version a new submission of a unit's workbook for a period takes: one after the last.
with earlier as (
    select version
    from submission
    where unit = :unit
      and workbook = :workbook
      and period = :period
)

select coalesce(max(version), 0) + 1 as next_version
from earlier

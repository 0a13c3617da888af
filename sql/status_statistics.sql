-- The submissions of one statistics workbook for a report month or before, newest month and
-- version first: which month's statistics the office holds, and from whom.
select unit, workbook, period, version, status, late, received_at, filename
from submission
where workbook = :workbook
  and period <= :period
order by period desc, version desc

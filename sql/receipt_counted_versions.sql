-- The version that counts for each unit's workbook and period after a run's load: a receipt for
-- a rejected correction says which earlier accepted version still stands.
select unit, workbook, period, version
from current_submission
where period >= :first_period
  and period <= :last_period
order by unit, workbook, period

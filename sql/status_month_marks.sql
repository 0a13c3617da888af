-- Whether a run has dealt with a report month: it recorded the month's status mail, or some
-- submission for the month.
with marks as (
    select period from notice
    where kind = 'status' and period = :period
    union all
    select period from submission
    where period = :period
)

select count(*) as n
from marks

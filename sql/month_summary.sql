-- One month at a glance: submissions received, accepted and rejected, and fact rows loaded.
with month_submissions as (
    select status, rows_loaded
    from submission
    where period = :period
)

select
    count(*) as received,
    coalesce(sum(case when status = 'accepted' then 1 else 0 end), 0) as accepted,
    coalesce(sum(case when status = 'rejected' then 1 else 0 end), 0) as rejected,
    coalesce(sum(rows_loaded), 0) as rows_loaded
from month_submissions

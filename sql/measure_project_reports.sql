-- Every 附件3 project report of the year up to the report month, oldest first, so each project's
-- first and latest stage can be read off.
with reports as (
    select
        c.unit,
        f.project_name,
        c.period,
        f.stage,
        f.investment_yi
    from fact_a3 as f
    inner join current_submission as c on c.id = f.submission_id
    where c.period >= :first_period
      and c.period <= :period
)

select
    unit,
    project_name,
    period,
    stage,
    investment_yi
from reports
order by unit, project_name, period

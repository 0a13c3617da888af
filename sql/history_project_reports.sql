-- Each unit's counted 附件3 reports of the year before the report month: the history that a new
-- report is compared with (first reports, stages, projects that vanish).
with reports as (
    select
        c.unit,
        c.period,
        f.project_name,
        f.stage
    from fact_a3 as f
    inner join current_submission as c on c.id = f.submission_id
    where c.period >= :first_period
      and c.period < :period
)

select unit, period, project_name, stage
from reports
order by unit, period

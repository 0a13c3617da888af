-- Each unit's 附件3 projects of the year up to the report month, once each (D14, D15). A project
-- is its project_key (the name as compared) within the unit, read in every report of the year up
-- to the period's report month, whatever later reports say of it: it counts as 在谈 ≥5亿 when a
-- report gave it as 在谈 at 5亿元 or more; as newly signed when a report gave it at 已签约 or a
-- later stage, unless its first report of the year (within a month, the first line) was
-- January's (the year's baseline inventory) at a stage past 在谈; its signed size is the largest
-- amount reported at a signed stage.
with reports as (
    select
        c.unit,
        f.project_key,
        c.period,
        f.sheet,
        f.excel_row,
        f.stage,
        round(coalesce(f.investment_yi, 0), 6) as investment_yi
    from fact_a3 as f
    inner join current_submission as c on c.id = f.submission_id
    where c.period >= :first_period
      and c.period <= :period
      and f.project_key is not null
),

projects as (
    -- one line per project, every value read off the same ordered window (one sort): its first
    -- report's stage and month, and its largest amounts reported 在谈 and at a signed stage
    select
        unit,
        first_value(stage) over reports_in_order as first_stage,
        first_value(period) over reports_in_order as first_period,
        max(case when stage = :talks then investment_yi end) over reports_in_order as talks_yi,
        max(
            case when stage in (:signed, :started, :completed, :producing) then investment_yi end
        ) over reports_in_order as signed_yi,
        row_number() over reports_in_order as line
    from reports
    window reports_in_order as (
        partition by unit, project_key
        order by period, sheet, excel_row
        rows between unbounded preceding and unbounded following
    )
),

counted as (
    select
        unit,
        case when talks_yi >= 5 then 1 else 0 end as talks_5yi,
        case
            when first_stage <> :talks and first_period = :first_period then 0
            when signed_yi >= 10 then 10
            when signed_yi >= 5 then 5
            else 0
        end as new_signed_yi
    from projects
    where line = 1
)

select
    unit,
    sum(talks_5yi) as talks_5yi,
    sum(case when new_signed_yi >= 5 then 1 else 0 end) as new_signed_5yi,
    sum(case when new_signed_yi >= 10 then 1 else 0 end) as new_signed_10yi
from counted
group by unit
order by unit

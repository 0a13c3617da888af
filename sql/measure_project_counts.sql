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

firsts as (
    select
        unit,
        project_key,
        first_value(stage) over reports_in_order as first_stage,
        first_value(period) over reports_in_order as first_period,
        row_number() over reports_in_order as line
    from reports
    window reports_in_order as (
        partition by unit, project_key
        order by period, sheet, excel_row
        rows between unbounded preceding and unbounded following
    )
),

projects as (
    select
        r.unit,
        r.project_key,
        max(case when r.stage = :talks then r.investment_yi end) as talks_yi,
        max(
            case when r.stage in (:signed, :started, :completed, :producing) then r.investment_yi end
        ) as signed_yi
    from reports as r
    group by r.unit, r.project_key
),

counted as (
    select
        p.unit,
        case when p.talks_yi >= 5 then 1 else 0 end as talks_5yi,
        case
            when f.first_stage <> :talks and f.first_period = :first_period then 0
            when p.signed_yi >= 10 then 10
            when p.signed_yi >= 5 then 5
            else 0
        end as new_signed_yi
    from projects as p
    inner join firsts as f
        on f.unit = p.unit
        and f.project_key = p.project_key
        and f.line = 1
)

select
    unit,
    sum(talks_5yi) as talks_5yi,
    sum(case when new_signed_yi >= 5 then 1 else 0 end) as new_signed_5yi,
    sum(case when new_signed_yi >= 10 then 1 else 0 end) as new_signed_10yi
from counted
group by unit
order by unit

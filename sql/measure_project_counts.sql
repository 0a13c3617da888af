-- Each unit's 附件3 projects still reported in the report month, counted by latest stage, by
-- whether the project is new this year and by size. A project is its project_key (the name as
-- compared) within the unit; its first report is the earliest of the year (within a month, the
-- first line) and its latest the last line of the latest month. It is new unless its first
-- report was January's (the year's baseline inventory) at a stage past 在谈.
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
    -- one line per project: its first report's stage and month, its latest report's stage,
    -- month and amount (one sort: every value is read off the same ordered window)
    select
        unit,
        first_value(stage) over reports_in_order as first_stage,
        first_value(period) over reports_in_order as first_period,
        last_value(stage) over reports_in_order as stage,
        last_value(period) over reports_in_order as period,
        last_value(investment_yi) over reports_in_order as investment_yi,
        row_number() over reports_in_order as line
    from reports
    window reports_in_order as (
        partition by unit, project_key
        order by period, sheet, excel_row
        rows between unbounded preceding and unbounded following
    )
),

latest as (
    select
        unit,
        stage,
        investment_yi,
        case when first_stage = :talks or first_period <> :first_period then 1 else 0 end as is_new
    from projects
    where line = 1
      and period = :period
)

select
    unit,
    stage,
    is_new,
    case
        when investment_yi >= 10 then 10
        when investment_yi >= 5 then 5
        else 0
    end as size_yi,
    count(*) as projects
from latest
group by unit, stage, is_new, size_yi
order by unit, stage, is_new, size_yi

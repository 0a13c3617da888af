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

ranked as (
    select
        unit,
        project_key,
        period,
        stage,
        investment_yi,
        row_number() over (
            partition by unit, project_key order by period, sheet, excel_row
        ) as from_first,
        row_number() over (
            partition by unit, project_key order by period desc, sheet desc, excel_row desc
        ) as from_latest
    from reports
),

latest as (
    select unit, project_key, stage, investment_yi
    from ranked
    where from_latest = 1
      and period = :period
),

first_reports as (
    select
        unit,
        project_key,
        case when stage = :talks or period <> :first_period then 1 else 0 end as is_new
    from ranked
    where from_first = 1
)

select
    l.unit,
    l.stage,
    f.is_new,
    case
        when l.investment_yi >= 10 then 10
        when l.investment_yi >= 5 then 5
        else 0
    end as size_yi,
    count(*) as projects
from latest as l
inner join first_reports as f on f.unit = l.unit and f.project_key = l.project_key
group by l.unit, l.stage, f.is_new, size_yi
order by l.unit, l.stage, f.is_new, size_yi

-- Counties' new signings that count in the period between the start and end dates (ISO), by
-- size. A signing is its project_key (the name as compared) within the unit, read in the year's
-- reports up to the period's last report month: it counts once, in the period of its earliest
-- signing date, at the largest amount any of those reports gives it (D13).
with reports as (
    select
        c.unit,
        f.project_key,
        f.signed_on,
        f.investment_yi
    from fact_ledger_signings as f
    inner join current_submission as c on c.id = f.submission_id
    where c.period >= :first_period
      and c.period <= :period
      and f.project_key is not null
),

signings as (
    select
        unit,
        project_key,
        min(signed_on) as signed_on,
        max(round(coalesce(investment_yi, 0), 6)) as investment_yi
    from reports
    group by unit, project_key
)

select
    unit,
    count(*) as signed,
    sum(case when investment_yi >= 1 then 1 else 0 end) as signed_1yi,
    sum(case when investment_yi >= 5 then 1 else 0 end) as signed_5yi,
    sum(case when investment_yi >= 10 then 1 else 0 end) as signed_10yi
from signings
where signed_on >= :start
  and signed_on <= :end
group by unit
order by unit

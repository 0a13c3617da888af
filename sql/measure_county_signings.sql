-- Counties' new signings between the start and end dates (ISO) by size; a project reported in more
-- than one month counts once, at its largest reported amount.
with signings as (
    select
        c.unit,
        f.project_name,
        max(f.investment_yi) as investment_yi
    from fact_ledger_signings as f
    inner join current_submission as c on c.id = f.submission_id
    where f.signed_on >= :start
      and f.signed_on <= :end
    group by c.unit, f.project_name
)

select
    unit,
    count(*) as signed,
    sum(case when investment_yi >= 1 then 1 else 0 end) as signed_1yi,
    sum(case when investment_yi >= 5 then 1 else 0 end) as signed_5yi,
    sum(case when investment_yi >= 10 then 1 else 0 end) as signed_10yi
from signings
group by unit
order by unit

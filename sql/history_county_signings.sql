-- Each county's counted new-signing lines of the year before the report month, with the sheet and
-- row they were reported in: a project signed again in a later month is flagged against them.
with signings as (
    select
        c.unit,
        c.period,
        f.sheet,
        f.excel_row,
        f.project_name
    from fact_ledger_signings as f
    inner join current_submission as c on c.id = f.submission_id
    where c.period >= :first_period
      and c.period < :period
)

select unit, period, sheet, excel_row, project_name
from signings
order by unit, period, excel_row

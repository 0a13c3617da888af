-- Every submission of a report month with its problems (one row per problem, or one row with no
-- problem), oldest version first: the office's monthly status.
with month as (
    select id, unit, workbook, period, version, status, late, received_at, filename
    from submission
    where period = :period
)

select
    s.unit,
    s.workbook,
    s.period,
    s.version,
    s.status,
    s.late,
    s.received_at,
    s.filename,
    p.seq,
    p.rule,
    p.severity,
    p.sheet,
    p.row,
    p.col,
    p.header,
    p.value,
    p.message,
    p.fix
from month as s
left join problem as p on p.submission_id = s.id
order by s.unit, s.workbook, s.version, p.seq

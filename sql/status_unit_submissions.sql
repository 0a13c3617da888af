-- Every submission one unit ever sent, with its problems, month by month and oldest version
-- first: the unit's history for the office.
with mine as (
    select id, unit, workbook, period, version, status, late, received_at, filename
    from submission
    where unit = :unit
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
from mine as s
left join problem as p on p.submission_id = s.id
order by s.period, s.workbook, s.version, p.seq

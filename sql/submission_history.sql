-- Every version a unit sent of its workbooks for a period, with where each came from: the
-- office's answer to "what did it report, and what did it resubmit".
with versions as (
    select
        s.id,
        s.workbook,
        s.version,
        s.status,
        s.late,
        s.received_at,
        s.rows_loaded,
        s.filename,
        m.sender,
        m.subject,
        m.message_id
    from submission as s
    inner join message as m on m.raw_sha256 = s.message_sha256
    where s.unit = :unit
      and s.period = :period
)

select
    id,
    workbook,
    version,
    status,
    late,
    received_at,
    rows_loaded,
    filename,
    sender,
    subject,
    message_id
from versions
order by workbook, version

-- The submissions of those messages, each with the attachment it was read from.
select
    s.id,
    s.message_sha256,
    s.unit,
    s.workbook,
    s.period,
    s.version,
    s.late,
    s.received_at,
    s.sheets,
    a.sha256,
    a.filename,
    a.name_flagged,
    a.kind,
    a.size,
    a.stored_path,
    a.origin,
    m.sender
from submission as s
inner join message as m on m.raw_sha256 = s.message_sha256
inner join attachment as a
    on a.message_sha256 = s.message_sha256 and a.sha256 = s.attachment_sha256
where m.noticed_at is null
order by s.message_sha256, s.id

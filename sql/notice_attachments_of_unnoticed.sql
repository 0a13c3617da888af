-- The attachments of messages whose receipts were never queued.
select
    a.message_sha256,
    a.sha256,
    a.filename,
    a.name_flagged,
    a.kind,
    a.size,
    a.stored_path,
    a.origin
from attachment as a
inner join message as m on m.raw_sha256 = a.message_sha256
where m.noticed_at is null
order by a.message_sha256, a.filename

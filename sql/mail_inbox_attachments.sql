-- The attachments of every recorded message, with the submission each form became.
select
    a.message_sha256,
    a.sha256,
    a.filename,
    a.name_flagged,
    a.kind,
    a.size,
    a.origin,
    s.id as submission_id,
    s.status
from attachment as a
left join submission as s
    on s.message_sha256 = a.message_sha256 and s.attachment_sha256 = a.sha256
order by a.message_sha256, a.filename

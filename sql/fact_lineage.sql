-- Where one 附件3 fact row came from: submission, attachment (stored by hash) and message.
with fact as (
    select submission_id, sheet, excel_row
    from fact_a3
    where submission_id = :submission_id
      and excel_row = :excel_row
)

select
    f.sheet,
    f.excel_row,
    s.version,
    a.filename,
    a.sha256 as attachment_sha256,
    a.stored_path,
    m.raw_sha256 as message_sha256,
    m.raw_path,
    m.sender,
    m.message_id
from fact as f
inner join submission as s on s.id = f.submission_id
inner join attachment as a
    on a.message_sha256 = s.message_sha256
    and a.sha256 = s.attachment_sha256
inner join message as m on m.raw_sha256 = s.message_sha256

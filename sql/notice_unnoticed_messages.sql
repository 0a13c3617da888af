-- Recorded messages whose receipts were never queued (a run stopped before its notices).
select
    raw_sha256,
    source_key,
    message_id,
    sender,
    display_from,
    subject,
    sent_at,
    received_at,
    raw_path,
    unit,
    state,
    reasons
from message
where noticed_at is null
order by processed_at, raw_sha256

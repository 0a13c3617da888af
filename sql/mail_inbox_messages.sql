-- Every recorded message with its submissions' periods, for the office's inbox listing;
-- processed_at (when it landed) places mail that says neither Received: nor Date:.
select
    m.raw_sha256,
    m.message_id,
    m.sender,
    m.display_from,
    m.subject,
    m.received_at,
    m.unit,
    m.state,
    m.reasons,
    m.raw_path,
    m.processed_at,
    s.period
from message as m
left join submission as s on s.message_sha256 = m.raw_sha256
order by m.received_at, m.raw_sha256

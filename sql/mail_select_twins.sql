-- Recorded messages with a given Message-ID, with each one's attachment hashes.
select
    m.raw_sha256,
    a.sha256
from message as m
left join attachment as a on a.message_sha256 = m.raw_sha256
where m.message_id = :message_id

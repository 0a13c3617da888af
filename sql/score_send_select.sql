-- Every ledger row of one circulated version, oldest recipient first.
select period, number, recipient, content_sha256, unit, state, attempts, message_id, error,
    updated_at
from score_send
where period = :period and number = :number
order by recipient, content_sha256

-- One recipient's row of a circulated version: pending before sending, then sent or failed.
insert into score_send (
    period, number, recipient, content_sha256, unit, state, attempts, message_id, error,
    updated_at
)
values (
    :period, :number, :recipient, :content_sha256, :unit, :state, :attempts, :message_id,
    :error, :updated_at
)
on conflict (period, number, recipient, content_sha256) do update set
    state = excluded.state,
    attempts = excluded.attempts,
    message_id = excluded.message_id,
    error = excluded.error,
    updated_at = excluded.updated_at

-- A notice enters the ledger as pending, with its composed mail; a key queued before stays.
insert into notice (
    key, unit, period, kind, recipients, subject, message_id, state, raw, queued_at, attempts
)
values (
    :key, :unit, :period, :kind, :recipients, :subject, :message_id, 'pending', :raw, :queued_at, 0
)
on conflict (key) do nothing

-- The ledger row of one message; a message seen again keeps its first record.
insert into message (
    raw_sha256, source_key, message_id, sender, display_from, subject,
    sent_at, received_at, raw_path, unit, state, reasons, processed_at
)
values (
    :raw_sha256, :source_key, :message_id, :sender, :display_from, :subject,
    :sent_at, :received_at, :raw_path, :unit, :state, :reasons, :processed_at
)
on conflict (raw_sha256) do nothing

-- The ledger row of one IMAP message, committed before the message is flagged or moved.
insert into mail_ledger (
    mailbox, uidvalidity, uid, message_id, raw_sha256, size, attachments, state, recorded_at
)
values (
    :mailbox, :uidvalidity, :uid, :message_id, :raw_sha256, :size, :attachments, :state,
    :recorded_at
)
on conflict (mailbox, uidvalidity, uid) do nothing

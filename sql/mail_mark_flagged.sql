-- The server now holds the processed flag (or the move) of this message.
update mail_ledger
set flagged_at = :flagged_at
where mailbox = :mailbox
  and uidvalidity = :uidvalidity
  and uid = :uid

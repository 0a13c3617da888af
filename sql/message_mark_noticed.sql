-- The message's receipts are queued in the notice ledger: no later run composes them again.
update message
set noticed_at = :noticed_at
where raw_sha256 = :raw_sha256
  and noticed_at is null

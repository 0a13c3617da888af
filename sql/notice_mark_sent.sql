-- The server accepted the notice (or its outbox file is on disk): sent, its mail let go.
update notice
set state = 'sent', ref = :ref, sent_at = :sent_at, raw = null, last_error = null,
    attempts = attempts + 1
where key = :key
  and state = 'pending'

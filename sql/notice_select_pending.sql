-- Notices queued and not yet accepted by the server or written to the outbox, oldest first.
select key, recipients
from notice
where state = 'pending'
order by queued_at, key

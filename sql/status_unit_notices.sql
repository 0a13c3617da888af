-- Every notice sent to one unit (its receipts), oldest first.
select key, period, kind, recipients, subject, sent_at
from notice
where unit = :unit
order by sent_at, key

-- The composed mail of one pending notice, read just before it is sent.
select raw
from notice
where key = :key
  and state = 'pending'

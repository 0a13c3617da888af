-- Notices already sent.
select key
from notice

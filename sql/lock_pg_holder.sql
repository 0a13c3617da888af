-- PostgreSQL only: the session holding the home's run lock, as it named itself.
select
    a.application_name,
    a.pid,
    a.backend_start
from pg_locks as l
inner join pg_stat_activity as a on a.pid = l.pid
where l.locktype = 'advisory'
  and cast(l.classid as bigint) = :classid
  and cast(l.objid as bigint) = :objid
  and l.objsubid = 2
  and l.granted

-- The problems of those submissions, in the order they were found.
select
    p.submission_id,
    p.rule,
    p.message,
    p.severity,
    p.sheet,
    p.row,
    p.col,
    p.header,
    p.value,
    p.fix,
    p.item
from problem as p
inner join submission as s on s.id = p.submission_id
inner join message as m on m.raw_sha256 = s.message_sha256
where m.noticed_at is null
order by p.submission_id, p.seq

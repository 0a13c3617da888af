-- A period's scoring runs, newest first, each with its circulation (第N版) when it was circulated.
select
    r.period,
    r.version,
    r.rules_version,
    r.rules_hash,
    r.inputs_hash,
    r.source,
    r.basis,
    r.scored_at,
    r.gaps,
    c.number as circulated,
    c.circulated_at
from score_run as r
left join score_circulation as c on c.period = r.period and c.version = r.version
where r.period = :period
order by r.version desc

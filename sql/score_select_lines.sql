-- The audit lines of one scoring run.
select
    unit,
    indicator,
    category,
    seq,
    measure,
    target,
    eligibility,
    place,
    method,
    params,
    ineligible_when,
    weight,
    points,
    rule_version,
    inputs_hash,
    figures
from score_line
where period = :period and version = :version
order by seq, unit

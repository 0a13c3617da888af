-- A period's scoring runs, newest first.
select period, version, rules_version, rules_hash, inputs_hash, source, basis, scored_at
from score_run
where period = :period
order by version desc

-- One approval request by the run that asked.
select run_id, period, version, state, opinion, number, requested_at, decided_at
from score_approval
where run_id = :run_id

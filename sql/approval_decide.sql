-- The office's decision, written once: a request already decided is left as it was.
update score_approval
set state = :state, opinion = :opinion, decided_at = :decided_at
where run_id = :run_id and state = 'waiting'

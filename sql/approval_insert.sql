-- A new approval request: the draft the office is shown, waiting for its decision.
insert into score_approval (run_id, period, version, state, requested_at)
values (:run_id, :period, :version, 'waiting', :requested_at)

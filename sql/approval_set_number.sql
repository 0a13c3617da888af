-- The version an approved request locked (第N版).
update score_approval
set number = :number
where run_id = :run_id and state = 'approved'

-- A try that failed: the notice stays pending for the next try, with the reason.
update notice
set attempts = attempts + 1, last_error = :error
where key = :key
  and state = 'pending'

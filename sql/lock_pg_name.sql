-- PostgreSQL only: name this session after the run, so a waiting run can say who holds the lock.
select set_config('application_name', :name, false)

-- A message whose forms are for a later month than the run's; that month's run will take it.
insert into deferral (raw_sha256, period)
values (:raw_sha256, :period)
on conflict (raw_sha256) do nothing

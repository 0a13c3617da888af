-- A message whose forms are for a later month than the run's; that month's run will take it.
insert into deferral (raw_sha256, period, source_key)
values (:raw_sha256, :period, :source_key)
on conflict (raw_sha256) do nothing

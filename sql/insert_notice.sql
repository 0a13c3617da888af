-- A notice once sent is recorded by its key, so a rerun does not send it again.
insert into notice (key, unit, period, kind, recipients, subject, ref, sent_at)
values (:key, :unit, :period, :kind, :recipients, :subject, :ref, :sent_at)
on conflict (key) do nothing

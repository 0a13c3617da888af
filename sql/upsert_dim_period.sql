-- A month, quarter or year with its first and last day.
insert into dim_period (key, kind, year, quarter, month, start_date, end_date)
values (:key, :kind, :year, :quarter, :month, :start_date, :end_date)
on conflict (key) do nothing

-- An industry of the statistics and, for the year, the industry group whose scope holds it.
insert into dim_industry (year, industry, group_unit)
values (:year, :industry, :group_unit)
on conflict (year, industry) do update set
    group_unit = excluded.group_unit

-- One unit's total of one kind (total, annual, year, or a quarter the year used).
insert into score_total (period, version, unit, category, kind, seq, points, rank)
values (:period, :version, :unit, :category, :kind, :seq, :points, :rank)

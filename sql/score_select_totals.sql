-- The unit totals of one scoring run, in display order.
select unit, category, kind, seq, points, rank
from score_total
where period = :period and version = :version
order by seq, kind

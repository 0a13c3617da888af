-- One problem of a submission, located to its sheet, row and column, naming the row's item.
insert into problem (
    submission_id, seq, rule, severity, sheet, row, col, header, value, message, fix, item
)
values (
    :submission_id, :seq, :rule, :severity, :sheet, :row, :col, :header, :value, :message, :fix,
    :item
)
on conflict (submission_id, seq) do nothing

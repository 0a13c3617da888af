-- One problem of a submission, located to its sheet, row and column.
insert into problem (
    submission_id, seq, rule, severity, sheet, row, col, header, value, message, fix
)
values (
    :submission_id, :seq, :rule, :severity, :sheet, :row, :col, :header, :value, :message, :fix
)
on conflict (submission_id, seq) do nothing

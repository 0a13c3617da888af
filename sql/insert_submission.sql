-- One submission; the same message and attachment never make a second one.
insert into submission (
    id, message_sha256, attachment_sha256, filename, unit, workbook, period,
    version, status, late, received_at, rows_loaded, loaded_at, sheets
)
values (
    :id, :message_sha256, :attachment_sha256, :filename, :unit, :workbook, :period,
    :version, :status, :late, :received_at, :rows_loaded, :loaded_at, :sheets
)
on conflict (id) do nothing

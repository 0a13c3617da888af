-- A form and the workbook and sheet it lives in.
insert into dim_form (key, attachment, title, workbook, sheet)
values (:key, :attachment, :title, :workbook, :sheet)
on conflict (key) do update set
    attachment = excluded.attachment,
    title = excluded.title,
    workbook = excluded.workbook,
    sheet = excluded.sheet

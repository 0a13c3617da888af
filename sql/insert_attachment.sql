-- One attachment of a message, stored by content hash; its submitted name is kept as data only.
insert into attachment (
    message_sha256, sha256, filename, name_flagged, kind, size, stored_path, origin
)
values (
    :message_sha256, :sha256, :filename, :name_flagged, :kind, :size, :stored_path, :origin
)
on conflict (message_sha256, sha256) do nothing

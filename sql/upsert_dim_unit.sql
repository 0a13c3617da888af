-- A unit as configured; its category, codes, senders and aliases follow the configuration.
insert into dim_unit (name, valid_from, valid_to, category, admin_code, senders, aliases)
values (:name, :valid_from, :valid_to, :category, :admin_code, :senders, :aliases)
on conflict (name, valid_from) do update set
    valid_to = excluded.valid_to,
    category = excluded.category,
    admin_code = excluded.admin_code,
    senders = excluded.senders,
    aliases = excluded.aliases

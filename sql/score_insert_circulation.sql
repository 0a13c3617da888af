-- A run circulated as 第N版 of its period; a number or run already taken inserts nothing.
insert into score_circulation (
    period, number, version, rules_version, inputs_hash, circulated_at
)
values (:period, :number, :version, :rules_version, :inputs_hash, :circulated_at)
on conflict do nothing

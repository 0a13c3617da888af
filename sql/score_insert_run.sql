-- A new scoring of a period; a version already taken (a concurrent scoring) inserts nothing.
insert into score_run (
    period, version, rules_version, rules_hash, inputs_hash, source, basis, scored_at, gaps
)
values (
    :period, :version, :rules_version, :rules_hash, :inputs_hash, :source, :basis, :scored_at,
    :gaps
)
on conflict (period, version) do nothing

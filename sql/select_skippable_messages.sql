-- Messages a run need not read: already recorded, or deferred to a month after the run's period.
with deferred as (
    select raw_sha256
    from deferral
    where period > :period
)

select raw_sha256 from message
union
select raw_sha256 from deferred

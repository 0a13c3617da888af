-- The files of each unit's recorded mail of the year (意向书, 协议 among them), with the report
-- month of the mail's forms, or the time it arrived when it carried no form: the documents a
-- later version's new projects may cite.
with mail_period as (
    select
        message_sha256,
        min(period) as period
    from submission
    group by message_sha256
)

select
    m.unit,
    m.raw_sha256 as sha,
    m.received_at,
    a.filename,
    a.kind,
    p.period
from attachment as a
inner join message as m on m.raw_sha256 = a.message_sha256
left join mail_period as p on p.message_sha256 = m.raw_sha256
where m.unit is not null
  and (
      (p.period >= :first_period and p.period <= :period)
      or (p.period is null and m.received_at >= :first_period and m.received_at < :next_year)
  )
order by m.unit, m.received_at, a.filename

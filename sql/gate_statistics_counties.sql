-- The counties whose figures the counted statistics of a report month hold: 国内合作 funds with
-- both this year's cumulative amounts and the prior year's same period, and 实际利用外资.
with funds as (
    select distinct f.county
    from fact_stats_funds as f
    inner join current_submission as c on c.id = f.submission_id
    where c.period = :period
      and f.out_pref_yi is not null
      and f.out_pref_prior_yi is not null
      and f.out_prov_yi is not null
      and f.out_prov_prior_yi is not null
),

fdi as (
    select distinct f.county
    from fact_stats_fdi as f
    inner join current_submission as c on c.id = f.submission_id
    where c.period = :period
      and f.fdi_wan_usd is not null
)

select 'stats_funds' as workbook, county from funds
union all
select 'stats_fdi' as workbook, county from fdi
order by workbook, county

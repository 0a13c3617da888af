-- The mailbox positions the warehouse already knows: recorded messages and mail deferred to a
-- later month. Anything else in the mailbox has arrived but is still waiting (待处理).
select source_key from message
where source_key is not null
union
select source_key from deferral
where source_key is not null

-- The ledger of one mailbox at one UIDVALIDITY: which UID holds which message.
select uid, raw_sha256
from mail_ledger
where mailbox = :mailbox
  and uidvalidity = :uidvalidity

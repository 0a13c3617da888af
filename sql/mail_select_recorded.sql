-- Messages the warehouse holds with their final state, with the state.
select raw_sha256, state
from message

"""Telling "409 because my own retried POST landed" from "409, another writer's object of that name".

Prefect's API has no idempotency key, and POST /work_pools/ and POST /block_documents/ answer 409 when the
name is taken. When the answer to a first attempt is lost (a dropped connection, a read timeout) Prefect's
client sends the POST again, and the retry meets the object the first attempt created. The providers take
the object behind such a 409 as their own write only when all of these hold:

1. the name was free when the provider looked it up, just before the first attempt (an object that was
   there before is another stack's or a person's, however identical, and needs `adopt_existing`);
2. the POST went out more than once (with one attempt, the 409 can only be somebody else's);
3. the stored object equals what was sent (field by field, as the provider's diff compares them).

What the API leaves open: an identical object another writer created between that lookup and the retry,
while our first attempt never reached the server. Prefect's timestamps cannot close it: `created` is the
server's clock and its Date header (uvicorn refreshes it about once a second) is too coarse to order
writes a moment apart.
"""

from __future__ import annotations

from prefect_ecs_platform.prefect_api import Conflict


def is_own_retried_write(conflict: Conflict, *, same_content: bool) -> bool:
    """Whether a 409 on a POST whose name was free just before is the POST's own earlier attempt."""
    return conflict.attempts > 1 and same_content

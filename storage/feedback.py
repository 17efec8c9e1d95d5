"""Feedback: a user's thumbs up or down on a delivered reply, found by the platform's message id."""

from __future__ import annotations

import time

import sqlalchemy as sa

from storage.statements import insert_on_conflict
from storage.tables import feedback, outbox

VOTES = (-1, 0, 1)
"""+1 and -1 are votes; 0 takes the user's vote back."""


def record_feedback(engine: sa.Engine, platform: str, platform_ref: str, user_id: str, value: int) -> bool:
    """Store ``user_id``'s vote on the reply posted as ``platform_ref``; the latest vote counts.

    Returns False, storing nothing, when no reply of ``platform`` has that id.
    """
    if value not in VOTES:
        raise ValueError(f"a vote is one of {VOTES}, not {value!r}")
    with engine.begin() as connection:
        reply = connection.execute(
            sa.select(outbox.c.id, outbox.c.scope_key)
            .where(outbox.c.platform == platform, outbox.c.platform_ref == platform_ref)
            .order_by(outbox.c.id)
            .limit(1)
        ).first()
        if reply is None:
            return False
        if value == 0:
            connection.execute(
                sa.delete(feedback).where(feedback.c.outbox_id == reply.id, feedback.c.user_id == user_id)
            )
            return True
        vote = insert_on_conflict(feedback, engine.dialect).values(
            outbox_id=reply.id,
            platform=platform,
            scope_key=reply.scope_key,
            user_id=user_id,
            value=value,
            created_at=time.time(),
        )
        connection.execute(
            vote.on_conflict_do_update(
                index_elements=["outbox_id", "user_id"],
                set_={"value": vote.excluded.value, "created_at": vote.excluded.created_at},
            )
        )
    return True

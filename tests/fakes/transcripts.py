"""Conversation rows written straight into the ledger tables, as training reads them."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

from storage.tables import feedback, inbox, outbox, transcripts, turns, users


@dataclass(frozen=True, slots=True)
class Exchange:
    """The ids of one recorded question and answer."""

    inbox_id: int
    outbox_id: int


def record_exchange(
    database: sa.Engine,
    question: str,
    answer: str,
    *,
    user: str = "u1",
    skill: str = "chat",
    outcome: str = "ok",
    platform: str = "test",
    system: str = "You are a test bot.",
    model: str = "fake",
) -> Exchange:
    """An inbox event, its user/assistant turns, a transcript and a delivered reply."""
    now = time.time()
    scope = f"{platform}:c1:{user}"
    with database.begin() as connection:
        inbox_id = connection.execute(
            inbox.insert()
            .values(
                event_id=f"{user}:{now}:{question}",
                platform=platform,
                scope_key=scope,
                message={"text": question},
                status="done",
                attempts=1,
                retry_at=0.0,
                received_at=now,
                done_at=now,
            )
            .returning(inbox.c.id)
        ).scalar_one()
        row = {"scope_key": scope, "inbox_id": inbox_id, "created_at": now}
        connection.execute(
            turns.insert(),
            [{**row, "role": "user", "text": question}, {**row, "role": "assistant", "text": answer}],
        )
        connection.execute(
            transcripts.insert().values(
                inbox_id=inbox_id,
                scope_key=scope,
                platform=platform,
                user_id=user,
                skill=skill,
                intent=skill,
                model=model,
                prompt=f"[system] {system}\n[user] {question}",
                output=answer,
                latency_ms=1.0,
                prompt_tokens=10,
                completion_tokens=10,
                outcome=outcome,
                created_at=now,
            )
        )
        outbox_id = connection.execute(
            outbox.insert()
            .values(
                inbox_id=inbox_id,
                attempt=1,
                seq=0,
                platform=platform,
                scope_key=scope,
                reply={"text": answer},
                created_at=now,
                sent_at=now,
            )
            .returning(outbox.c.id)
        ).scalar_one()
    return Exchange(int(inbox_id), int(outbox_id))


def vote(
    database: sa.Engine, exchange: Exchange, value: int, *, user: str = "u9", platform: str = "test"
) -> None:
    """A reaction on the exchange's reply: +1 thumbs up, -1 thumbs down."""
    with database.begin() as connection:
        connection.execute(
            feedback.insert().values(
                outbox_id=exchange.outbox_id,
                platform=platform,
                scope_key=f"{platform}:c1:{user}",
                user_id=user,
                value=value,
                created_at=time.time(),
            )
        )


def set_privacy(database: sa.Engine, user: str, *, opted_out: bool = False, forgotten: bool = False) -> None:
    """Record a user's privacy choice."""
    with database.begin() as connection:
        connection.execute(
            users.insert().values(
                platform="test",
                user_id=user,
                is_admin=False,
                opted_out=opted_out,
                forgotten_at=time.time() if forgotten else None,
                updated_at=time.time(),
            )
        )

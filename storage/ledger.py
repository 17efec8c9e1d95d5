"""The engine's durable record: batched writes of inbox, turns, transcripts, outbox and state.

Every method takes or returns batches so that one transaction (one commit) serves many
messages: this is where the engine's throughput comes from.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from storage.tables import inbox, outbox, scope_state, transcripts, turns


@dataclass(frozen=True, slots=True)
class TranscriptRecord:
    """What one answer cost and produced; becomes a transcripts row."""

    skill: str
    intent: str
    model: str
    prompt: str
    output: str
    latency_ms: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    outcome: str = "ok"


@dataclass(frozen=True, slots=True)
class ScopeStateRecord:
    """The open dialogue of a scope: which skill holds it and that skill's data."""

    active_skill: str | None
    state: dict[str, Any] = field(default_factory=dict)


Record = dict[str, Any]
"""A JSON-serialisable message or reply, as its owner (the engine) encodes it."""


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An incoming event to record in the inbox."""

    event_id: str
    platform: str
    scope_key: str
    message: Record


@dataclass(frozen=True, slots=True)
class Completion:
    """Everything that processing one inbox row writes, committed atomically."""

    inbox_id: int
    attempt: int
    platform: str
    scope_key: str
    user_id: str
    replies: Sequence[Record]
    turns: Sequence[tuple[str, str]] = ()
    """(role, text) pairs to append to the scope's history."""
    transcript: TranscriptRecord | None = None
    new_state: ScopeStateRecord | None = None
    retry_at: float | None = None
    """None: the row is finished. A time: keep it pending and try again then."""
    failed: bool = False
    """Give up on the row for good (after too many attempts)."""


@dataclass(frozen=True, slots=True)
class PendingRow:
    """An inbox row that still needs processing."""

    inbox_id: int
    message: Record
    attempts: int


class OutboxKey(NamedTuple):
    """Names one reply: the inbox row it answers, which attempt at it, and its position."""

    inbox_id: int
    attempt: int
    seq: int


@dataclass(frozen=True, slots=True)
class UnsentReply:
    """A reply to deliver, with the message it answers."""

    key: OutboxKey
    message: Record
    reply: Record


@dataclass(frozen=True, slots=True)
class ScopeSnapshot:
    """A scope's recent turns and dialogue state, as loaded from the database."""

    turns: list[tuple[str, str]]
    state: ScopeStateRecord


class Ledger:
    """Batched reads and writes over one SQLAlchemy engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        dialect = sqlite if engine.dialect.name == "sqlite" else postgresql
        self._insert_inbox = (
            dialect.insert(inbox)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(inbox.c.id, inbox.c.event_id)
        )
        self._upsert_state = dialect.insert(scope_state)
        self._upsert_state = self._upsert_state.on_conflict_do_update(
            index_elements=["scope_key"],
            set_={
                "active_skill": self._upsert_state.excluded.active_skill,
                "state": self._upsert_state.excluded.state,
                "updated_at": self._upsert_state.excluded.updated_at,
            },
        )

    def accept(self, events: Sequence[NewEvent]) -> dict[str, int]:
        """Insert new events; return ``event_id -> inbox id`` for those not seen before."""
        now = time.time()
        rows = [
            {
                "event_id": e.event_id,
                "platform": e.platform,
                "scope_key": e.scope_key,
                "message": e.message,
                "status": "pending",
                "attempts": 0,
                "retry_at": 0.0,
                "received_at": now,
            }
            for e in events
        ]
        with self.engine.begin() as connection:
            result = connection.execute(self._insert_inbox, rows)
            return {event_id: inbox_id for inbox_id, event_id in result}

    def complete(self, completions: Sequence[Completion]) -> None:
        """Write turns, transcripts, outbox rows and state, and settle the inbox rows.

        Reply ``n`` of a completion is outbox row ``OutboxKey(inbox_id, attempt, n)``.
        """
        now = time.time()
        turn_rows, transcript_rows, outbox_rows, state_rows = [], [], [], []
        done_ids, failed_ids, retry_rows = [], [], []
        for c in completions:
            scope_key = c.scope_key
            turn_rows += [
                {
                    "scope_key": scope_key,
                    "inbox_id": c.inbox_id,
                    "role": role,
                    "text": text,
                    "created_at": now,
                }
                for role, text in c.turns
            ]
            outbox_rows += [
                {
                    "inbox_id": c.inbox_id,
                    "attempt": c.attempt,
                    "seq": seq,
                    "platform": c.platform,
                    "scope_key": scope_key,
                    "reply": reply,
                    "created_at": now,
                }
                for seq, reply in enumerate(c.replies)
            ]
            if c.transcript is not None:
                transcript_rows.append(
                    {
                        "inbox_id": c.inbox_id,
                        "scope_key": scope_key,
                        "platform": c.platform,
                        "user_id": c.user_id,
                        "created_at": now,
                        **_as_dict(c.transcript),
                    }
                )
            if c.new_state is not None:
                state_rows.append(
                    {
                        "scope_key": scope_key,
                        "active_skill": c.new_state.active_skill,
                        "state": c.new_state.state,
                        "updated_at": now,
                    }
                )
            if c.failed:
                failed_ids.append({"row_id": c.inbox_id})
            elif c.retry_at is None:
                done_ids.append({"row_id": c.inbox_id})
            else:
                retry_rows.append({"row_id": c.inbox_id, "retry_at": c.retry_at})
        with self.engine.begin() as connection:
            if turn_rows:
                connection.execute(sa.insert(turns), turn_rows)
            if transcript_rows:
                connection.execute(sa.insert(transcripts), transcript_rows)
            if outbox_rows:
                connection.execute(sa.insert(outbox), outbox_rows)
            if state_rows:
                connection.execute(self._upsert_state, state_rows)
            self._settle(connection, done_ids, "done", now)
            self._settle(connection, failed_ids, "failed", now)
            if retry_rows:
                connection.execute(
                    sa.update(inbox)
                    .where(inbox.c.id == sa.bindparam("row_id"))
                    .values(attempts=inbox.c.attempts + 1, retry_at=sa.bindparam("retry_at")),
                    retry_rows,
                )

    @staticmethod
    def _settle(connection: sa.Connection, rows: list[dict[str, int]], status: str, now: float) -> None:
        if rows:
            connection.execute(
                sa.update(inbox)
                .where(inbox.c.id == sa.bindparam("row_id"))
                .values(status=status, done_at=now, attempts=inbox.c.attempts + 1),
                rows,
            )

    def mark_sent(self, keys: Sequence[OutboxKey]) -> None:
        """Record that the platform accepted these replies."""
        with self.engine.begin() as connection:
            connection.execute(
                sa.update(outbox)
                .where(
                    outbox.c.inbox_id == sa.bindparam("row_id"),
                    outbox.c.attempt == sa.bindparam("row_attempt"),
                    outbox.c.seq == sa.bindparam("row_seq"),
                )
                .values(sent_at=time.time()),
                [{"row_id": k.inbox_id, "row_attempt": k.attempt, "row_seq": k.seq} for k in keys],
            )

    def pending(self, due_before: float) -> list[PendingRow]:
        """Unfinished inbox rows due for (another) attempt, oldest first."""
        query = (
            sa.select(inbox.c.id, inbox.c.message, inbox.c.attempts)
            .where(inbox.c.status == "pending", inbox.c.retry_at <= due_before)
            .order_by(inbox.c.id)
        )
        with self.engine.connect() as connection:
            return [PendingRow(row.id, row.message, row.attempts) for row in connection.execute(query)]

    def unsent(self, platform: str) -> list[UnsentReply]:
        """Replies for ``platform`` that were never confirmed as delivered, oldest first."""
        query = (
            sa.select(outbox.c.inbox_id, outbox.c.attempt, outbox.c.seq, outbox.c.reply, inbox.c.message)
            .join(inbox, inbox.c.id == outbox.c.inbox_id)
            .where(outbox.c.platform == platform, outbox.c.sent_at.is_(None))
            .order_by(outbox.c.inbox_id, outbox.c.attempt, outbox.c.seq)
        )
        with self.engine.connect() as connection:
            return [
                UnsentReply(OutboxKey(row.inbox_id, row.attempt, row.seq), row.message, row.reply)
                for row in connection.execute(query)
            ]

    def load_scope(self, scope_key: str, max_turns: int) -> ScopeSnapshot:
        """The last ``max_turns`` turns of a scope (oldest first) and its dialogue state."""
        with self.engine.connect() as connection:
            recent = connection.execute(
                sa.select(turns.c.role, turns.c.text)
                .where(turns.c.scope_key == scope_key)
                .order_by(turns.c.id.desc())
                .limit(max_turns)
            ).all()
            state_row = connection.execute(
                sa.select(scope_state.c.active_skill, scope_state.c.state).where(
                    scope_state.c.scope_key == scope_key
                )
            ).first()
        state = (
            ScopeStateRecord(state_row.active_skill, state_row.state)
            if state_row is not None
            else ScopeStateRecord(None, {})
        )
        return ScopeSnapshot([(r.role, r.text) for r in reversed(recent)], state)


def _as_dict(record: TranscriptRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}

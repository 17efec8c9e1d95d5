"""What the ledger reads and writes: plain records, free of any database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from storage.leases import Grant

Record = dict[str, Any]
"""A JSON-serialisable message or reply, as its owner (the engine) encodes it."""


class TranscriptRecord(NamedTuple):
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


class NewEvent(NamedTuple):
    """An incoming event to record in the inbox."""

    event_id: str
    platform: str
    scope_key: str
    message: Record


class OutboxKey(NamedTuple):
    """Names one reply: the inbox row it answers, which attempt at it, and its position."""

    inbox_id: int
    attempt: int
    seq: int


class SentReply(NamedTuple):
    """A reply the platform accepted, with the platform's id of the posted message (if any)."""

    key: OutboxKey
    platform_ref: str | None = None


class Completion(NamedTuple):
    """Everything that processing one inbox row writes, committed atomically.

    Reply ``n`` becomes outbox row ``OutboxKey(inbox_id, attempt, n)``. ``turns`` are
    (role, text) pairs appended to the scope's history. ``retry_at`` None means the row is
    finished; a time keeps it pending until then. ``failed`` gives up on it for good.
    """

    inbox_id: int
    attempt: int
    platform: str
    scope_key: str
    user_id: str
    replies: Sequence[Record]
    turns: Sequence[tuple[str, str]] = ()
    transcript: TranscriptRecord | None = None
    new_state: ScopeStateRecord | None = None
    retry_at: float | None = None
    failed: bool = False


@dataclass(frozen=True, slots=True)
class PendingRow:
    """An inbox row that still needs processing."""

    inbox_id: int
    message: Record
    attempts: int


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


@dataclass(frozen=True, slots=True)
class Takeover:
    """A scope as a process finds it when it takes the scope's lease (see ``Ledger.take_over``)."""

    backlog: list[int]
    unsent: list[UnsentReply]
    snapshot: ScopeSnapshot


Taken = tuple[Grant, Takeover | None]
"""The answer to a lease request: the grant and, when it is ours, the scope as we find it."""


class Written(NamedTuple):
    """What ``Ledger.write`` stored: the new events' inbox ids, and the completions it kept."""

    accepted: dict[str, int]
    stored: set[int]
    """Inbox ids whose completion was stored; the others were settled already, or their scope's
    lease is no longer ``holder``'s (see ``statements._STILL_OURS``)."""

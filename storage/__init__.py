"""Storage: the schema, engine set-up with migrations, and the engine's batched ledger."""

from storage.database import create_database_engine, upgrade_schema
from storage.feedback import record_feedback
from storage.leases import Backlog, Grant, ScopeLeases
from storage.ledger import Ledger
from storage.records import (
    Completion,
    NewEvent,
    OutboxKey,
    PendingRow,
    ScopeSnapshot,
    ScopeStateRecord,
    SentReply,
    Taken,
    Takeover,
    TranscriptRecord,
    UnsentReply,
    Written,
)
from storage.skill_data import SkillData

__all__ = [
    "Backlog",
    "Completion",
    "Grant",
    "Ledger",
    "NewEvent",
    "OutboxKey",
    "PendingRow",
    "ScopeLeases",
    "ScopeSnapshot",
    "ScopeStateRecord",
    "SentReply",
    "SkillData",
    "Taken",
    "Takeover",
    "TranscriptRecord",
    "UnsentReply",
    "Written",
    "create_database_engine",
    "record_feedback",
    "upgrade_schema",
]

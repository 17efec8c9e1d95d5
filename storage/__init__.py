"""Storage: the schema, engine set-up with migrations, and the engine's batched ledger."""

from storage.database import create_database_engine, upgrade_schema
from storage.ledger import (
    Completion,
    Ledger,
    NewEvent,
    OutboxKey,
    PendingRow,
    ScopeSnapshot,
    ScopeStateRecord,
    TranscriptRecord,
    UnsentReply,
)

__all__ = [
    "Completion",
    "Ledger",
    "NewEvent",
    "OutboxKey",
    "PendingRow",
    "ScopeSnapshot",
    "ScopeStateRecord",
    "TranscriptRecord",
    "UnsentReply",
    "create_database_engine",
    "upgrade_schema",
]

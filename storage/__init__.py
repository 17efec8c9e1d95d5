"""Storage: the schema, engine set-up with migrations, and the engine's batched ledger."""

from storage.database import create_database_engine, upgrade_schema
from storage.ledger import (
    Completion,
    Ledger,
    OutboxItem,
    PendingMessage,
    ScopeSnapshot,
    ScopeStateRecord,
    TranscriptRecord,
)

__all__ = [
    "Completion",
    "Ledger",
    "OutboxItem",
    "PendingMessage",
    "ScopeSnapshot",
    "ScopeStateRecord",
    "TranscriptRecord",
    "create_database_engine",
    "upgrade_schema",
]

"""Storage: migrations build exactly the declared schema, re-running them is harmless, SQLite is tuned."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage import create_database_engine, upgrade_schema
from storage.database import SQLITE_BUSY_TIMEOUT_MS
from storage.tables import metadata


def test_migrations_create_exactly_the_declared_tables(database_url: str) -> None:
    engine = create_database_engine(database_url)
    upgrade_schema(engine)
    upgrade_schema(engine)  # idempotent

    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)

    assert differences == []


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(database_url: str) -> None:
    engine = create_database_engine(database_url)

    with engine.connect() as connection:
        journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()

    assert (journal, timeout) == ("wal", SQLITE_BUSY_TIMEOUT_MS)

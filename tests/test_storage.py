"""Storage: migrations build exactly the declared schema on both databases, re-running them is harmless,
SQLite is tuned."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage import create_database_engine, upgrade_schema
from storage.database import SQLITE_BUSY_TIMEOUT_MS
from storage.tables import metadata
from tests.fakes.engines import DATABASES, database_url_for


@pytest.mark.parametrize("kind", DATABASES)
def test_migrations_create_exactly_the_declared_tables(kind: str, tmp_path: Path) -> None:
    with database_url_for(kind, tmp_path) as url:
        engine = create_database_engine(url)
        upgrade_schema(engine)
        upgrade_schema(engine)  # idempotent

        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
        engine.dispose()

    assert differences == []


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(database_url: str) -> None:
    engine = create_database_engine(database_url)

    with engine.connect() as connection:
        journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()

    assert (journal, timeout) == ("wal", SQLITE_BUSY_TIMEOUT_MS)

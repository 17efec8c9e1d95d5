"""Engine creation (SQLite tuned for WAL, or any SQLAlchemy URL) and schema migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

_MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 10_000


def create_database_engine(url: str) -> sa.Engine:
    """An engine for ``url``; SQLite files get WAL, NORMAL sync and a busy timeout."""
    if url.startswith("sqlite"):
        database = sa.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        sa.event.listen(engine, "connect", _tune_sqlite)
        sa.event.listen(engine, "begin", _begin)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


READ_ONLY_OPTION = "chatwright_read_only"


def read_only(engine: sa.Engine) -> sa.Engine:
    """``engine`` for transactions that only read: on SQLite they never take the write lock."""
    return engine.execution_options(**{READ_ONLY_OPTION: True})


def _begin(connection: sa.Connection) -> None:
    if connection.get_execution_options().get(READ_ONLY_OPTION):
        # WAL readers see a snapshot and never block the writer (nor wait for it).
        connection.exec_driver_sql("BEGIN")
    else:
        # Take the write lock at BEGIN so concurrent writers wait on busy_timeout instead of
        # failing with "database is locked" when a read transaction tries to upgrade.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade_schema(engine: sa.Engine) -> None:
    """Apply every Alembic migration not yet applied (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

"""SQLite's write-ahead log checkpointed from a thread of its own, so commits never wait for it."""

from __future__ import annotations

import logging
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import PoolProxiedConnection

log = logging.getLogger(__name__)


class WalCheckpointer:
    """Checkpoints SQLite's write-ahead log from a thread of its own, after writes.

    Left alone, SQLite checkpoints inside the commit that crosses ``wal_autocheckpoint``
    pages, and that commit then waits for the checkpoint's fsyncs (tens of milliseconds).
    Here the writer's connection checkpoints itself only far later, as a safety net.
    """

    EVERY_S = 0.1
    """At most one checkpoint per this interval while writes go on."""
    SAFETY_NET_PAGES = 20_000
    """The writer's own ``wal_autocheckpoint``, should this thread fall behind."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._due = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._automatic_pages = 1000

    def take_over(self, connection: PoolProxiedConnection) -> None:
        """Make ``connection`` leave checkpoints to this thread (unless it falls far behind)."""
        ((self._automatic_pages,),) = _execute(connection, "PRAGMA wal_autocheckpoint")
        _execute(connection, f"PRAGMA wal_autocheckpoint={self.SAFETY_NET_PAGES}")

    def hand_back(self, connection: PoolProxiedConnection) -> None:
        """Let ``connection`` checkpoint by itself again, before it returns to the pool."""
        _execute(connection, f"PRAGMA wal_autocheckpoint={self._automatic_pages}")

    def wrote(self) -> None:
        """Note a commit: a checkpoint is due."""
        self._due.set()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="chatwright-checkpoint", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """End the thread; the next write starts it again."""
        self._stop.set()
        self._due.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._stop.clear()

    def _run(self) -> None:
        connection = self._engine.raw_connection()
        try:
            while self._due.wait() and not self._stop.is_set():
                self._due.clear()
                try:
                    _execute(connection, "PRAGMA wal_checkpoint(PASSIVE)")
                except Exception as error:  # noqa: BLE001 - the safety net still checkpoints
                    log.warning("WAL checkpoint failed: %s", error)
                self._stop.wait(self.EVERY_S)
        finally:
            connection.close()


def _execute(connection: PoolProxiedConnection, sql: str) -> list[Any]:
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()

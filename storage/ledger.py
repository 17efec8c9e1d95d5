"""The engine's durable record: inbox, turns, transcripts, outbox and scope state.

``Ledger.write`` commits accepted events, finished messages and delivered replies of many
messages in one transaction: this is where the engine's throughput comes from. It runs on
one driver connection kept open between writes, with the statements of ``statements.py``.

SQLite and PostgreSQL run the same code; what differs is named where it happens: SQLite takes
its write lock with ``BEGIN IMMEDIATE`` and has its WAL checkpointed by ``checkpoint.py``, its
connections are tuned in ``database.py``; ``statements.py`` compiles for the dialect
(``ON CONFLICT`` for both) and sends PostgreSQL bigger statements (``chunk_sizes``).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.pool import PoolProxiedConnection

from storage.checkpoint import WalCheckpointer
from storage.database import SQLITE_BUSY_TIMEOUT_MS, read_only
from storage.leases import Grant, new_holder
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
from storage.statements import LedgerStatements, write_cursor
from storage.tables import inbox


class Ledger:
    """Batched writes and the engine's reads over one SQLAlchemy engine (SQLite or PostgreSQL).

    ``write`` is meant for one writer thread at a time (the engine has one); a lock keeps
    other callers correct but waiting. ``holder`` names this process in scope leases: a
    completion is stored only while its scope's lease is this holder's.
    """

    def __init__(self, engine: sa.Engine, holder: str | None = None) -> None:
        self.engine = engine
        self._reads = read_only(engine)
        self.holder = holder or new_holder()
        self._sql = LedgerStatements(engine.dialect, TranscriptRecord._fields)
        self._writing = threading.Lock()
        self._connection: PoolProxiedConnection | None = None
        """Kept open between writes: a checkout per transaction costs more than small writes."""
        self._sqlite = engine.dialect.name == "sqlite"
        """SQLite connections run in autocommit mode (storage/database.py): transactions start
        with an explicit BEGIN, writes' taking the write lock; other drivers open a transaction
        with the first statement."""
        self._checkpointer = WalCheckpointer(engine) if self._sqlite else None
        json_type = inbox.c.message.type
        self._decode_json: Callable[[Any], Any] = json_type.dialect_impl(engine.dialect).result_processor(
            engine.dialect, None
        ) or (lambda value: value)
        """JSON columns as read by the driver, made Python values (SQLite hands back text)."""

    @property
    def in_process(self) -> bool:
        """Whether the database runs in this process (SQLite): a small write is a local call."""
        return self._sqlite

    def write(
        self,
        events: Sequence[NewEvent] = (),
        completions: Sequence[Completion] = (),
        sent: Sequence[SentReply] = (),
        *,
        wait: bool = True,
    ) -> Written:
        """In one transaction: accept events, store completions, mark replies as delivered.

        Returns ``event_id -> inbox id`` for the events not seen before (a repeated event id,
        whether already stored or earlier in ``events``, gets no entry) and the inbox ids of
        the completions stored. With ``wait`` False, SQLite raises :class:`WriteLockBusy` at
        once, writing nothing, when another connection holds the write lock.
        """
        now = time.time()
        with self._driver() as (connection, cursor):
            if self._sqlite:
                _begin_immediate(cursor, wait)
            accepted = self._accept(cursor, events, now) if events else {}
            stored = self._store(cursor, completions, now) if completions else set()
            if sent:
                self._mark_sent(cursor, sent, now)
            connection.commit()
        if self._checkpointer is not None:
            self._checkpointer.wrote()
        return Written(accepted, stored)

    def prepare(self) -> None:
        """Compile the write statements for every batch size now (about a second on PostgreSQL).

        Otherwise each size is compiled when a batch first needs it: during the first bursts.
        """
        self._sql.compile_all()

    def close(self) -> None:
        """Release the connection kept for writing and stop checkpointing."""
        with self._writing:
            if self._connection is not None:
                if self._checkpointer is not None:
                    self._checkpointer.hand_back(self._connection)
                self._connection.close()
                self._connection = None
        if self._checkpointer is not None:
            self._checkpointer.stop()

    @contextmanager
    def _driver(self) -> Iterator[tuple[PoolProxiedConnection, DBAPICursor]]:
        """The connection kept for writing and a cursor on it, under the write lock.

        If the work inside fails, the connection is dropped (rolling back) and the next use
        opens a fresh one.
        """
        with self._writing:
            connection = self._connection = self._connection or self._connect()
            try:
                cursor = write_cursor(connection)
                yield connection, cursor
                cursor.close()
            except WriteLockBusy:
                cursor.close()  # nothing was begun: the connection is fine
                raise
            except BaseException:
                self._connection = None
                connection.invalidate()  # closes the driver connection, rolling back
                connection.close()
                raise

    def _connect(self) -> PoolProxiedConnection:
        connection = self.engine.raw_connection()
        if self._checkpointer is not None:
            self._checkpointer.take_over(connection)
        return connection

    def _accept(self, cursor: DBAPICursor, events: Sequence[NewEvent], now: float) -> dict[str, int]:
        rows = [
            (event_id, platform, scope_key, json.dumps(message), "pending", 0, 0.0, now, self.holder)
            for event_id, platform, scope_key, message in events
        ]
        return {event_id: inbox_id for inbox_id, event_id in self._sql.insert_events.run(cursor, rows)}

    def _store(self, cursor: DBAPICursor, completions: Sequence[Completion], now: float) -> set[int]:
        """Settle the inbox rows first; store the rest of only the completions that settled."""
        settled: dict[str, list[tuple[int]]] = {"done": [], "failed": []}
        stored: set[int] = set()
        for c in completions:
            if c.failed or c.retry_at is None:
                settled["failed" if c.failed else "done"].append((c.inbox_id,))
            elif self._sql.postpone_event.run(cursor, (c.retry_at, c.inbox_id, self.holder)):
                stored.add(c.inbox_id)
        for status, ids in settled.items():
            if self._sql.settle_events.count(cursor, ids, (status, now, self.holder)) == len(ids):
                stored.update(row_id for (row_id,) in ids)
            else:  # some were settled before, or their scope's lease is no longer ours (rare)
                stored.update(row[0] for row in self._sql.settled_at.run(cursor, ids, (status, now)))
        turn_rows: list[tuple[Any, ...]] = []
        transcript_rows: list[tuple[Any, ...]] = []
        reply_rows: list[tuple[Any, ...]] = []
        state_rows: list[tuple[Any, ...]] = []
        for c in completions:
            inbox_id, scope_key = c.inbox_id, c.scope_key
            if inbox_id not in stored:
                continue
            turn_rows += [(scope_key, inbox_id, role, text, now) for role, text in c.turns]
            reply_rows += [
                (inbox_id, c.attempt, seq, c.platform, scope_key, json.dumps(reply), now)
                for seq, reply in enumerate(c.replies)
            ]
            if c.transcript is not None:
                transcript_rows.append((inbox_id, scope_key, c.platform, c.user_id, *c.transcript, now))
            if c.new_state is not None:
                state = c.new_state
                state_rows.append((scope_key, state.active_skill, json.dumps(state.state), now))
        self._sql.insert_turns.run(cursor, turn_rows)
        self._sql.insert_transcripts.run(cursor, transcript_rows)
        self._sql.insert_replies.run(cursor, reply_rows)
        self._sql.upsert_state.run_many(cursor, state_rows)
        return stored

    def _mark_sent(self, cursor: DBAPICursor, marks: Sequence[SentReply], now: float) -> None:
        by_position: defaultdict[tuple[int, int], list[tuple[int]]] = defaultdict(list)
        with_ref: list[tuple[Any, ...]] = []
        for (inbox_id, attempt, seq), ref in marks:
            if ref is None:
                by_position[attempt, seq].append((inbox_id,))
            else:
                with_ref.append((now, ref, inbox_id, attempt, seq))
        for (attempt, seq), ids in by_position.items():
            self._sql.mark_sent.run(cursor, ids, (now, attempt, seq))
        self._sql.mark_sent_with_ref.run_many(cursor, with_ref)

    def rows(self, inbox_ids: Sequence[int]) -> list[PendingRow]:
        """The inbox rows ``inbox_ids`` that are still pending, oldest first."""
        found: list[PendingRow] = []
        with self._reads.connect() as connection:
            for start in range(0, len(inbox_ids), 500):
                query = (
                    sa.select(inbox.c.id, inbox.c.message, inbox.c.attempts)
                    .where(inbox.c.id.in_(inbox_ids[start : start + 500]), inbox.c.done_at.is_(None))
                    .order_by(inbox.c.id)
                )
                found += [PendingRow(row.id, row.message, row.attempts) for row in connection.execute(query)]
        return found

    def take_over(
        self, scope_keys: Sequence[str], lease_s: float, max_turns: int, *, wait: bool = True
    ) -> dict[str, Taken]:
        """Take the leases of ``scope_keys`` no live process holds, and what each taken scope needs.

        For each key: the grant (ours until when, or whose lease blocks us until when) and, when
        ours, the scope as found: pending rows due now (ids only: the caller fetches with
        ``rows`` those it has not queued), replies never confirmed as delivered (any platform),
        and the last ``max_turns`` turns with the dialogue state. One transaction, leases taken
        in key order (two processes never deadlock over them on PostgreSQL). Compiled statements
        on the writer's connection: built by SQLAlchemy per call, a new scope's lease and four
        lookups took 0.9 ms. ``wait`` as for :meth:`write`.
        """
        now = time.time()
        until = now + lease_s
        grants: dict[str, Grant] = {}
        with self._driver() as (connection, cursor):
            if self._sqlite:
                _begin_immediate(cursor, wait)
            for key in sorted(set(scope_keys)):
                if self._sql.claim_lease.run(cursor, (key, self.holder, until, now)):
                    grants[key] = Grant(True, until)
                else:
                    expiry = self._sql.lease_expiry.run(cursor, (key,))
                    grants[key] = Grant(False, expiry[0][0] if expiry else now)
            held = [key for key, grant in grants.items() if grant.held]
            found = self._find(cursor, held, max_turns, now) if held else {}
            connection.commit()
        return {key: (grant, found.get(key)) for key, grant in grants.items()}

    def _find(
        self, cursor: DBAPICursor, scope_keys: list[str], max_turns: int, now: float
    ) -> dict[str, Takeover]:
        """The scopes as ``take_over`` hands them over.

        A statement serves many scopes, except for the turns of scopes that have any (new
        scopes, the common case in a burst, cost nothing there).
        """
        keys = [(key,) for key in scope_keys]
        backlog: defaultdict[str, list[int]] = defaultdict(list)
        unsent: defaultdict[str, list[UnsentReply]] = defaultdict(list)
        sql, decode = self._sql, self._decode_json
        for inbox_id, scope_key in sql.backlog_of.run(cursor, keys, (now,)):
            backlog[scope_key].append(inbox_id)
        for scope_key, inbox_id, attempt, seq, reply, message in sql.unsent_of.run(cursor, keys):
            key = OutboxKey(inbox_id, attempt, seq)
            unsent[scope_key].append(UnsentReply(key, decode(message), decode(reply)))
        talked = [key for (key,) in sql.talked_in.run(cursor, keys)]
        history = {key: self._recent_turns(cursor, key, max_turns) for key in talked}
        states = self._states(cursor, keys)
        return {
            key: Takeover(
                backlog[key], unsent[key], ScopeSnapshot(history.get(key, []), states.get(key) or _no_state())
            )
            for key in scope_keys
        }

    def load_scope(self, scope_key: str, max_turns: int) -> ScopeSnapshot:
        """The last ``max_turns`` turns of a scope (oldest first) and its dialogue state."""
        with self._reading() as cursor:
            recent = self._recent_turns(cursor, scope_key, max_turns)
            return ScopeSnapshot(recent, self._states(cursor, [(scope_key,)]).get(scope_key) or _no_state())

    @contextmanager
    def _reading(self) -> Iterator[DBAPICursor]:
        """A cursor for one read transaction (one snapshot) on the writer's connection."""
        with self._driver() as (connection, cursor):
            if self._sqlite:
                cursor.execute("BEGIN")  # deferred: a WAL snapshot, without the write lock
            yield cursor
            connection.rollback()  # nothing to keep

    def _recent_turns(self, cursor: DBAPICursor, scope_key: str, max_turns: int) -> list[tuple[str, str]]:
        """The last ``max_turns`` (role, text) turns of ``scope_key``, oldest first."""
        newest_first = self._sql.recent_turns.run(cursor, (scope_key, max_turns, 0))
        return [(role, text) for role, text in reversed(newest_first)]

    def _states(self, cursor: DBAPICursor, keys: list[tuple[str]]) -> dict[str, ScopeStateRecord]:
        """The stored dialogue states of those of ``keys`` that have one."""
        return {
            key: ScopeStateRecord(skill, self._decode_json(state))
            for key, skill, state in self._sql.states_of.run(cursor, keys)
        }


class WriteLockBusy(Exception):
    """Another connection holds SQLite's write lock, and the caller chose not to wait for it."""


def _begin_immediate(cursor: DBAPICursor, wait: bool) -> None:
    """Take SQLite's write lock; without ``wait``, raise WriteLockBusy instead of waiting."""
    if wait:
        cursor.execute("BEGIN IMMEDIATE")
        return
    cursor.execute("PRAGMA busy_timeout = 0")
    try:
        cursor.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
            raise
        raise WriteLockBusy(str(error)) from error
    finally:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")


def _no_state() -> ScopeStateRecord:
    """The state of a scope with no open dialogue (a fresh one each time: its dict is mutable)."""
    return ScopeStateRecord(None, {})

"""The ledger's statements: SQLAlchemy Core compiled once per dialect, run by the driver.

Parameters go to the driver as plain tuples (JSON already encoded by the caller), which
skips SQLAlchemy's per-row parameter processing; rows go in multi-row statements, which
keeps the number of driver calls per batch small. The same code serves SQLite and
PostgreSQL: only the dialect that compiles it differs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from typing import Any, cast

import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.compiler import SQLCompiler

from storage.tables import PENDING, UNSENT, inbox, outbox, scope_leases, scope_state, transcripts, turns


class DriverStatement:
    """A Core statement compiled once for a dialect, run by the driver with plain tuples.

    Parameters come as one tuple in the order of ``names``; they are reshaped for the
    driver's parameter style (positional in another order, or named) only when needed.
    """

    def __init__(self, statement: sa.ClauseElement, dialect: sa.Dialect, names: Sequence[str]) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        self.sql = compiled.string
        binds = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
        position = {name: n for n, name in enumerate(names)}
        unknown = set(binds) - set(position)
        if unknown:  # e.g. a column default that SQLAlchemy, not the driver, would fill in
            raise ValueError(f"statement needs parameters {sorted(unknown)} not among {list(names)}")
        order = [position[name] for name in binds]
        self._shape: Callable[[tuple[Any, ...]], Any] | None = None
        if not compiled.positional:
            self._shape = lambda params: dict(zip(names, params, strict=True))
        elif order != list(range(len(names))):
            self._shape = lambda params: tuple([params[n] for n in order])

    def run(self, cursor: DBAPICursor, params: tuple[Any, ...]) -> list[Any]:
        """Execute once; return the rows the statement returns (if any)."""
        cursor.execute(self.sql, params if self._shape is None else self._shape(params))
        return list(cursor.fetchall()) if cursor.description else []

    def run_many(self, cursor: DBAPICursor, rows: Sequence[tuple[Any, ...]]) -> None:
        """Execute once per row (nothing returned)."""
        if rows:
            cursor.executemany(self.sql, rows if self._shape is None else [self._shape(r) for r in rows])


CHUNK_SIZES = (64, 32, 16, 8, 4, 2, 1)
"""Rows per statement on SQLite: n rows take at most n/64 + 6 driver calls, and 64 rows of the
widest table stay under the 999 parameters that even old SQLite builds accept."""
SERVER_CHUNK_SIZES = (512, 256, 128, *CHUNK_SIZES)
"""Rows per statement on PostgreSQL: each statement is a round trip to the server, so fewer,
larger ones (512 rows of the widest table are 7,680 of the 65,535 parameters allowed)."""


def chunk_sizes(dialect: sa.Dialect) -> Sequence[int]:
    """The statement sizes for ``dialect`` (SQLite runs in-process, PostgreSQL over a socket)."""
    return CHUNK_SIZES if dialect.name == "sqlite" else SERVER_CHUNK_SIZES


RowBinds = list[list[str]]
"""Bind parameter names, one list per row."""


class ChunkedStatement:
    """A statement over many rows, compiled (on first use) for each size in ``chunk_sizes``.

    Fewer, larger statements mean fewer round trips, and fewer moments where the writer
    thread needs the GIL back from the event loop between two steps of SQLite.
    """

    def __init__(
        self,
        build: Callable[[RowBinds], sa.ClauseElement],
        dialect: sa.Dialect,
        row_names: Sequence[str],
        shared_names: Sequence[str] = (),
    ) -> None:
        self._build = build
        self._dialect = dialect
        self._sizes = chunk_sizes(dialect)
        self._row_names = row_names
        self._shared_names = shared_names
        self._by_size: dict[int, DriverStatement] = {}

    def run(
        self, cursor: DBAPICursor, rows: Sequence[tuple[Any, ...]], shared: tuple[Any, ...] = ()
    ) -> list[Any]:
        """Execute for ``rows`` (with ``shared`` parameters); return what the statements return."""
        returned: list[Any] = []
        for statement, params in self._statements(rows, shared):
            returned += statement.run(cursor, params)
        return returned

    def count(
        self, cursor: DBAPICursor, rows: Sequence[tuple[Any, ...]], shared: tuple[Any, ...] = ()
    ) -> int:
        """Execute for ``rows`` like ``run``; return how many rows the statements changed."""
        changed = 0
        for statement, params in self._statements(rows, shared):
            statement.run(cursor, params)
            changed += cursor.rowcount
        return changed

    def compile_all(self) -> None:
        """Compile the statement for every size now (a 512-row one takes up to a third of a second)."""
        for size in self._sizes:
            self._for_size(size)

    def _statements(
        self, rows: Sequence[tuple[Any, ...]], shared: tuple[Any, ...]
    ) -> Iterator[tuple[DriverStatement, tuple[Any, ...]]]:
        start = 0
        for size in self._sizes if rows else ():
            while len(rows) - start >= size:
                yield self._for_size(size), (*shared, *chain.from_iterable(rows[start : start + size]))
                start += size

    def _for_size(self, size: int) -> DriverStatement:
        statement = self._by_size.get(size)
        if statement is None:
            binds = [[f"{name}_{n}" for name in self._row_names] for n in range(size)]
            names = [*self._shared_names, *chain.from_iterable(binds)]
            statement = self._by_size[size] = DriverStatement(self._build(binds), self._dialect, names)
        return statement


def _values(table: sa.Table, columns: Sequence[str], rows: RowBinds) -> list[dict[str, Any]]:
    """Multi-row VALUES: each column bound to that row's parameter."""
    return [
        {
            column: sa.bindparam(name, type_=table.c[column].type)
            for column, name in zip(columns, row, strict=True)
        }
        for row in rows
    ]


def _one_of(column: sa.Column[Any], rows: RowBinds) -> sa.ColumnElement[bool]:
    """``column`` equal to one of the rows' (single) parameters."""
    return column.in_([sa.bindparam(row[0]) for row in rows])


_ONE_MORE_ATTEMPT = inbox.c.attempts + sa.literal_column("1")
_STILL_OURS = (
    inbox.c.done_at.is_(None),
    sa.exists().where(
        scope_leases.c.scope_key == inbox.c.scope_key, scope_leases.c.holder == sa.bindparam("holder")
    ),
)
"""An inbox row a completion may settle: not settled yet, and its scope's lease is ours (a process
that lost its lease, or a second attempt at a finished row, must not store a second answer).
"Not settled" is ``done_at IS NULL``, not ``status = 'pending'``: a condition on the indexed
``status`` tempts SQLite into scanning every pending row instead of looking the ids up."""
_EVENT_COLUMNS = (
    "event_id",
    "platform",
    "scope_key",
    "message",
    "status",
    "attempts",
    "retry_at",
    "received_at",
    "accepted_by",
)
_TURN_COLUMNS = ("scope_key", "inbox_id", "role", "text", "created_at")
_REPLY_COLUMNS = ("inbox_id", "attempt", "seq", "platform", "scope_key", "reply", "created_at")
_STATE_COLUMNS = ("scope_key", "active_skill", "state", "updated_at")


def with_native_placeholders(dialect: sa.Dialect) -> sa.Dialect:
    """The dialect to compile with: on psycopg, PostgreSQL's own ``$1`` placeholders; others unchanged.

    psycopg rewrites ``%s``-style placeholders into ``$1`` in Python on every execute and keeps
    the rewrite only for queries under 4 kB. The multi-row statements here are longer, and the
    rewrite cost a third of a PostgreSQL writer's time. Statements compiled with this dialect
    run on :func:`write_cursor`'s cursor, which sends them as they are.
    """
    if dialect.driver != "psycopg":
        return dialect
    return cast(type[DefaultDialect], type(dialect))(paramstyle="numeric_dollar")


def write_cursor(connection: PoolProxiedConnection) -> DBAPICursor:
    """A cursor for statements compiled by :class:`LedgerStatements` (a raw one on psycopg)."""
    driver = connection.driver_connection
    if isinstance(driver, psycopg.Connection):
        return cast(DBAPICursor, psycopg.RawCursor(driver))
    return connection.cursor()


def insert_on_conflict(table: sa.Table, dialect: sa.Dialect) -> Any:
    """INSERT into ``table`` with ``on_conflict_do_nothing/do_update`` (SQLite and PostgreSQL alike)."""
    return (sqlite if dialect.name == "sqlite" else postgresql).insert(table)


class LedgerStatements:
    """The ledger's writes and the reads of a scope take-over, compiled for one dialect.

    A transcripts row is (inbox_id, scope_key, platform, user_id, *record, created_at),
    where ``transcript_fields`` names the record's fields in order.
    """

    def __init__(self, dialect: sa.Dialect, transcript_fields: Sequence[str]) -> None:
        dialect = with_native_placeholders(dialect)
        self.insert_events = ChunkedStatement(
            lambda rows: (
                insert_on_conflict(inbox, dialect)
                .values(_values(inbox, _EVENT_COLUMNS, rows))
                .on_conflict_do_nothing(index_elements=["event_id"])
                .returning(inbox.c.id, inbox.c.event_id)
            ),
            dialect,
            _EVENT_COLUMNS,
        )
        self.insert_turns = self._insert(turns, _TURN_COLUMNS, dialect)
        transcript_columns = (
            "inbox_id",
            "scope_key",
            "platform",
            "user_id",
            *transcript_fields,
            "created_at",
        )
        self.insert_transcripts = self._insert(transcripts, transcript_columns, dialect)
        self.insert_replies = self._insert(outbox, _REPLY_COLUMNS, dialect)
        self.settle_events = ChunkedStatement(  # no RETURNING: see ``settled_at``
            lambda rows: (
                sa.update(inbox)
                .where(_one_of(inbox.c.id, rows), *_STILL_OURS)
                .values(
                    status=sa.bindparam("status"), done_at=sa.bindparam("done_at"), attempts=_ONE_MORE_ATTEMPT
                )
            ),
            dialect,
            ("id",),
            ("status", "done_at", "holder"),
        )
        self.settled_at = ChunkedStatement(
            lambda rows: sa.select(inbox.c.id).where(
                _one_of(inbox.c.id, rows),
                inbox.c.status == sa.bindparam("status"),
                inbox.c.done_at == sa.bindparam("done_at"),
            ),
            dialect,
            ("id",),
            ("status", "done_at"),
        )
        """Which of the rows were settled with this status at this time: asked only when
        ``settle_events`` changed fewer rows than it was given. SQLite hands back each row of a
        RETURNING clause in a step of its own, and the writer thread waits for the GIL after
        every step while the event loop is busy: a RETURNING per batch cost a tenfold slowdown."""
        self.mark_sent = ChunkedStatement(
            lambda rows: (
                sa.update(outbox)
                .where(
                    outbox.c.attempt == sa.bindparam("attempt"),
                    outbox.c.seq == sa.bindparam("seq"),
                    _one_of(outbox.c.inbox_id, rows),
                )
                .values(sent_at=sa.bindparam("sent_at"))
            ),
            dialect,
            ("inbox_id",),
            ("sent_at", "attempt", "seq"),
        )
        self.mark_sent_with_ref = DriverStatement(
            sa.update(outbox)
            .where(
                outbox.c.inbox_id == sa.bindparam("row_id"),
                outbox.c.attempt == sa.bindparam("attempt"),
                outbox.c.seq == sa.bindparam("seq"),
            )
            .values(sent_at=sa.bindparam("sent_at"), platform_ref=sa.bindparam("ref")),
            dialect,
            ("sent_at", "ref", "row_id", "attempt", "seq"),
        )
        upsert = insert_on_conflict(scope_state, dialect).values(
            _values(scope_state, _STATE_COLUMNS, [list(_STATE_COLUMNS)])
        )
        self.upsert_state = DriverStatement(  # row by row: one scope may appear twice in a batch
            upsert.on_conflict_do_update(
                index_elements=["scope_key"],
                set_={name: upsert.excluded[name] for name in _STATE_COLUMNS[1:]},
            ),
            dialect,
            _STATE_COLUMNS,
        )
        self.postpone_event = DriverStatement(
            sa.update(inbox)
            .where(inbox.c.id == sa.bindparam("row_id"), *_STILL_OURS)
            .values(attempts=_ONE_MORE_ATTEMPT, retry_at=sa.bindparam("retry_at"))
            .returning(inbox.c.id),
            dialect,
            ("retry_at", "row_id", "holder"),
        )
        self._take_over_statements(dialect)

    def _take_over_statements(self, dialect: sa.Dialect) -> None:
        """What ``Ledger.take_over`` runs per scope: its lease; due backlog, unsent replies, turns, state."""
        claim = insert_on_conflict(scope_leases, dialect).values(
            scope_key=sa.bindparam("scope_key"),
            holder=sa.bindparam("holder"),
            expires_at=sa.bindparam("until"),
        )
        self.claim_lease = DriverStatement(
            claim.on_conflict_do_update(
                index_elements=["scope_key"],
                set_={"holder": claim.excluded.holder, "expires_at": claim.excluded.expires_at},
                where=(scope_leases.c.expires_at < sa.bindparam("now"))
                | (scope_leases.c.holder == sa.bindparam("holder")),
            ).returning(scope_leases.c.scope_key),
            dialect,
            ("scope_key", "holder", "until", "now"),
        )
        """Takes a scope's lease if it is free, expired or already ours; returns the key if so."""
        self.lease_expiry = DriverStatement(
            sa.select(scope_leases.c.expires_at).where(scope_leases.c.scope_key == sa.bindparam("scope_key")),
            dialect,
            ("scope_key",),
        )
        self.backlog_of = ChunkedStatement(
            lambda rows: (
                sa.select(inbox.c.id, inbox.c.scope_key)
                .where(_one_of(inbox.c.scope_key, rows), PENDING, inbox.c.retry_at <= sa.bindparam("now"))
                .order_by(inbox.c.id)
            ),
            dialect,
            ("scope_key",),
            ("now",),
        )
        self.unsent_of = ChunkedStatement(
            lambda rows: (
                sa.select(outbox.c.scope_key, outbox.c.inbox_id, outbox.c.attempt, outbox.c.seq)
                .add_columns(outbox.c.reply, inbox.c.message)
                .join(inbox, inbox.c.id == outbox.c.inbox_id)
                .where(_one_of(outbox.c.scope_key, rows), UNSENT)
                .order_by(outbox.c.inbox_id, outbox.c.attempt, outbox.c.seq)
            ),
            dialect,
            ("scope_key",),
        )
        self.talked_in = ChunkedStatement(
            lambda rows: sa.select(turns.c.scope_key).distinct().where(_one_of(turns.c.scope_key, rows)),
            dialect,
            ("scope_key",),
        )
        self.states_of = ChunkedStatement(
            lambda rows: sa.select(
                scope_state.c.scope_key, scope_state.c.active_skill, scope_state.c.state
            ).where(_one_of(scope_state.c.scope_key, rows)),
            dialect,
            ("scope_key",),
        )
        self.recent_turns = DriverStatement(
            sa.select(turns.c.role, turns.c.text)
            .where(turns.c.scope_key == sa.bindparam("scope_key"))
            .order_by(turns.c.id.desc())
            .limit(sa.bindparam("max_turns"))
            .offset(sa.bindparam("skip")),  # SQLite's compiler adds an OFFSET anyway: name it
            dialect,
            ("scope_key", "max_turns", "skip"),
        )
        """The last turns of one scope, newest first (``skip`` 0)."""

    def compile_all(self) -> None:
        """Compile every statement for every batch size, rather than in the first bursts."""
        for statement in vars(self).values():
            if isinstance(statement, ChunkedStatement):
                statement.compile_all()

    @staticmethod
    def _insert(table: sa.Table, columns: Sequence[str], dialect: sa.Dialect) -> ChunkedStatement:
        return ChunkedStatement(
            lambda rows: sa.insert(table).values(_values(table, columns, rows)), dialect, columns
        )

"""Scope leases: with several processes on one database, each scope is worked on by one of them.

A process holds a scope's lease while it works on the scope and renews it while it lives; a
lease that is not renewed expires, and then any process may take the scope over, with the
messages and unsent replies left in it. Lease rows are locked in key order in every statement,
so two processes never deadlock over them on PostgreSQL; SQLite runs one writer at a time.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from storage.database import read_only
from storage.tables import PENDING, PENDING_STATUS, UNSENT, inbox, outbox, scope_leases

BACKLOG_LIMIT = 5000
"""Most pending rows one sweep returns (the next sweep returns the rest)."""


def new_holder() -> str:
    """A name for this process: machine, pid (to recognise a dead process there) and a nonce."""
    return f"{_machine()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _machine() -> str:
    """The host and PID namespace we run in: where our pids mean something (containers have their own)."""
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        namespace = 0
    return f"{socket.gethostname()}/{namespace}"


@dataclass(frozen=True, slots=True)
class Grant:
    """The answer to a lease request: ``held`` by us, or by another process ``until`` then."""

    held: bool
    until: float


@dataclass(frozen=True, slots=True)
class Backlog:
    """Work a sweep found.

    Pending rows (id, scope) in scopes no live process holds, rows in scopes we hold that
    others accepted or that are due for a retry, and the scopes with unsent replies that no
    live process holds.
    """

    pending: list[tuple[int, str]]
    unsent_scopes: list[str]


class ScopeLeases:
    """The lease table as seen by one process (``holder``); leases last ``lease_s`` seconds."""

    def __init__(self, engine: sa.Engine, lease_s: float, holder: str | None = None) -> None:
        self.engine = engine
        self.lease_s = lease_s
        self.holder = holder or new_holder()

    def release(self, scope_keys: Sequence[str]) -> None:
        """Give up our leases on ``scope_keys``; another process may take them at once."""
        with self.engine.begin() as connection:
            for start in range(0, len(scope_keys), 500):
                chunk = sorted(scope_keys[start : start + 500])
                connection.execute(sa.delete(scope_leases).where(self._ours(chunk)))

    def release_all(self) -> None:
        """Give up every lease we hold (at shutdown)."""
        with self.engine.begin() as connection:
            connection.execute(sa.delete(scope_leases).where(self._ours()))

    def renew(self) -> set[str]:
        """Extend every lease we hold; returns the scopes we still hold."""
        with self.engine.begin() as connection:
            rows = connection.execute(
                sa.update(scope_leases)
                .where(self._ours())
                .values(expires_at=time.time() + self.lease_s)
                .returning(scope_leases.c.scope_key)
            )
            return {row.scope_key for row in rows}

    def release_dead_holders(self) -> int:
        """Drop the leases of processes on this machine that no longer run; returns how many went.

        A process killed on this machine (a crash, a redeploy) then hands its scopes over at once,
        not after its leases expire.
        """
        machine = _machine()
        with self.engine.begin() as connection:
            holders = connection.execute(
                sa.select(scope_leases.c.holder)
                .distinct()
                .where(scope_leases.c.holder.startswith(f"{machine}:", autoescape=True))
            ).scalars()
            dead = [holder for holder in holders if not _running(holder)]
            if not dead:
                return 0
            return connection.execute(sa.delete(scope_leases).where(scope_leases.c.holder.in_(dead))).rowcount

    def backlog(self, platforms: Sequence[str], everything: bool = True) -> Backlog:
        """Pending rows due now in scopes we may work on, and orphaned unsent replies' scopes.

        Without ``everything``, only rows others accepted and retries are looked at, through
        index ranges that skip the rows we accepted ourselves (so a big backlog of our own costs
        nothing); the rare rows of ours left in a scope nobody holds wait for a full look.
        """
        now = time.time()
        lease = scope_leases
        free = lease.c.scope_key.is_(None) | (lease.c.expires_at < now)
        rows = inbox if everything else self._news()
        with read_only(self.engine).connect() as connection:
            pending = connection.execute(
                sa.select(rows.c.id, rows.c.scope_key)
                .select_from(rows.outerjoin(lease, lease.c.scope_key == rows.c.scope_key))
                .where(
                    rows.c.status == PENDING_STATUS,
                    rows.c.retry_at <= now,
                    free | ((lease.c.holder == self.holder) & self._not_ours_from_the_start(rows)),
                )
                .order_by(rows.c.retry_at, rows.c.id)  # the pending index's order: no scan, no sort
                .limit(BACKLOG_LIMIT)
            ).all()
            unsent: Iterable[str] = (
                connection.execute(
                    sa.select(outbox.c.scope_key)
                    .distinct()
                    .select_from(outbox.outerjoin(lease, lease.c.scope_key == outbox.c.scope_key))
                    .where(outbox.c.platform.in_(platforms), UNSENT, free)
                ).scalars()
                if platforms
                else []
            )
            return Backlog([(row.id, row.scope_key) for row in pending], list(unsent))

    def _not_ours_from_the_start(self, rows: sa.FromClause) -> sa.ColumnElement[bool]:
        """Rows not queued here when accepted: others' (or from before 0007), or retries.

        Fresh rows have ``retry_at`` 0; a postponed one has its time.
        """
        return rows.c.accepted_by.is_distinct_from(self.holder) | (rows.c.retry_at > 0)

    def _news(self) -> sa.Subquery:
        """The pending rows others accepted, and the retries: one index range each, no ``!=``."""
        ranges = [
            inbox.c.accepted_by < self.holder,
            inbox.c.accepted_by > self.holder,
            inbox.c.accepted_by.is_(None),
            inbox.c.retry_at > 0,
        ]
        columns = (inbox.c.id, inbox.c.scope_key, inbox.c.status, inbox.c.retry_at, inbox.c.accepted_by)
        return sa.union(*(sa.select(*columns).where(PENDING, where) for where in ranges)).subquery()

    def _ours(self, scope_keys: Sequence[str] | None = None) -> sa.ColumnElement[bool]:
        """Our lease rows (of ``scope_keys``), locked in key order on PostgreSQL."""
        mine = sa.select(scope_leases.c.scope_key).where(scope_leases.c.holder == self.holder)
        if scope_keys is not None:
            mine = mine.where(scope_leases.c.scope_key.in_(scope_keys))
        locked = mine.order_by(scope_leases.c.scope_key).with_for_update()
        return scope_leases.c.scope_key.in_(locked.scalar_subquery())


def _running(holder: str) -> bool:
    """Whether the process named by ``holder`` (on this machine) still runs."""
    try:
        pid = int(holder.split(":")[1])
    except (IndexError, ValueError):
        return True  # not a name we made: leave it to expire
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True

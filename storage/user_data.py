"""One user's data across the schema: export it all, or forget it (delete, keep a tombstone)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from storage.tables import (
    PENDING,
    audit_log,
    feedback,
    inbox,
    metadata,
    orders,
    outbox,
    scope_leases,
    scope_state,
    transcripts,
    turns,
    users,
)

FORGOTTEN = "[forgotten]"
"""What replaces a forgotten user's id in the audit log, which is kept."""
_LIKE_ESCAPE = "\\"
_SPECIAL = frozenset(
    {audit_log, feedback, inbox, orders, outbox, scope_state, scope_leases, transcripts, turns, users}
)
"""Tables with their own rule below (users keeps a tombstone, the audit log is pseudonymised),
and scope_leases, left alone: a lease is a running process's lock on a scope (no content), which
that process gives up when the scope is idle or it stops; deleting it would fence out its work."""


@dataclass(frozen=True, slots=True)
class UserRef:
    """A platform user, with how its platform and id are spelled in scope keys.

    Scope keys are ``platform/team/channel/thread/user`` with each part escaped; the caller
    (who owns that format) passes the escaped first and last parts.
    """

    platform: str
    user_id: str
    scope_platform: str
    scope_user: str

    @property
    def label(self) -> str:
        """``platform:user_id``, as admins write it."""
        return f"{self.platform}:{self.user_id}"

    @property
    def key_prefix(self) -> str:
        """How every scope key of this user starts."""
        return f"{self.scope_platform}/"

    @property
    def key_suffix(self) -> str:
        """How every scope key of this user ends."""
        return f"/{self.scope_user}"

    def owns(self, scope_key: str) -> bool:
        """Whether ``scope_key`` names one of this user's scopes."""
        return scope_key.startswith(self.key_prefix) and scope_key.endswith(self.key_suffix)


@dataclass(frozen=True, slots=True)
class ForgetReport:
    """What ``forget_user`` did."""

    deleted: dict[str, int]
    """Table name -> rows deleted."""
    kept_pending: int
    """Messages still waiting to be answered: kept so the engine can finish them (forget again later)."""
    audit_rows_redacted: int


def _literal(text: str) -> str:
    """``text`` as a LIKE pattern that matches only itself."""
    for char in (_LIKE_ESCAPE, "%", "_"):
        text = text.replace(char, _LIKE_ESCAPE + char)
    return text


def _in_scopes_of(ref: UserRef, column: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    return sa.and_(
        column.like(_literal(ref.key_prefix) + "%", escape=_LIKE_ESCAPE),
        column.like("%" + _literal(ref.key_suffix), escape=_LIKE_ESCAPE),
    )


def _owned(ref: UserRef) -> dict[sa.Table, sa.ColumnElement[bool]]:
    """Each table holding user data -> the condition selecting this user's rows, children first.

    Besides the tables named here, any table with a ``scope_key`` or ``platform`` and ``user_id``
    columns is covered, so a table added later cannot keep a forgotten user's rows.
    """
    inbox_ids = sa.select(inbox.c.id).where(_in_scopes_of(ref, inbox.c.scope_key))
    replies = sa.select(outbox.c.id).where(outbox.c.inbox_id.in_(inbox_ids))

    def by_user(table: sa.Table) -> sa.ColumnElement[bool]:
        return sa.and_(table.c.platform == ref.platform, table.c.user_id == ref.user_id)

    mine = _in_scopes_of(ref, inbox.c.scope_key)
    busy = sa.select(inbox.c.scope_key).where(mine, PENDING)
    generic: dict[sa.Table, sa.ColumnElement[bool]] = {}
    for table in metadata.sorted_tables:
        if table in _SPECIAL:
            continue
        if "scope_key" in table.c:
            generic[table] = sa.and_(_in_scopes_of(ref, table.c.scope_key), table.c.scope_key.not_in(busy))
        elif {"platform", "user_id"} <= set(table.c.keys()):
            generic[table] = by_user(table)
    return generic | {
        feedback: sa.or_(feedback.c.outbox_id.in_(replies), by_user(feedback)),
        outbox: outbox.c.inbox_id.in_(inbox_ids),
        turns: _in_scopes_of(ref, turns.c.scope_key),
        transcripts: sa.or_(transcripts.c.inbox_id.in_(inbox_ids), by_user(transcripts)),
        orders: sa.or_(_in_scopes_of(ref, orders.c.scope_key), by_user(orders)),
        scope_state: _in_scopes_of(ref, scope_state.c.scope_key),
        inbox: mine,
    }


def export_user(database: sa.Engine, ref: UserRef) -> dict[str, list[dict[str, Any]]]:
    """Every row of ``ref`` by table name (their users row and the audit entries they made too)."""
    selections = _owned(ref)
    selections[users] = sa.and_(users.c.platform == ref.platform, users.c.user_id == ref.user_id)
    selections[audit_log] = sa.and_(audit_log.c.platform == ref.platform, audit_log.c.user_id == ref.user_id)
    exported: dict[str, list[dict[str, Any]]] = {}
    with database.connect() as connection:
        for table, where in reversed(selections.items()):
            rows = connection.execute(sa.select(table).where(where)).mappings().all()
            exported[table.name] = [dict(row) for row in rows]
    return exported


def forget_user(database: sa.Engine, ref: UserRef) -> ForgetReport:
    """Delete ``ref``'s rows in every table, in one transaction, and leave a tombstone in ``users``.

    The tombstone (``forgotten_at`` set, no role) is what keeps them out of later dataset builds.
    Audit entries stay, with their id replaced by ``[forgotten]``. Messages still pending are
    kept (their answer is being written); forgetting again once they are answered removes them.
    """
    deleted: dict[str, int] = {}
    now = time.time()
    owned = _owned(ref)
    mine = owned[inbox]
    owned[inbox] = sa.and_(mine, inbox.c.status != "pending")
    with database.begin() as connection:
        for table, where in owned.items():
            deleted[table.name] = connection.execute(table.delete().where(where)).rowcount
        kept = connection.execute(sa.select(sa.func.count()).select_from(inbox).where(mine)).scalar_one()
        redacted = _redact_audit(connection, ref)
        tombstone = {"is_admin": False, "forgotten_at": now, "updated_at": now}
        where_user = sa.and_(users.c.platform == ref.platform, users.c.user_id == ref.user_id)
        if connection.execute(users.update().where(where_user).values(**tombstone)).rowcount == 0:
            connection.execute(users.insert().values(platform=ref.platform, user_id=ref.user_id, **tombstone))
    return ForgetReport(deleted, kept, redacted)


def _redact_audit(connection: sa.Connection, ref: UserRef) -> int:
    """Replace ``ref`` in the audit log (as the actor, in args and details) by ``[forgotten]``."""
    redacted = 0
    rows = connection.execute(
        sa.select(
            audit_log.c.id, audit_log.c.platform, audit_log.c.user_id, audit_log.c.args, audit_log.c.detail
        )
    ).all()
    for row in rows:
        actor = row.platform == ref.platform and row.user_id == ref.user_id
        args = [FORGOTTEN if arg == ref.label else arg for arg in row.args]
        detail = row.detail.replace(ref.label, FORGOTTEN)
        if actor or args != row.args or detail != row.detail:
            connection.execute(
                audit_log.update()
                .where(audit_log.c.id == row.id)
                .values(user_id=FORGOTTEN if actor else row.user_id, args=args, detail=detail)
            )
            redacted += 1
    return redacted

"""Admin state in the database: roles and privacy choices, the audit log, channel modes, flags."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import sqlalchemy as sa

from storage.tables import audit_log, channel_settings, documents, runtime_flags, users


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One admin action or refusal: who (platform, user), what (verb, args), result, when."""

    platform: str
    user_id: str
    verb: str
    args: Sequence[str]
    result: str
    """``ok``, ``refused`` or ``error``."""
    detail: str = ""
    created_at: float = 0.0


_AUDIT_FIELDS = [field.name for field in fields(AuditEntry)]


@dataclass(frozen=True, slots=True)
class RuntimeSnapshot:
    """What routing needs on every message, read in one go and cached by the caller."""

    flags: Mapping[str, Any]
    channel_modes: Mapping[tuple[str, str, str], str]
    """(platform, team, channel) -> mode, for channels not in the default mode."""
    admins: frozenset[tuple[str, str]]
    """(platform, user) granted admin in the database."""


class AdminStore:
    """Reads and writes the users, audit_log, channel_settings and runtime_flags tables."""

    def __init__(self, database: sa.Engine) -> None:
        self.database = database

    # -- users: roles and privacy ------------------------------------------------------------

    def is_admin(self, platform: str, user_id: str) -> bool:
        """True when the database grants ``platform:user_id`` the admin role."""
        query = sa.select(users.c.is_admin).where(users.c.platform == platform, users.c.user_id == user_id)
        with self.database.connect() as connection:
            return bool(connection.execute(query).scalar())

    def admins(self) -> list[tuple[str, str]]:
        """Every (platform, user) granted admin in the database, sorted."""
        query = sa.select(users.c.platform, users.c.user_id).where(users.c.is_admin.is_(True))
        with self.database.connect() as connection:
            return sorted((row.platform, row.user_id) for row in connection.execute(query))

    def set_admin(self, platform: str, user_id: str, admin: bool) -> bool:
        """Grant or revoke admin; returns False when nothing changed."""
        return self._update_user(platform, user_id, is_admin=admin)

    def set_opted_out(self, platform: str, user_id: str, opted_out: bool) -> bool:
        """Record a user's choice to keep their conversations out of training; False if unchanged."""
        return self._update_user(platform, user_id, opted_out=opted_out)

    def user_row(self, platform: str, user_id: str) -> dict[str, Any] | None:
        """The users row of ``platform:user_id``, if any."""
        query = sa.select(users).where(users.c.platform == platform, users.c.user_id == user_id)
        with self.database.connect() as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else dict(row)

    def _update_user(self, platform: str, user_id: str, **values: Any) -> bool:
        where = (users.c.platform == platform, users.c.user_id == user_id)
        with self.database.begin() as connection:
            current = connection.execute(sa.select(users).where(*where)).mappings().first()
            if current is not None and all(current[name] == value for name, value in values.items()):
                return False
            stamped = {**values, "updated_at": time.time()}
            if current is None:
                connection.execute(users.insert().values(platform=platform, user_id=user_id, **stamped))
            else:
                connection.execute(users.update().where(*where).values(**stamped))
        return True

    # -- audit log --------------------------------------------------------------------------

    def record_audit(self, entry: AuditEntry) -> None:
        """Append ``entry`` (stamped now unless it has a time)."""
        values = asdict(entry) | {"args": list(entry.args), "created_at": entry.created_at or time.time()}
        with self.database.begin() as connection:
            connection.execute(audit_log.insert().values(**values))

    def recent_audit(self, limit: int) -> list[AuditEntry]:
        """The newest ``limit`` entries, newest first."""
        query = sa.select(*(audit_log.c[name] for name in _AUDIT_FIELDS)).order_by(audit_log.c.id.desc())
        with self.database.connect() as connection:
            rows = connection.execute(query.limit(limit)).all()
        return [AuditEntry(*row) for row in rows]

    # -- channel settings and runtime flags ------------------------------------------------

    def set_channel_mode(self, platform: str, team: str, channel: str, mode: str) -> None:
        """Put a channel in ``mode`` (``default`` or ``translator``)."""
        self._set_channel(platform, team, channel, mode=mode)

    def bind_collection(self, platform: str, team: str, channel: str, collection: str | None) -> None:
        """Make ``/ask`` in a channel answer from ``collection`` (None: the default collection)."""
        self._set_channel(platform, team, channel, collection=collection)

    def collections(self) -> tuple[list[tuple[str, int, int]], list[tuple[str, str, str, str]]]:
        """Collections as (name, files, pages); channel bindings as (platform, team, channel, name)."""
        ingested = sa.select(
            documents.c.collection, sa.func.count(), sa.func.sum(documents.c.pages)
        ).group_by(documents.c.collection)
        bound = sa.select(
            channel_settings.c.platform,
            channel_settings.c.team,
            channel_settings.c.channel,
            channel_settings.c.collection,
        ).where(channel_settings.c.collection.is_not(None))
        with self.database.connect() as connection:
            counts = [(name, files, int(pages or 0)) for name, files, pages in connection.execute(ingested)]
            bindings = [tuple(row) for row in connection.execute(bound)]
        return sorted(counts), sorted(bindings)

    def _set_channel(self, platform: str, team: str, channel: str, **values: Any) -> None:
        where = (
            channel_settings.c.platform == platform,
            channel_settings.c.team == team,
            channel_settings.c.channel == channel,
        )
        stamped = {**values, "updated_at": time.time()}
        with self.database.begin() as connection:
            if connection.execute(channel_settings.update().where(*where).values(**stamped)).rowcount == 0:
                connection.execute(
                    channel_settings.insert().values(platform=platform, team=team, channel=channel, **stamped)
                )

    def set_flag(self, name: str, value: Any) -> None:
        """Set runtime flag ``name`` (shared by every process on this database)."""
        now = time.time()
        with self.database.begin() as connection:
            updated = connection.execute(
                runtime_flags.update().where(runtime_flags.c.name == name).values(value=value, updated_at=now)
            )
            if updated.rowcount == 0:
                connection.execute(runtime_flags.insert().values(name=name, value=value, updated_at=now))

    def snapshot(self) -> RuntimeSnapshot:
        """Flags, non-default channel modes and database admins, in one read."""
        with self.database.connect() as connection:
            flags = {row.name: row.value for row in connection.execute(sa.select(runtime_flags))}
            modes = {
                (row.platform, row.team, row.channel): row.mode
                for row in connection.execute(
                    sa.select(channel_settings).where(channel_settings.c.mode != "default")
                )
            }
            admins = frozenset(
                (row.platform, row.user_id)
                for row in connection.execute(
                    sa.select(users.c.platform, users.c.user_id).where(users.c.is_admin.is_(True))
                )
            )
        return RuntimeSnapshot(flags, modes, admins)

"""Key-value storage a skill keeps per user, in its own namespace (table ``skill_data``)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import sqlalchemy as sa

from storage.statements import insert_on_conflict
from storage.tables import metadata

skill_data = sa.Table(
    "skill_data",
    metadata,
    sa.Column("skill", sa.String(64), primary_key=True),
    sa.Column("platform", sa.String(32), primary_key=True),
    sa.Column("user_id", sa.String(255), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)
"""One JSON value per skill, user and key (migration 0010)."""


class SkillData:
    """One skill's values per user: ``await storage.put(platform, user, "city", "Lyon")``."""

    def __init__(self, database: sa.Engine, skill: str) -> None:
        self.database = database
        self.skill = skill

    async def get(self, platform: str, user: str, key: str, default: Any = None) -> Any:
        """The value stored under ``key`` for this user, or ``default``."""
        return await asyncio.to_thread(self._get, platform, user, key, default)

    async def put(self, platform: str, user: str, key: str, value: Any) -> None:
        """Store ``value`` (anything JSON can hold) under ``key`` for this user."""
        await asyncio.to_thread(self._put, platform, user, key, value)

    async def delete(self, platform: str, user: str, key: str) -> None:
        """Forget ``key`` for this user (nothing happens when it is not stored)."""
        await asyncio.to_thread(self._delete, platform, user, key)

    def _where(self, platform: str, user: str, key: str) -> sa.ColumnElement[bool]:
        c = skill_data.c
        return sa.and_(c.skill == self.skill, c.platform == platform, c.user_id == user, c.key == key)

    def _get(self, platform: str, user: str, key: str, default: Any) -> Any:
        with self.database.connect() as connection:
            row = connection.execute(
                sa.select(skill_data.c.value).where(self._where(platform, user, key))
            ).first()
        return default if row is None else row.value

    def _put(self, platform: str, user: str, key: str, value: Any) -> None:
        row = {"skill": self.skill, "platform": platform, "user_id": user, "key": key}
        statement = insert_on_conflict(skill_data, self.database.dialect).values(
            **row, value=value, updated_at=time.time()
        )
        with self.database.begin() as connection:
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=list(row),
                    set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
                )
            )

    def _delete(self, platform: str, user: str, key: str) -> None:
        with self.database.begin() as connection:
            connection.execute(sa.delete(skill_data).where(self._where(platform, user, key)))

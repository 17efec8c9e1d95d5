"""Confirmed orders: stored once per confirming message, then marked as the webhook accepts them.

Blocking calls (SQLAlchemy Core); async callers run them with ``asyncio.to_thread``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from storage.tables import orders


@dataclass(frozen=True, slots=True)
class StoredOrder:
    """One row of the ``orders`` table."""

    id: int
    event_id: str
    platform: str
    scope_key: str
    user_id: str
    order: dict[str, Any]
    total: Decimal
    created_at: float
    delivered_at: float | None
    delivery_attempts: int

    def payload(self) -> dict[str, Any]:
        """The JSON body posted to the order webhook."""
        return {
            "id": self.id,
            "event_id": self.event_id,
            "platform": self.platform,
            "user": self.user_id,
            "scope": self.scope_key,
            "created_at": self.created_at,
            "order": self.order,
        }


class OrderStore:
    """The ``orders`` table: idempotent per event id, with delivery bookkeeping."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def add(self, event_id: str, platform: str, scope_key: str, user_id: str, order: dict[str, Any]) -> int:
        """Store the order confirmed by ``event_id`` and return its id; a replay returns the first row's."""
        existing = self.get(event_id)
        if existing is not None:
            return existing.id
        row = {
            "event_id": event_id,
            "platform": platform,
            "scope_key": scope_key,
            "user_id": user_id,
            "order": order,
            "total": Decimal(str(order["total"])),
            "created_at": time.time(),
            "delivery_attempts": 0,
        }
        try:
            with self.engine.begin() as db:
                return int(db.execute(sa.insert(orders).values(row).returning(orders.c.id)).scalar_one())
        except sa.exc.IntegrityError:  # the same event stored meanwhile by another process
            stored = self.get(event_id)
            if stored is None:
                raise
            return stored.id

    def get(self, event_id: str) -> StoredOrder | None:
        """The order confirmed by ``event_id``, if any."""
        with self.engine.connect() as db:
            row = db.execute(sa.select(orders).where(orders.c.event_id == event_id)).one_or_none()
        return None if row is None else StoredOrder(**row._asdict())

    def of_scope(self, scope_key: str) -> list[StoredOrder]:
        """Every order confirmed in the conversation ``scope_key``, oldest first."""
        query = sa.select(orders).where(orders.c.scope_key == scope_key).order_by(orders.c.id)
        with self.engine.connect() as db:
            return [StoredOrder(**row._asdict()) for row in db.execute(query)]

    def undelivered(self, limit: int = 100) -> list[StoredOrder]:
        """Orders the webhook has not accepted yet, oldest first."""
        query = sa.select(orders).where(orders.c.delivered_at.is_(None)).order_by(orders.c.id).limit(limit)
        with self.engine.connect() as db:
            return [StoredOrder(**row._asdict()) for row in db.execute(query)]

    def record_attempt(self, order_id: int, accepted: bool) -> None:
        """Count one delivery attempt; an accepted one sets ``delivered_at``."""
        values: dict[str, Any] = {"delivery_attempts": orders.c.delivery_attempts + 1}
        if accepted:
            values["delivered_at"] = time.time()
        with self.engine.begin() as db:
            db.execute(sa.update(orders).where(orders.c.id == order_id).values(values))

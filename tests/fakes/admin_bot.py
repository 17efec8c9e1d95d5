"""A fully assembled engine (build_engine: every skill, admin skills and policy) on SQLite, FakeLLM."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from conversation import Engine, Message, Reply, Settings, load_settings
from conversation.assembly import build_engine
from conversation.llm import FakeLLM
from storage import create_database_engine
from storage.tables import audit_log
from tests.fakes.collecting import CollectingSink

ADMIN = "boss"
"""Admin by configuration (``test:boss``)."""
USER = "pat"
"""A user with no role."""


@dataclass
class AdminBot:
    """The engine, what it delivered, its model, settings and database."""

    engine: Engine
    sink: CollectingSink
    llm: FakeLLM
    settings: Settings
    database: sa.Engine
    _ids: count[int] = field(default_factory=count)

    async def say(
        self, text: str, *, user: str = USER, channel: str = "c1", platform: str = "test"
    ) -> list[Reply]:
        """Send ``text`` as ``platform:user`` in ``channel``; returns the replies once answered."""
        message = Message(platform, user, text, f"{user}-{next(self._ids)}", channel=channel)
        await self.engine.submit(message)
        for _ in range(ANSWER_CHECKS):
            await self.engine.join()
            replies = [reply for sent, reply in self.sink.replies if sent.event_id == message.event_id]
            if replies:
                return replies
            await asyncio.sleep(ANSWER_CHECK_S)
        return []

    async def admin(self, command: str, **where: str) -> Reply:
        """``/admin <command>`` from the configured admin; the single reply."""
        [reply] = await self.say(f"/admin {command}", user=ADMIN, **where)
        return reply

    def audit(self) -> list[dict[str, Any]]:
        """Every audit_log row, oldest first."""
        with self.database.connect() as connection:
            rows = connection.execute(sa.select(audit_log).order_by(audit_log.c.id)).mappings().all()
        return [dict(row) for row in rows]


ANSWER_CHECKS = 20
ANSWER_CHECK_S = 0.1
"""A message with no reply yet is looked at again for up to 2 s: a clean-clone CI run once read
the replies of "/admin channel mode" before the engine had answered it (cause not found)."""


@asynccontextmanager
async def admin_bot(data_dir: Path, **overrides: Any) -> AsyncIterator[AdminBot]:
    """A started, fully assembled engine in ``data_dir``; ``test`` replies go to one sink.

    Its users may send as fast as a test does (tests/test_user_limits.py covers the limits).
    """
    unlimited = {"user_burst": 1_000_000, "user_rate_per_minute": 1e9}
    settings = load_settings(
        **{
            "data_dir": data_dir,
            "intent_classifier": False,
            "admins": [f"test:{ADMIN}"],
            **unlimited,
            **overrides,
        }
    )
    llm = FakeLLM()
    engine = build_engine(settings, llm)
    sink = CollectingSink()
    engine.register_sink("test", sink)
    await engine.start()
    try:
        yield AdminBot(engine, sink, llm, settings, create_database_engine(settings.resolved_database_url))
    finally:
        await engine.aclose()

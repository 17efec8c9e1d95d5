"""Test a skill the way the project tests its own: a real engine, FakeLLM, a collecting sink.

    async with TestBot.start(tmp_path, skills={"status": StatusSkill}) as bot:
        replies = await bot.say("where is my order 123?")

or, with every installed skill, the ``bot`` fixture (``from chatwright.testing import bot`` in a
conftest.py, which may also define ``chatwright_config`` to set the skills' sections).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from chatwright.collecting import CollectingSink
from conversation import Engine, Message, Reply, Settings
from conversation.assembly import build_engine
from conversation.llm import LLM, FakeLLM
from skills.builtin import chat
from skills.context import SkillFactory

PLATFORM = "test"

__all__ = ["CollectingSink", "TestBot", "bot", "chatwright_config"]


class TestBot:
    """A started engine and the sink collecting its replies; ``say`` sends and waits for the answer."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, engine: Engine, sink: CollectingSink) -> None:
        self.engine = engine
        self.sink = sink
        self._events = count(1)

    @classmethod
    @asynccontextmanager
    async def start(
        cls,
        folder: Path,
        *,
        skills: Mapping[str, SkillFactory] | None = None,
        llm: LLM | None = None,
        config: Mapping[str, dict[str, Any]] | None = None,
        **settings: Any,
    ) -> AsyncIterator[TestBot]:
        """An engine on a SQLite file in ``folder`` with FakeLLM unless ``llm`` is given.

        ``skills``: name -> factory (chat is added as the fallback); None: every installed skill.
        ``config``: the skills' sections (``[skills.<name>]``); ``settings`` override other Settings
        fields (the intent classifier is off unless turned on).
        """
        options: dict[str, Any] = {"data_dir": folder, "model": "fake", "intent_classifier": False}
        options["skills"] = dict(config or {})
        factories = None if skills is None else {"chat": chat, **skills}
        engine = build_engine(Settings(**options | settings), llm or FakeLLM(), factories)
        sink = CollectingSink()
        engine.register_sink(PLATFORM, sink)
        await engine.start()
        try:
            yield cls(engine, sink)
        finally:
            await engine.aclose()

    async def say(self, text: str, *, user: str = "u1", channel: str = "c1") -> list[Reply]:
        """Send ``text`` as ``user`` in ``channel`` and return the replies it got."""
        sent = Message(PLATFORM, user=user, text=text, event_id=f"e{next(self._events)}", channel=channel)
        await self.engine.submit(sent)
        await self.engine.join()
        return [reply for message, reply in self.sink.replies if message.event_id == sent.event_id]


@pytest.fixture
def chatwright_config() -> dict[str, dict[str, Any]]:
    """The skills' sections for ``bot``: none; a conftest.py overrides this fixture to set them."""
    return {}


@pytest.fixture
async def bot(tmp_path: Path, chatwright_config: dict[str, dict[str, Any]]) -> AsyncIterator[TestBot]:
    """A TestBot with every installed skill (so a plugin's own, once installed) and ``chatwright_config``."""
    async with TestBot.start(tmp_path, config=chatwright_config) as started:
        yield started

"""Engines on a real SQLite file with a FakeLLM, as most engine tests want them."""

from __future__ import annotations

from pathlib import Path

from conversation import Engine, EngineLimits, Message
from conversation.llm import LLM, FakeLLM
from conversation.router import Router
from skills import ChatSkill
from storage import Ledger, create_database_engine, upgrade_schema


def sqlite_url(folder: Path) -> str:
    """A SQLite database file inside ``folder``."""
    return f"sqlite:///{folder / 'chatwright.db'}"


def make_engine(url: str, llm: LLM | None = None, limits: EngineLimits | None = None) -> Engine:
    """An engine with only the chat skill on a migrated database at ``url``."""
    database = create_database_engine(url)
    upgrade_schema(database)
    router = Router({"chat": ChatSkill("You are a test bot.")})
    return Engine(Ledger(database), llm or FakeLLM(), router, limits or EngineLimits())


def message(
    text: str,
    *,
    user: str = "u1",
    event_id: str | None = None,
    channel: str = "c1",
    platform: str = "test",
    thread: str = "",
) -> Message:
    """A test message; the event id defaults to one derived from user and text."""
    return Message(
        platform=platform,
        user=user,
        text=text,
        event_id=event_id or f"{user}:{text}",
        channel=channel,
        thread=thread,
    )

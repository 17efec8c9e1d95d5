"""What the eval commands share: an engine on a throw-away database, its reply sink, the record.

Eval turns run on a scratch data dir and SQLite file, so they never reach the transcripts that
training reads; only the result is recorded, as one ``eval_runs`` row in the real database.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import SecretStr

from conversation.assembly import build_engine
from conversation.engine import Engine
from conversation.llm import make_llm
from conversation.llm.base import LLM
from conversation.settings import Settings
from conversation.types import Message, Reply
from storage import create_database_engine, upgrade_schema
from storage.tables import eval_runs

PLATFORM = "eval"
"""The platform of eval messages; the collector is its reply sink."""
Report = TypeVar("Report")


class ReplyCollector:
    """The eval platform's reply sink: replies by event id, and when each message settled."""

    def __init__(self) -> None:
        self.replies: dict[str, list[Reply]] = {}
        self.first_output: dict[str, float] = {}
        """Event id -> when (perf_counter) the first text of its answer came, streamed or whole."""
        self._settled: dict[str, asyncio.Event] = {}

    async def deliver(self, message: Message, reply: Reply) -> str | None:
        """Keep the reply."""
        self.first_output.setdefault(message.event_id, time.perf_counter())
        self.replies.setdefault(message.event_id, []).append(reply)
        return None

    async def stream(self, message: Message, text: str) -> None:
        """Note when the first text came; streaming is not shown anywhere."""
        self.first_output.setdefault(message.event_id, time.perf_counter())

    async def settled(self, message: Message) -> None:
        """Wake whoever waits for this message's replies."""
        self._event(message.event_id).set()

    async def wait_settled(self, event_id: str, timeout_s: float) -> list[Reply]:
        """The replies to ``event_id`` once all were delivered, or those delivered by ``timeout_s``."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await self._event(event_id).wait()
        return self.replies.get(event_id, [])

    def _event(self, event_id: str) -> asyncio.Event:
        return self._settled.setdefault(event_id, asyncio.Event())


@contextlib.asynccontextmanager
async def scratch_engine(
    settings: Settings, llm: LLM, **overrides: Any
) -> AsyncIterator[tuple[Engine, ReplyCollector]]:
    """A started engine on ``llm`` over a temporary data dir, its replies collected.

    No order reaches the configured webhook, and a failing model is not retried (its turn gets
    the notice at once). ``overrides`` change further settings.
    """
    with tempfile.TemporaryDirectory(prefix="chatwright-eval-") as scratch:
        isolated = settings.model_copy(
            update={
                "data_dir": Path(scratch),
                "database_url": "",
                "order_webhook_url": SecretStr(""),
                "max_attempts": 1,
                **overrides,
            }
        )
        engine = build_engine(isolated, llm)
        collector = ReplyCollector()
        engine.register_sink(PLATFORM, collector)
        await engine.start()
        try:
            yield engine, collector
        finally:
            await engine.aclose()
            engine.ledger.engine.dispose()


async def evaluate_and_record(
    settings: Settings,
    evaluate: Callable[[LLM], Awaitable[Report]],
    record: Callable[[sa.Engine, Report], None],
) -> Report:
    """Run ``evaluate`` on the configured model, then ``record`` its report in the configured database."""
    llm = make_llm(settings)
    try:
        report = await evaluate(llm)
    finally:
        await llm.aclose()
    database = create_database_engine(settings.resolved_database_url)
    upgrade_schema(database)
    record(database, report)
    return report


def record_eval_run(database: sa.Engine, kind: str, subject: str, metrics: dict[str, Any]) -> None:
    """Store one ``eval_runs`` row for this chatwright version."""
    row = {
        "kind": kind,
        "subject": subject,
        "app_version": app_version(),
        "metrics": metrics,
        "created_at": time.time(),
    }
    with database.begin() as db:
        db.execute(sa.insert(eval_runs).values(row))


def share(part: int, whole: int) -> float:
    """``part`` over ``whole``; 0 when there is nothing."""
    return part / whole if whole else 0.0


def app_version() -> str:
    """The installed chatwright version."""
    try:
        return version("chatwright")
    except PackageNotFoundError:
        return "unknown"

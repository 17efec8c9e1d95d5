"""Adapters served the way ``chatwright run`` serves them, for tests that talk to them through fakes.

Slack is served by uvicorn on a real socket (``serve_slack``) and gets signed HTTP requests; Discord
is discord.py on the fake gateway through the app's lifespan (``serve_discord``). The helpers count
what the fakes received. Shared by the retry-storm, crash, isolation and feedback tests.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from bots.discord import DiscordAdapter
from bots.runner import configured_adapters
from bots.slack import EVENTS_PATH
from bots.web import create_app
from conversation import Engine, load_settings
from storage import Completion, NewEvent, SentReply, Written
from storage.tables import feedback, inbox, outbox
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_objects import BOTS_ID, Payload, user
from tests.fakes.slack_api import FakeSlackApi, interaction_body, signed_headers

SECRET = "storm-signing-secret"
REPLIES = r"/channels/\d+/messages"


@dataclass
class SlackServer:
    """``chatwright run`` with Slack over HTTP on a real socket, talking to a fake Slack Web API."""

    slack: FakeSlackApi
    engine: Engine
    http: httpx.AsyncClient

    async def deliver(self, payload: Payload, retry_num: int = 0, *, timeout: float = 10.0) -> httpx.Response:
        """POST a signed Events API request; ``retry_num`` > 0 adds Slack's retry headers."""
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", **signed_headers(body, SECRET)}
        if retry_num:
            headers |= {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.http.post(EVENTS_PATH, content=body, headers=headers, timeout=timeout)

    async def press(self, payload: Payload) -> httpx.Response:
        """POST a signed interactivity request (a ``block_actions`` payload, form-encoded)."""
        body = interaction_body(payload)
        headers = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(body, SECRET)}
        return await self.http.post(EVENTS_PATH, content=body, headers=headers)


def slack_answers(slack: FakeSlackApi) -> Counter[str]:
    """How many visible messages show each text (a placeholder edited into the answer counts once)."""
    return Counter(message.text for message in slack.messages if not message.deleted)


@asynccontextmanager
async def serve_slack(slack: FakeSlackApi, engine: Engine, **overrides: Any) -> AsyncIterator[SlackServer]:
    """Serve ``engine`` with the configured Slack adapter under uvicorn until the block ends.

    ``overrides``: other settings (e.g. OAuth's client id and secret, and no bot token).
    """
    defaults = {
        "slack_bot_token": "xoxb-storm",
        "slack_signing_secret": SECRET,
        "slack_api_url": slack.base_url,
    }
    settings = load_settings(**(defaults | overrides))
    app = create_app(engine, configured_adapters(engine, settings))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if serving.done():
                    await serving  # start-up failed: raise its error
                    raise RuntimeError("uvicorn stopped during start-up")
                await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            yield SlackServer(slack, engine, http)
    finally:
        server.should_exit = True
        await serving
        listener.close()


@asynccontextmanager
async def serve_discord(fake: FakeDiscord, engine: Engine) -> AsyncIterator[DiscordAdapter]:
    """Run ``engine`` with the configured Discord adapter through the app's lifespan until the block ends."""
    settings = load_settings(
        discord_token="fake-token", discord_bot_channels=[str(BOTS_ID)], **fake.settings()
    )
    adapters = configured_adapters(engine, settings)
    app = create_app(engine, adapters)
    sessions = len(fake.identifies) + len(fake.resumes)
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    try:
        await fake.until(lambda: fake.connected and len(fake.identifies) + len(fake.resumes) > sessions)
        [adapter] = adapters
        assert isinstance(adapter, DiscordAdapter)
        yield adapter
    finally:  # the shutdown half runs even when the test failed (the lifespan has no finally)
        await lifespan.__aexit__(None, None, None)


def discord_answers(fake: FakeDiscord) -> Counter[str]:
    """How many of the bot's Discord messages show each text."""
    return Counter(message["content"] for message in fake.messages.values())


def inbox_statuses(database_url: str) -> Counter[str]:
    """How many inbox rows are in each status."""
    database = sa.create_engine(database_url)
    with database.connect() as connection:
        rows = connection.execute(sa.select(inbox.c.status, sa.func.count()).group_by(inbox.c.status))
        statuses = Counter({status: count for status, count in rows})
    database.dispose()
    return statuses


def feedback_votes(database_url: str) -> list[tuple[str, str, str, int]]:
    """Every stored vote: (platform, the rated reply's platform_ref, user, value)."""
    database = sa.create_engine(database_url)
    query = sa.select(outbox.c.platform, outbox.c.platform_ref, feedback.c.user_id, feedback.c.value).join(
        outbox, outbox.c.id == feedback.c.outbox_id
    )
    with database.connect() as connection:
        votes = [
            (platform, str(ref), user, value) for platform, ref, user, value in connection.execute(query)
        ]
    database.dispose()
    return sorted(votes)


def lose_sent_marks(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``engine`` write everything but its sent marks, as a process killed right after a post."""
    write = engine.ledger.write

    def write_without_sent_marks(
        events: Sequence[NewEvent] = (),
        completions: Sequence[Completion] = (),
        sent: Sequence[SentReply] = (),
    ) -> Written:
        return write(events, completions, ())

    monkeypatch.setattr(engine.ledger, "write", write_without_sent_marks)


def sent_marks(database_url: str) -> list[float | None]:
    """When each outbox row was marked sent (None: not yet)."""
    database = sa.create_engine(database_url)
    with database.connect() as connection:
        marks = list(connection.execute(sa.select(outbox.c.sent_at)).scalars())
    database.dispose()
    return marks


async def until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Wait until ``condition()`` is true."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


# -- Discord direct messages ------------------------------------------------------------------

FIRST_USER = 1_100_000_000_000_001_000
FIRST_DM = 1_100_000_000_000_002_000


def dm_from(fake: FakeDiscord, n: int, text: str) -> Payload:
    """A DM ``text`` from user number ``n`` (each user has their own DM channel)."""
    return fake.message(text, channel_id=FIRST_DM + n, author=user(FIRST_USER + n, f"user{n}"))

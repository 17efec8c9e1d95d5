"""Retry storms: every event arrives 1-4 times (Slack retries, Discord gateway replays) -> one reply each.

Both platforms run through the wiring of ``chatwright run`` (``bots.runner.configured_adapters`` and
``bots.web.create_app`` with its lifespan); Slack is served by uvicorn on a real socket and gets
signed HTTP requests, Discord is discord.py on the fake gateway. Assertions are on what the fakes
received. The harnesses at the top are shared with test_adapter_crash and test_adapter_isolation.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

import bots.discord.sink
from bots.discord import DiscordAdapter
from bots.runner import configured_adapters
from bots.slack import EVENTS_PATH
from bots.web import create_app
from conversation import Engine, EngineLimits, load_settings
from conversation.llm import FakeLLM
from storage.tables import inbox
from tests.fakes.discord_api import BOTS_ID, FakeDiscord, Payload, user
from tests.fakes.engines import make_engine, sqlite_url
from tests.fakes.slack_api import FakeSlackApi, event_callback, mention_event, message_event, signed_headers

SECRET = "storm-signing-secret"
PLACEHOLDER = "…"
REPLIES = r"/channels/\d+/messages"

# -- harnesses ----------------------------------------------------------------------------------


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


def slack_answers(slack: FakeSlackApi) -> Counter[str]:
    """How many visible messages show each text (a placeholder edited into the answer counts once)."""
    return Counter(message.text for message in slack.messages if not message.deleted)


@asynccontextmanager
async def serve_slack(slack: FakeSlackApi, engine: Engine) -> AsyncIterator[SlackServer]:
    """Serve ``engine`` with the configured Slack adapter under uvicorn until the block ends."""
    settings = load_settings(
        slack_bot_token="xoxb-storm", slack_signing_secret=SECRET, slack_api_url=slack.base_url
    )
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


def point_discord_py_at(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    """Send discord.py's REST calls and gateway connection to ``fake``."""
    monkeypatch.setattr(Route, "BASE", fake.api_url)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url))


@asynccontextmanager
async def serve_discord(fake: FakeDiscord, engine: Engine) -> AsyncIterator[DiscordAdapter]:
    """Run ``engine`` with the configured Discord adapter through the app's lifespan until the block ends."""
    settings = load_settings(discord_token="fake-token", discord_bot_channels=[str(BOTS_ID)])
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


async def until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Wait until ``condition()`` is true."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


# -- Slack ----------------------------------------------------------------------------------------

EVENTS = 200


def storm_event(n: int) -> Payload:
    """Event ``n``: mostly DMs from 13 users, every fourth a mention in one of 5 channels."""
    ts = f"{1_700_000_000 + n}.000100"
    if n % 4 == 3:
        event = mention_event(f"<@UBOT> storm {n}", user=f"U{n % 13}", channel=f"C{n % 5}", ts=ts)
    else:
        event = message_event(f"storm {n}", user=f"U{n % 13}", channel=f"D{n % 13}", ts=ts, channel_type="im")
    return event_callback(event, f"EvStorm{n:03d}")


async def test_slack_retry_storm_of_200_events_delivered_1_to_4_times_gets_exactly_200_replies(
    tmp_path: Path,
) -> None:
    chance = random.Random(20_240_611)
    deliveries = [
        (storm_event(n), retry_num) for n in range(EVENTS) for retry_num in range(chance.randint(1, 4))
    ]
    chance.shuffle(deliveries)  # retries may overtake their first delivery, as when it was lost
    database_url = sqlite_url(tmp_path)

    async with FakeSlackApi() as slack:
        engine = make_engine(database_url, FakeLLM(), EngineLimits(retry_after_s=60))
        async with serve_slack(slack, engine) as server:
            statuses: list[int] = []
            while deliveries:
                size = chance.randint(1, 30)  # up to 30 requests in flight at once
                batch, deliveries = deliveries[:size], deliveries[size:]
                responses = await asyncio.gather(*(server.deliver(p, n) for p, n in batch))
                statuses += [response.status_code for response in responses]
            await slack.wait_until(lambda: sum(slack_answers(slack).values()) >= EVENTS, timeout=15)
            await engine.join()
        answers = slack_answers(slack)  # after shutdown: nothing arrived late

    assert Counter(statuses) == {200: len(statuses)}
    assert len(statuses) > 400, "about 2.5 deliveries per event"
    assert answers == Counter({f"echo: storm {n}": 1 for n in range(EVENTS)})
    assert inbox_statuses(database_url) == {"done": EVENTS}


# -- Discord --------------------------------------------------------------------------------------

FIRST_USER = 1_100_000_000_000_001_000
FIRST_DM = 1_100_000_000_000_002_000


def dm_from(fake: FakeDiscord, n: int, text: str) -> Payload:
    """A DM ``text`` from user number ``n`` (each user has their own DM channel)."""
    return fake.message(text, channel_id=FIRST_DM + n, author=user(FIRST_USER + n, f"user{n}"))


async def test_discord_200_messages_dispatched_1_to_4_times_and_replayed_on_resume_get_exactly_200_replies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chance = random.Random(20_240_612)
    async with FakeDiscord() as fake:
        point_discord_py_at(fake, monkeypatch)
        messages = [dm_from(fake, n % 13, f"storm {n}") for n in range(EVENTS)]
        dispatches = [data for data in messages for _ in range(chance.randint(1, 4))]
        chance.shuffle(dispatches)
        drops = {len(dispatches) // 3, 2 * len(dispatches) // 3}
        engine = make_engine(sqlite_url(tmp_path), FakeLLM(), EngineLimits(retry_after_s=60))

        async with serve_discord(fake, engine):
            for number, data in enumerate(dispatches):
                sequence = await fake.dispatch("MESSAGE_CREATE", data)
                if number in drops:  # a reconnect; the RESUME replays the last 40 events once more
                    await fake.until(lambda: fake.connected)
                    await fake.drop_connection(replay_from=max(2, sequence - 40))
            await fake.until(lambda: sum(discord_answers(fake).values()) >= EVENTS, timeout=15)
            await engine.join()
        answers = discord_answers(fake)
        posted = fake.calls_to("POST", REPLIES)

    assert len(fake.resumes) == 2 and len(fake.identifies) == 1
    assert len(fake.replayed) >= 80
    assert len(dispatches) > 400
    assert answers == Counter({f"echo: storm {n}": 1 for n in range(EVENTS)})
    assert [call.status for call in posted] == [200] * EVENTS


async def test_a_discord_replay_while_the_answer_is_being_written_leaves_no_typing_indicator_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bots.discord.sink, "TYPING_REFRESH_S", 0.05)
    llm = FakeLLM()
    llm.delay_s = 0.5
    async with FakeDiscord() as fake:
        point_discord_py_at(fake, monkeypatch)
        typing = lambda: fake.calls_to("POST", rf"/channels/{FIRST_DM}/typing")  # noqa: E731
        engine = make_engine(sqlite_url(tmp_path), llm, EngineLimits(retry_after_s=60))
        async with serve_discord(fake, engine):
            data = dm_from(fake, 0, "write slowly")
            await fake.dispatch("MESSAGE_CREATE", data)
            await fake.until(typing)
            await fake.dispatch("MESSAGE_CREATE", data)  # the gateway delivers it again
            await fake.until(lambda: fake.contents_in(FIRST_DM))
            await engine.join()
            typed_until_the_answer = len(typing())
            await asyncio.sleep(0.4)
            typed_later = len(typing())

    assert fake.contents_in(FIRST_DM) == ["echo: write slowly"]
    assert typed_later == typed_until_the_answer, "still 'typing…' after the answer was posted"

"""Discord stays up and says when it is down: a supervised gateway, /healthz, unknown commands.

discord.py runs against the fake gateway and REST API, served through the app's lifespan as
``chatwright run`` serves it; /healthz and /readyz are asked through the same app.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bots.discord import DiscordAdapter
from bots.runner import configured_adapters
from bots.web import create_app
from conversation import Engine, EngineLimits, load_settings
from tests.fakes.adapter_servers import FIRST_DM, dm_from
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_objects import BOTS_ID
from tests.fakes.engines import make_engine, sqlite_url

CALLBACK = r"/interactions/\d+/[^/]+/callback"
EPHEMERAL = 1 << 6


@dataclass
class Served:
    """The app with its Discord adapter started, and an HTTP client on the app."""

    fake: FakeDiscord
    engine: Engine
    adapter: DiscordAdapter
    http: httpx.AsyncClient


@asynccontextmanager
async def served(fake: FakeDiscord, engine: Engine) -> AsyncIterator[Served]:
    settings = load_settings(
        discord_token="fake-token", discord_bot_channels=[str(BOTS_ID)], **fake.settings()
    )
    [adapter] = configured_adapters(engine, settings)
    assert isinstance(adapter, DiscordAdapter)
    adapter.gateway.first_delay_s = 0.05
    app = create_app(engine, [adapter])
    async with app.router.lifespan_context(app):
        await fake.until(lambda: fake.connected)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
            yield Served(fake, engine, adapter, http)


async def test_a_connection_ended_by_an_unparsable_event_is_reestablished_and_answers(tmp_path: Path) -> None:
    async with FakeDiscord() as fake, served(fake, make_engine(sqlite_url(tmp_path))) as bot:
        starting = await bot.http.get("/readyz")
        await fake.until(lambda: bot.adapter.health().state == "up")
        ready = await bot.http.get("/readyz")
        broken = dm_from(fake, 0, "x")
        del broken["content"]  # discord.py's Message() raises KeyError: 'content'
        await fake.dispatch("MESSAGE_CREATE", broken)
        await fake.until(lambda: len(fake.identifies) == 2 and fake.connected)
        await fake.until(lambda: bot.adapter.health().state == "up")
        await fake.dispatch("MESSAGE_CREATE", dm_from(fake, 0, "still there?"))
        await fake.until(lambda: fake.contents_in(FIRST_DM))
        health = await bot.http.get("/healthz")

    assert starting.status_code == 503, "not ready before discord.py's READY and guilds"
    assert ready.status_code == 200 and ready.json()["adapters"] == {"discord": {"state": "up"}}
    assert bot.adapter.gateway.restarts == 1
    assert fake.contents_in(FIRST_DM) == ["echo: still there?"]
    assert health.status_code == 200 and health.json()["adapters"]["discord"]["state"] == "up"


async def test_healthz_reports_an_adapter_that_is_down_for_good(tmp_path: Path) -> None:
    async with FakeDiscord() as fake, served(fake, make_engine(sqlite_url(tmp_path))) as bot:
        await fake.drop_connection(code=4004)  # authentication failed: discord.py closes the client
        await fake.until(lambda: bot.adapter.health().state == "down")
        health = await bot.http.get("/healthz")
        ready = await bot.http.get("/readyz")

    assert health.status_code == 503 and ready.status_code == 503
    discord = health.json()["adapters"]["discord"]
    assert discord["state"] == "down" and "4004" in discord["detail"]
    assert len(fake.identifies) == 1, "no reconnect after a close Discord means for good"


async def test_an_unknown_command_gets_the_command_list_ephemerally(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path), limits=EngineLimits(retry_after_s=60))
    async with FakeDiscord() as fake, served(fake, engine):
        await fake.dispatch("INTERACTION_CREATE", fake.slash_command("frobnicate", "now"))
        await fake.until(lambda: fake.calls_to("POST", CALLBACK))

    (callback,) = fake.calls_to("POST", CALLBACK)
    assert callback.json["type"] == 4, "answered right away, not deferred"
    data = callback.json["data"]
    assert data["flags"] & EPHEMERAL
    assert data["content"].startswith("I don't know /frobnicate.") and "\n/help — " in data["content"]

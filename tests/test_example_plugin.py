"""The example plugin (examples/acme-status), installed as any plugin is, works on every surface.

No line of chatwright names it: the engine is the one `chatwright run` builds, and the plugin's
skill comes from its entry point. /status and free text reach it on the web chat, Slack and Discord.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bots.discord import DiscordAdapter
from bots.slack import EVENTS_PATH, ProgressTiming, SlackAdapter
from bots.web.app import create_app
from conversation import Engine, load_settings
from conversation.assembly import build_engine
from conversation.llm import FakeLLM
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_objects import DM_ID
from tests.fakes.slack_api import (
    FakeSlackApi,
    event_callback,
    form_body,
    message_event,
    signed_headers,
    slash_command,
)

fake_api = pytest.importorskip("acme_status.fake_api", reason="make test installs examples/acme-status")

SHIPPED = "Order 123: shipped (updated 2026-12-03)."
SECRET = "plugin-secret"


@pytest.fixture
async def api_url() -> AsyncIterator[str]:
    async with fake_api.running_order_api({"123": {"status": "shipped", "updated": "2026-12-03"}}) as api:
        yield api.url


def bot_engine(tmp_path: Path, api_url: str, **settings: object) -> Engine:
    """The engine of `chatwright run`, with the plugin's section set as an operator would."""
    options = {"data_dir": tmp_path, "model": "fake", "intent_classifier": False} | settings
    return build_engine(load_settings(skills={"status": {"api_url": api_url}}, **options), FakeLLM())


async def test_the_web_chat_reaches_the_plugin(tmp_path: Path, api_url: str) -> None:
    app = create_app(bot_engine(tmp_path, api_url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://chat.test") as browser:
            await browser.get("/")

            async def replies(text: str) -> list[str]:
                response = await browser.post("/api/chat", json={"text": text})
                events = [json.loads(line) for line in response.text.splitlines() if line]
                return [event["text"] for event in events if event["type"] == "reply"]

            assert await replies("/status 123") == [SHIPPED]
            assert await replies("where is my order 123?") == [SHIPPED]


async def test_slack_registers_the_plugins_command_and_routes_its_free_text(
    tmp_path: Path, api_url: str
) -> None:
    async with FakeSlackApi() as slack:
        engine = bot_engine(tmp_path, api_url)
        settings = load_settings(
            slack_bot_token="xoxb-t", slack_signing_secret=SECRET, slack_api_url=slack.base_url
        )
        adapter = SlackAdapter(engine, settings, progress=ProgressTiming(60, 60))
        await engine.start()
        transport = httpx.ASGITransport(app=create_app(engine, [adapter]))
        async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
            command = form_body(
                slash_command(
                    "/status",
                    "123",
                    user="U1",
                    channel="C1",
                    trigger_id="1.2.3",
                    response_url=slack.response_url("C1"),
                )
            )
            form = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(command, SECRET)}
            assert (await http.post(EVENTS_PATH, content=command, headers=form)).status_code == 200
            dm = message_event("where is my order 123?", user="U1", channel="D1", ts="1.1", channel_type="im")
            event = json.dumps(event_callback(dm, "Ev1")).encode()
            signed = {"Content-Type": "application/json", **signed_headers(event, SECRET)}
            assert (await http.post(EVENTS_PATH, content=event, headers=signed)).status_code == 200
            await slack.wait_until(lambda: bool(slack.shown("C1")) and bool(slack.shown("D1")))
        await engine.aclose()
        await adapter.stop()

    assert slack.shown("C1") == [SHIPPED]
    assert slack.shown("D1") == [SHIPPED]


async def test_discord_syncs_the_plugins_command_and_routes_its_free_text(
    tmp_path: Path, api_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeDiscord() as discord:
        engine = bot_engine(tmp_path, api_url)
        adapter = DiscordAdapter(engine, load_settings(discord_token="fake-token", **discord.settings()))
        await engine.start()
        await adapter.start()
        await discord.until(lambda: discord.connected)

        typed = [{"name": "order_id", "type": 4, "value": 123}]
        await discord.dispatch("INTERACTION_CREATE", discord.slash_command("status", "", options=typed))
        await discord.until(lambda: bool(discord.calls_to("POST", r"/webhooks/.*")))
        await discord.dispatch("MESSAGE_CREATE", discord.message("where is my order 123?"))
        await discord.until(lambda: bool(discord.contents_in(DM_ID)))
        await adapter.stop()
        await engine.aclose()

    (sync,) = discord.calls_to("PUT", r"/applications/\d+/commands")
    [status] = [command for command in sync.json if command["name"] == "status"]
    assert [(o["name"], o["type"], o.get("required", False)) for o in status["options"]] == [
        ("order_id", 4, False)
    ]
    (follow_up,) = discord.calls_to("POST", r"/webhooks/.*")
    assert follow_up.json["content"] == SHIPPED
    assert discord.contents_in(DM_ID) == [SHIPPED]

"""Slack slash commands over HTTP: acked at once, routed as ``/<command> <text>``, answered by a post."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from itertools import count

import httpx
import pytest
from starlette.applications import Starlette

from bots.slack import EVENTS_PATH, ProgressTiming, SlackAdapter
from conversation import Engine, EngineLimits, Reply, load_settings
from conversation.llm import FakeLLM
from conversation.router import Router
from skills import ChatSkill, SkillRequest, SkillResponse
from storage import Ledger
from tests.fakes.engines import migrated_database
from tests.fakes.slack_api import FakeSlackApi, form_body, signed_headers, slash_command

COMMANDS = ("order", "translate", "proofread", "ask", "reply", "help", "admin", "optout", "optin", "status")
"""The router's skills: Slack gets one command per skill, a plugin's (status) like the shipped ones."""

SECRET = "commands-secret"


class RecordingSkill:
    """Answers ``<name>: <text>`` once its gate is open, and keeps every request it got."""

    def __init__(self, name: str, gate: asyncio.Event) -> None:
        self.name = name
        self.description = f"The {name} command."
        self.requests: list[SkillRequest] = []
        self._gate = gate

    async def handle(self, request: SkillRequest) -> SkillResponse:
        self.requests.append(request)
        await self._gate.wait()
        return SkillResponse([Reply(f"{self.name}: {request.text}", skill=self.name)])


class CommandBot:
    """An engine whose router knows every command, behind the Slack adapter, and the fake Slack."""

    def __init__(
        self,
        slack: FakeSlackApi,
        engine: Engine,
        http: httpx.AsyncClient,
        gate: asyncio.Event,
        skills: dict[str, RecordingSkill],
    ) -> None:
        self.slack = slack
        self.engine = engine
        self.http = http
        self.gate = gate
        """Set it to let the skills answer."""
        self.skills = skills
        self._triggers = count(1)

    async def command(self, name: str, text: str, channel: str = "C1") -> httpx.Response:
        payload = slash_command(
            f"/{name}",
            text,
            user="U1",
            channel=channel,
            trigger_id=f"{next(self._triggers)}.42.abc",
            response_url=self.slack.response_url(channel),
        )
        body = form_body(payload)
        headers = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(body, SECRET)}
        return await self.http.post(EVENTS_PATH, content=body, headers=headers)


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[CommandBot]:
    database = migrated_database(database_url)
    gate = asyncio.Event()
    skills = {name: RecordingSkill(name, gate) for name in COMMANDS}
    router = Router({"chat": ChatSkill("You are a test bot."), **skills})
    engine = Engine(Ledger(database), FakeLLM(), router, EngineLimits(retry_after_s=60))
    async with FakeSlackApi() as slack:
        settings = load_settings(
            slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=slack.base_url
        )
        adapter = SlackAdapter(engine, settings, progress=ProgressTiming(60, 60))
        await engine.start()
        transport = httpx.ASGITransport(app=Starlette(routes=adapter.routes()))
        async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
            yield CommandBot(slack, engine, http, gate, skills)
            gate.set()
        await engine.aclose()
        await adapter.stop()


async def test_a_command_is_acked_before_it_is_answered_and_then_posted_in_its_channel(
    bot: CommandBot,
) -> None:
    started = time.perf_counter()
    response = await bot.command("translate", "hola, ¿qué tal? into English")
    acked_after = time.perf_counter() - started

    assert response.status_code == 200 and response.text == ""
    assert acked_after < 0.5
    assert bot.slack.calls_to("chat.postMessage") == []

    bot.gate.set()
    await bot.engine.join()

    [request] = bot.skills["translate"].requests
    assert request.message.text == "/translate hola, ¿qué tal? into English"
    assert request.text == "hola, ¿qué tal? into English"
    assert request.message.event_id == "slack-command-1.42.abc"
    assert bot.slack.shown("C1") == ["translate: hola, ¿qué tal? into English"]


@pytest.mark.parametrize("name", COMMANDS)
async def test_each_command_reaches_its_skill(bot: CommandBot, name: str) -> None:
    bot.gate.set()

    response = await bot.command(name, "something")
    await bot.engine.join()

    assert response.status_code == 200
    assert [r.message.text for r in bot.skills[name].requests] == [f"/{name} something"]
    assert bot.slack.shown("C1") == [f"{name}: something"]


async def test_a_command_where_the_bot_is_not_a_member_is_answered_through_its_response_url(
    bot: CommandBot,
) -> None:
    bot.gate.set()
    bot.slack.fail_next("chat.postMessage", "not_in_channel")

    await bot.command("ask", "where is the handbook?", channel="C7")
    await bot.engine.join()

    [sent] = bot.slack.calls_to("response_url")
    assert sent.args == {
        "text": "ask: where is the handbook?",
        "response_type": "in_channel",
        "replace_original": False,
    }
    assert bot.slack.shown("C7") == ["ask: where is the handbook?"]


async def test_a_command_the_engine_refuses_gets_the_sentence_in_its_ack(bot: CommandBot) -> None:
    response = await bot.command("proofread", "x" * 20_001)
    await bot.engine.join()

    assert response.status_code == 200
    assert response.text == "The message is 20,012 characters long; the limit is 20,000."
    assert bot.slack.calls_to("chat.postMessage") == []

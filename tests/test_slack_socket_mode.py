"""Slack over Socket Mode: envelopes pushed over a local websocket are acked, then answered."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bots.slack import ProgressTiming, SlackAdapter
from conversation import Engine, EngineLimits, load_settings
from conversation.llm import FakeLLM
from tests.fakes.engines import make_engine
from tests.fakes.slack_api import FakeSlackApi, event_callback, message_event, slash_command


@dataclass
class SocketBot:
    slack: FakeSlackApi
    engine: Engine
    adapter: SlackAdapter


@pytest.fixture
async def bot(database_url: str, fake_llm: FakeLLM) -> AsyncIterator[SocketBot]:
    engine = make_engine(database_url, fake_llm, EngineLimits(retry_after_s=60))
    async with FakeSlackApi() as slack:
        settings = load_settings(
            slack_bot_token="xoxb-test", slack_app_token="xapp-test", slack_api_url=slack.base_url
        )
        adapter = SlackAdapter(engine, settings, progress=ProgressTiming(60, 60))
        await engine.start()
        await adapter.start()
        yield SocketBot(slack, engine, adapter)
        await engine.aclose()
        await adapter.stop()


def dm_envelope(text: str, event_id: str) -> dict[str, object]:
    event = message_event(text, user="U1", channel="D1", ts="1700000001.000100", channel_type="im")
    return event_callback(event, event_id)


async def test_socket_mode_serves_no_routes_and_connects_with_the_app_token(bot: SocketBot) -> None:
    assert bot.adapter.routes() == []
    assert bot.slack.connected.is_set()
    [opened] = bot.slack.calls_to("apps.connections.open")
    assert opened.token == "xapp-test"


async def test_a_pushed_event_is_acked_before_the_model_and_then_answered(
    bot: SocketBot, fake_llm: FakeLLM
) -> None:
    fake_llm.delay_s = 1.0

    started = time.perf_counter()
    await bot.slack.push("events_api", dm_envelope("over the socket", "Ev1"), envelope_id="env-1")
    ack = await bot.slack.wait_for_ack("env-1")
    acked_after = time.perf_counter() - started

    assert ack == {"envelope_id": "env-1"}
    assert acked_after < 0.5
    assert bot.slack.calls_to("chat.postMessage") == []
    await bot.slack.wait_until(lambda: bool(bot.slack.shown("D1")))
    assert bot.slack.shown("D1") == ["echo: over the socket"]


async def test_a_redelivered_envelope_is_acked_again_and_answered_once(bot: SocketBot) -> None:
    payload = dm_envelope("only once", "Ev2")

    for attempt, envelope_id in enumerate(["env-2a", "env-2b", "env-2c"]):
        await bot.slack.push("events_api", payload, envelope_id=envelope_id, retry_attempt=attempt)
        await bot.slack.wait_for_ack(envelope_id)
    await bot.engine.join()

    assert bot.slack.shown("D1") == ["echo: only once"]


async def test_a_slash_command_over_the_socket_is_acked_and_answered_in_its_channel(bot: SocketBot) -> None:
    payload = slash_command(
        "/help",
        "anyone home?",
        user="U1",
        channel="C1",
        trigger_id="7.7.7",
        response_url=bot.slack.response_url("C1"),
    )

    await bot.slack.push("slash_commands", payload, envelope_id="env-3")
    await bot.slack.wait_for_ack("env-3")
    await bot.slack.wait_until(lambda: bool(bot.slack.shown("C1")))

    # the test engine's router has chat and help: the command is answered by help
    [shown] = bot.slack.shown("C1")
    assert shown.startswith("Here is what I can do.")

"""The Slack reply sink on its own: placeholders cleaned up, refusals raised so the outbox keeps the reply."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack import ProgressTiming, SlackSink
from conversation import Message, Reply
from tests.fakes.slack_api import FakeSlackApi

QUESTION = Message(platform="slack", user="U1", text="hi", event_id="Ev1", channel="C1", thread="50.1")


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi() as fake:
        yield fake


def sink_for(slack: FakeSlackApi, show_after_s: float = 60) -> SlackSink:
    client = AsyncWebClient(token="xoxb-test", base_url=slack.base_url)
    return SlackSink(client, ProgressTiming(show_after_s=show_after_s, update_every_s=0.05))


async def test_a_placeholder_no_reply_took_over_is_deleted_when_the_message_settles(
    slack: FakeSlackApi,
) -> None:
    sink = sink_for(slack, show_after_s=0)
    sink.expect(QUESTION)
    await slack.wait_until(lambda: bool(slack.calls_to("chat.postMessage")))

    await sink.settled(QUESTION)

    [placeholder] = slack.messages
    assert (placeholder.channel, placeholder.thread_ts, placeholder.text) == ("C1", "50.1", "…")
    assert placeholder.deleted


async def test_a_refused_post_raises_so_the_engine_keeps_the_reply(slack: FakeSlackApi) -> None:
    slack.fail_next("chat.postMessage", "channel_not_found")

    with pytest.raises(SlackApiError):
        await sink_for(slack).deliver(QUESTION, Reply("an answer"))

    assert slack.shown("C1", thread_ts="50.1") == []


async def test_each_reply_of_a_message_is_posted_in_order_in_its_thread(slack: FakeSlackApi) -> None:
    sink = sink_for(slack)

    await sink.deliver(QUESTION, Reply("**first**"))
    await sink.deliver(QUESTION, Reply("The model is down.", notice=True))
    await sink.settled(QUESTION)

    assert slack.shown("C1", thread_ts="50.1") == ["*first*", ":warning: The model is down."]


async def test_placeholders_of_a_burst_keep_to_the_call_rate_and_none_shows_once_its_answer_is_ready(
    slack: FakeSlackApi,
) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=slack.base_url)
    sink = SlackSink(client, ProgressTiming(show_after_s=0, update_every_s=60, calls_per_s=20))
    burst = [
        Message(platform="slack", user=f"U{n}", text="hi", event_id=f"Ev{n}", channel=f"D{n}")
        for n in range(30)
    ]
    started = time.monotonic()
    for message in burst:
        sink.expect(message)
    await asyncio.sleep(0.5)

    for message in burst:
        await sink.deliver(message, Reply(f"answer {message.user}"))
        await sink.settled(message)
    answered_after_s = time.monotonic() - started
    await asyncio.sleep(0.2)

    placeholders = [call for call in slack.calls_to("chat.postMessage") if call.args["text"] == "…"]
    assert 1 <= len(placeholders) <= answered_after_s * 20 + 1
    assert sorted(m.text for m in slack.messages if not m.deleted) == sorted(
        f"answer U{n}" for n in range(30)
    )

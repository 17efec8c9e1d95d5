"""The Slack reply sink on its own: placeholders cleaned up, refusals raised so the outbox keeps the reply."""

from __future__ import annotations

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

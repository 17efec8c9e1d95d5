"""Slack channel threads: who the bot keeps answering there without a mention (signed HTTP events)."""

from __future__ import annotations

from pathlib import Path

from conversation import EngineLimits
from conversation.llm import FakeLLM
from tests.fakes.adapter_servers import serve_slack
from tests.fakes.engines import make_engine, sqlite_url
from tests.fakes.slack_api import FakeSlackApi, Payload, event_callback, mention_event, message_event


def in_thread(text: str, *, user: str, ts: str) -> Payload:
    return message_event(text, user=user, channel="C1", ts=ts, thread_ts="100.1", channel_type="channel")


async def test_a_follow_up_sent_before_the_first_answer_is_answered_in_the_thread_after_it(
    tmp_path: Path,
) -> None:
    llm = FakeLLM()
    llm.delay_s = 0.5  # the follow-up arrives while the mention is still being answered
    async with FakeSlackApi() as slack:
        engine = make_engine(sqlite_url(tmp_path), llm, EngineLimits(retry_after_s=60))
        async with serve_slack(slack, engine) as server:
            mention = mention_event("<@UBOT> my name is Ann", user="U1", channel="C1", ts="100.1")
            events = [
                event_callback(mention, "EvMention"),
                event_callback(in_thread("what is my name?", user="U1", ts="100.2"), "EvFollowUp"),
                event_callback(in_thread("humans talking", user="U2", ts="100.3"), "EvOther"),
            ]
            statuses = [(await server.deliver(payload)).status_code for payload in events]
            answered_before_the_follow_up = slack.shown("C1", thread_ts="100.1")
            await engine.join()
        shown = slack.shown("C1", thread_ts="100.1")

    assert statuses == [200, 200, 200]
    assert answered_before_the_follow_up == []
    assert shown == ["echo: my name is Ann", "echo: what is my name?"]
    assert "Ann" in " ".join(message.content for message in llm.prompts[1])

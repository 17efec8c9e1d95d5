"""Slack assistant threads through the real Bolt (signed HTTP requests) against the fake Slack:
suggested prompts from the skills, the "is thinking…" status, the title, and answers streamed
natively (chat.startStream/appendStream/stopStream), falling back to chat.update when the stream
expired, never posted twice across a retry or a restart (a post a crash left unfinished becomes
the answer).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack import SlackSink
from conversation import Engine, EngineLimits, Message, Reply
from conversation.llm import FakeLLM
from conversation.router import Router
from skills import ChatSkill
from skills.order import OrderSkill
from storage import Ledger
from tests.fakes.adapter_servers import lose_sent_marks, sent_marks, serve_slack
from tests.fakes.engines import migrated_database, sqlite_url
from tests.fakes.slack_api import FakeSlackApi, Payload, event_callback, message_event

NO_RETRY = EngineLimits(retry_after_s=60)
THREAD = "1700000000.000100"
ANSWER = " ".join(f"token{n}" for n in range(12))


def assistant_engine(database_url: str) -> Engine:
    database = migrated_database(database_url)
    router = Router({"chat": ChatSkill("You are a test bot."), "order": OrderSkill()})
    llm = FakeLLM(lambda _m: ANSWER)
    llm.piece_delay_s = 0.2  # a 2.4 s answer: the stream starts after 1 s and is appended to
    return Engine(Ledger(database), llm, router, NO_RETRY)


def thread_started() -> Payload:
    thread = {"user_id": "U1", "context": {}, "channel_id": "D1", "thread_ts": THREAD}
    event = {"type": "assistant_thread_started", "assistant_thread": thread, "event_ts": THREAD}
    return event_callback(event, "EvStarted")


def in_thread(text: str, ts: str, event_id: str) -> Payload:
    event = message_event(text, user="U1", channel="D1", ts=ts, channel_type="im", thread_ts=THREAD)
    return event_callback(event, event_id)


async def test_an_assistant_thread_gets_prompts_a_status_a_title_and_a_streamed_answer(
    tmp_path: Path,
) -> None:
    async with FakeSlackApi() as slack:
        engine = assistant_engine(sqlite_url(tmp_path))
        async with serve_slack(slack, engine) as server:
            assert (await server.deliver(thread_started())).status_code == 200
            question = in_thread("hello, what can you do?", "1700000000.000200", "EvAsk")
            assert (await server.deliver(question)).status_code == 200
            assert (await server.deliver(question, retry_num=1)).status_code == 200  # Slack's retry
            await slack.wait_until(lambda: bool(slack.calls_to("chat.stopStream")))
            await engine.join()

    [prompts] = slack.calls_to("assistant.threads.setSuggestedPrompts")
    assert prompts.args["channel_id"] == "D1" and prompts.args["thread_ts"] == THREAD
    assert prompts.args["prompts"] == [
        {"title": "Order from the menu", "message": "I'd like to order a large pepperoni pizza"}
    ], "each task skill's summary and one of its examples (not chat, not help)"
    [status, *cleared] = [call.args["status"] for call in slack.calls_to("assistant.threads.setStatus")]
    assert status == "is thinking…" and cleared in ([], [""])
    [title] = slack.calls_to("assistant.threads.setTitle")
    assert title.args["title"] == "hello, what can you do?"
    assert len(slack.calls_to("chat.startStream")) == 1 and slack.calls_to("chat.appendStream")
    assert not slack.calls_to("chat.postMessage") and not slack.calls_to("chat.update")
    [answer] = slack.messages
    assert (answer.thread_ts, answer.text, answer.streaming) == (THREAD, ANSWER, False)
    assert answer.metadata is not None and answer.metadata["event_type"] == "chatwright_reply"
    assert answer.blocks is not None and answer.blocks[0]["type"] == "context_actions"


async def test_an_expired_stream_falls_back_to_chat_update_with_one_final_message(tmp_path: Path) -> None:
    async with FakeSlackApi() as slack:
        engine = assistant_engine(sqlite_url(tmp_path))
        async with serve_slack(slack, engine) as server:
            await server.deliver(in_thread("tell me a story", "1700000000.000200", "EvStory"))
            await slack.wait_until(lambda: bool(slack.calls_to("chat.startStream")))
            slack.expire_streams()
            await slack.wait_until(lambda: bool(slack.calls_to("chat.update")))
            await engine.join()

    [answer] = slack.messages
    assert answer.text == ANSWER and answer.thread_ts == THREAD
    assert answer.metadata is not None and answer.blocks is not None
    assert len(slack.calls_to("chat.update")) == 1 and not slack.calls_to("chat.postMessage")


async def test_a_streamed_answer_not_marked_sent_before_a_crash_is_not_posted_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = sqlite_url(tmp_path)
    async with FakeSlackApi() as slack:
        first = assistant_engine(database_url)
        lose_sent_marks(first, monkeypatch)
        async with serve_slack(slack, first) as server:
            await server.deliver(in_thread("say this once", "1700000000.000200", "EvOnce"))
            await slack.wait_until(lambda: bool(slack.calls_to("chat.stopStream")))
            await first.join()
        unsent = sent_marks(database_url)

        restarted = assistant_engine(database_url)
        async with serve_slack(slack, restarted):
            await restarted.join()  # the unsent reply is delivered again: found in the thread

    assert unsent == [None] and sent_marks(database_url) != [None]
    assert [m.text for m in slack.messages] == [ANSWER]
    assert slack.calls_to("conversations.replies")


@pytest.mark.parametrize("left", ["stream", "placeholder"])
async def test_a_post_a_crash_left_unfinished_becomes_the_answer_after_a_restart(left: str) -> None:
    async with FakeSlackApi() as slack:
        client = AsyncWebClient(token="xoxb-test", base_url=slack.base_url)
        if left == "stream":  # what the process that died had streamed
            begun = await client.chat_startStream(
                channel="D1", thread_ts=THREAD, markdown_text="token0 token1"
            )
        else:
            begun = await client.chat_postMessage(channel="D1", thread_ts=THREAD, text="token0 …")
        restarted = SlackSink(client)  # it did not accept the message: it looks for posts first
        question = Message("slack", "U1", "q", "EvQ", "D1", thread=THREAD, timestamp=1700000000.0002)
        await restarted.deliver(question, Reply(ANSWER))

    [answer] = slack.messages
    assert (answer.ts, answer.text, answer.streaming) == (begun["ts"], ANSWER, False)
    assert answer.metadata is not None and answer.metadata["event_type"] == "chatwright_reply"
    setup_posts = 1 if left == "placeholder" else 0
    assert len(slack.calls_to("chat.postMessage")) == setup_posts, "nothing posted again"

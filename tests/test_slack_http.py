"""Slack over the Events API: signed requests to the real ASGI route, replies to a local fake Web API."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from itertools import count, pairwise

import httpx
import pytest
import sqlalchemy as sa
from starlette.applications import Starlette

from bots.slack import EVENTS_PATH, ProgressTiming, SlackAdapter
from bots.slack.buttons import answer_blocks
from conversation import Engine, EngineLimits, Message, Submission, load_settings
from conversation.llm import FakeLLM
from conversation.llm.base import ChatMessage, Completion, GenerationOptions, TokenSink
from storage.tables import inbox
from tests.fakes.engines import make_engine
from tests.fakes.slack_api import (
    FakeSlackApi,
    Payload,
    event_callback,
    mention_event,
    message_event,
    signed_headers,
)

SECRET = "test-signing-secret"
NO_PLACEHOLDER = ProgressTiming(show_after_s=60, update_every_s=60)


@dataclass
class SlackOverHttp:
    """A started engine behind the Slack adapter's route, and the fake Slack it talks to."""

    slack: FakeSlackApi
    engine: Engine
    adapter: SlackAdapter
    http: httpx.AsyncClient
    database_url: str
    _numbers: count[int] = field(default_factory=lambda: count(1))

    def envelope(self, event: Payload, event_id: str | None = None) -> Payload:
        return event_callback(event, event_id or f"Ev{next(self._numbers):04d}")

    async def send(
        self, payload: Payload, retry_num: int | None = None, secret: str = SECRET
    ) -> httpx.Response:
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", **signed_headers(body, secret)}
        if retry_num is not None:
            headers |= {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.http.post(EVENTS_PATH, content=body, headers=headers)

    async def send_and_settle(self, *events: Payload) -> None:
        for event in events:
            response = await self.send(self.envelope(event))
            assert response.status_code == 200, response.text
        await self.engine.join()

    def inbox_rows(self) -> int:
        database = sa.create_engine(self.database_url)
        with database.connect() as connection:
            rows = connection.execute(sa.select(sa.func.count()).select_from(inbox)).scalar_one()
        database.dispose()
        return rows

    def posts(self) -> list[Payload]:
        return [call.args for call in self.slack.calls_to("chat.postMessage")]


@asynccontextmanager
async def slack_over_http(
    database_url: str, llm: FakeLLM, timing: ProgressTiming = NO_PLACEHOLDER, engine: Engine | None = None
) -> AsyncIterator[SlackOverHttp]:
    """The adapter on a started engine, served in-process, talking to a fresh fake Slack."""
    engine = engine or make_engine(database_url, llm, EngineLimits(retry_after_s=60))
    async with FakeSlackApi() as slack:
        settings = load_settings(
            slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=slack.base_url
        )
        adapter = SlackAdapter(engine, settings, progress=timing)
        await engine.start()
        await adapter.start()
        transport = httpx.ASGITransport(app=Starlette(routes=adapter.routes()))
        async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
            yield SlackOverHttp(slack, engine, adapter, http, database_url)
        await engine.aclose()
        await adapter.stop()


@pytest.fixture
async def bot(database_url: str, fake_llm: FakeLLM) -> AsyncIterator[SlackOverHttp]:
    async with slack_over_http(database_url, fake_llm) as harness:
        yield harness


def dm(
    text: str, ts: str = "1700000001.000100", user: str = "U1", channel: str = "D1", **extra: str
) -> Payload:
    return message_event(text, user=user, channel=channel, ts=ts, channel_type="im", **extra)


def in_channel(text: str, ts: str, user: str = "U1", **extra: str) -> Payload:
    return message_event(text, user=user, channel="C1", ts=ts, channel_type="channel", **extra)


# -- where replies go -----------------------------------------------------------------------


async def test_a_dm_gets_exactly_one_post_with_the_answer_in_the_dm(bot: SlackOverHttp) -> None:
    await bot.send_and_settle(dm("hello there"))

    [post] = bot.posts()
    assert post == {
        "channel": "D1",
        "text": "echo: hello there",
        "metadata": post["metadata"],
        "blocks": answer_blocks("echo: hello there"),
    }
    assert post["metadata"]["event_type"] == "chatwright_reply"  # how a restart finds it again
    assert post["blocks"][-1]["elements"][0]["type"] == "feedback_buttons"
    assert {call.token for call in bot.slack.calls} == {"xoxb-test"}


async def test_a_mention_is_answered_in_a_thread_under_it_and_the_thread_continues(
    bot: SlackOverHttp,
) -> None:
    await bot.send_and_settle(mention_event("<@UBOT> what is up?", user="U1", channel="C1", ts="100.1"))
    await bot.send_and_settle(in_channel("and then?", ts="100.2", thread_ts="100.1"))

    assert bot.slack.shown("C1", thread_ts="100.1") == ["echo: what is up?", "echo: and then?"]
    assert bot.slack.shown("C1") == []


async def test_a_mention_inside_a_thread_is_answered_once_in_that_thread(bot: SlackOverHttp) -> None:
    text = "<@UBOT> summarise please"
    await bot.send_and_settle(
        mention_event(text, user="U2", channel="C1", ts="200.5", thread_ts="200.1"),
        in_channel(text, user="U2", ts="200.5", thread_ts="200.1"),  # Slack sends both events
    )

    assert bot.slack.shown("C1", thread_ts="200.1") == ["echo: summarise please"]


async def test_channel_messages_not_addressed_to_the_bot_are_ignored(bot: SlackOverHttp) -> None:
    await bot.send_and_settle(mention_event("<@UBOT> hi", user="U1", channel="C1", ts="300.1"))
    await bot.send_and_settle(
        in_channel("a top-level chat among humans", ts="300.2"),
        in_channel("someone else in the bot's thread", ts="300.3", user="U9", thread_ts="300.1"),
        in_channel("a thread the bot is not in", ts="300.4", thread_ts="299.9"),
    )

    assert [post["text"] for post in bot.posts()] == ["echo: hi"]
    assert bot.inbox_rows() == 1


async def test_users_and_threads_keep_separate_contexts(bot: SlackOverHttp, fake_llm: FakeLLM) -> None:
    await bot.send_and_settle(mention_event("<@UBOT> my name is Ann", user="U1", channel="C1", ts="10.1"))
    await bot.send_and_settle(
        mention_event("<@UBOT> what is my name?", user="U2", channel="C1", ts="10.2", thread_ts="10.1")
    )
    await bot.send_and_settle(mention_event("<@UBOT> what is my name?", user="U1", channel="C1", ts="11.1"))
    await bot.send_and_settle(in_channel("what is my name?", ts="10.3", thread_ts="10.1"))

    seen = [" ".join(message.content for message in prompt) for prompt in fake_llm.prompts]
    assert ["Ann" in prompt for prompt in seen] == [True, False, False, True]


async def test_bots_the_bot_itself_edits_and_deletions_are_ignored(bot: SlackOverHttp) -> None:
    await bot.send_and_settle(
        dm("from another bot", bot_id="B2"),
        dm("an integration post", subtype="bot_message"),
        dm("my own reply", user="UBOT"),
        dm("edited", subtype="message_changed"),
        dm("", subtype="message_deleted"),
        mention_event("<@UBOT> hi from a bot", user="U7", channel="C1", ts="1.1", bot_id="B7"),
    )

    assert bot.posts() == []
    assert bot.inbox_rows() == 0


# -- acknowledgement and retries ------------------------------------------------------------


async def test_the_ack_comes_after_the_inbox_commit_and_before_the_model(
    bot: SlackOverHttp, fake_llm: FakeLLM
) -> None:
    fake_llm.delay_s = 1.0

    started = time.perf_counter()
    response = await bot.send(bot.envelope(dm("take your time")))
    acked_after = time.perf_counter() - started

    assert response.status_code == 200
    assert acked_after < 0.5
    assert bot.inbox_rows() == 1
    assert bot.posts() == []
    await bot.engine.join()
    assert bot.slack.shown("D1") == ["echo: take your time"]


async def test_retries_of_one_event_get_one_reply(bot: SlackOverHttp) -> None:
    payload = bot.envelope(dm("are you there?"))

    statuses = [(await bot.send(payload, retry_num=n)).status_code for n in (None, 1, 2)]
    await bot.engine.join()

    assert statuses == [200, 200, 200]
    assert bot.slack.shown("D1") == ["echo: are you there?"]


async def test_retries_arriving_together_get_one_reply(bot: SlackOverHttp) -> None:
    payload = bot.envelope(dm("all at once"))

    responses = await asyncio.gather(*(bot.send(payload, retry_num=n) for n in (None, 1, 2, 3)))
    await bot.engine.join()

    assert [r.status_code for r in responses] == [200] * 4
    assert bot.slack.shown("D1") == ["echo: all at once"]


async def test_a_retry_is_answered_when_the_first_delivery_never_arrived(bot: SlackOverHttp) -> None:
    response = await bot.send(bot.envelope(dm("second try")), retry_num=1)
    await bot.engine.join()

    assert response.status_code == 200
    assert bot.slack.shown("D1") == ["echo: second try"]


async def test_a_retry_storm_gets_exactly_one_reply_per_event(bot: SlackOverHttp, fake_llm: FakeLLM) -> None:
    fake_llm.delay_s = 0.01
    chance = random.Random(3)
    deliveries: list[tuple[Payload, int | None]] = []
    for n in range(200):
        payload = bot.envelope(dm(f"message {n}", ts=f"{n}.1", user=f"U{n % 9}", channel=f"D{n % 9}"))
        deliveries += [(payload, retry) for retry in (None, 1, 2, 3)[: chance.randint(1, 4)]]
    chance.shuffle(deliveries)

    for start in range(0, len(deliveries), 20):
        batch = deliveries[start : start + 20]
        responses = await asyncio.gather(*(bot.send(payload, retry_num=retry) for payload, retry in batch))
        assert {response.status_code for response in responses} == {200}
    await bot.engine.join()

    assert len(deliveries) > 400
    assert sorted(post["text"] for post in bot.posts()) == sorted(f"echo: message {n}" for n in range(200))


async def test_a_delivery_that_fails_before_the_commit_gets_500_and_its_retry_is_answered_once(
    bot: SlackOverHttp, monkeypatch: pytest.MonkeyPatch
) -> None:
    accept = bot.engine.submit
    outages = [OSError("database is locked")]

    async def submit_after_an_outage(message: Message) -> Submission:
        if outages:
            raise outages.pop()
        return await accept(message)

    monkeypatch.setattr(bot.engine, "submit", submit_after_an_outage)
    payload = bot.envelope(dm("did you get this?"))

    first = await bot.send(payload)
    retry = await bot.send(payload, retry_num=1)
    await bot.engine.join()

    assert (first.status_code, retry.status_code) == (500, 200)
    assert bot.slack.shown("D1") == ["echo: did you get this?"]


@pytest.mark.parametrize("secret, age_s", [("wrong-secret", 0), (SECRET, 600)])
async def test_a_bad_signature_or_stale_request_gets_401_and_nothing_is_stored(
    bot: SlackOverHttp, secret: str, age_s: int
) -> None:
    body = json.dumps(bot.envelope(dm("let me in"))).encode()
    headers = {"Content-Type": "application/json", **signed_headers(body, secret, int(time.time()) - age_s)}

    response = await bot.http.post(EVENTS_PATH, content=body, headers=headers)
    await bot.engine.join()

    assert response.status_code == 401
    assert bot.inbox_rows() == 0
    assert bot.slack.calls == []


async def test_the_url_verification_challenge_is_answered(bot: SlackOverHttp) -> None:
    response = await bot.send({"type": "url_verification", "challenge": "c-123", "token": "t"})

    assert response.status_code == 200
    assert response.json() == {"challenge": "c-123"}


async def test_input_the_engine_refuses_gets_its_sentence_back_to_the_author_only(bot: SlackOverHttp) -> None:
    response = await bot.send(bot.envelope(mention_event("<@UBOT>", user="U3", channel="C1", ts="5.1")))
    await bot.slack.wait_until(lambda: bool(bot.slack.calls_to("chat.postEphemeral")))

    assert response.status_code == 200
    [note] = bot.slack.calls_to("chat.postEphemeral")
    assert note.args == {"channel": "C1", "user": "U3", "thread_ts": "5.1", "text": "The message is empty."}
    assert bot.inbox_rows() == 0


# -- rate limits, long answers, progress --------------------------------------------------


async def test_a_429_is_waited_out_for_retry_after_and_the_post_goes_through(bot: SlackOverHttp) -> None:
    await bot.send_and_settle(dm("warm up", ts="1.1"))  # auth.test is done once, by the first event
    bot.slack.rate_limit_next(1, retry_after_s=1)

    started = time.perf_counter()
    await bot.send_and_settle(dm("slow down", ts="1.2"))

    refused = [call for call in bot.slack.calls if call.status == 429]
    assert [call.method for call in refused] == ["chat.postMessage"]
    assert time.perf_counter() - started >= 1.0
    assert bot.slack.shown("D1") == ["echo: warm up", "echo: slow down"]


async def test_a_long_answer_arrives_as_several_posts_that_join_to_it(
    bot: SlackOverHttp, fake_llm: FakeLLM
) -> None:
    paragraph = " ".join(f"word{n}" for n in range(120))
    answer = "\n\n".join(f"{n}. {paragraph}" for n in range(12))
    fake_llm.responder = lambda _messages: answer

    await bot.send_and_settle(dm("tell me everything"))

    texts = [post["text"] for post in bot.posts()]
    assert len(answer) > 10_000
    assert len(texts) >= 4
    assert all(len(text) <= 3_000 for text in texts)
    assert "".join(texts) == answer


class TricklingLLM(FakeLLM):
    """FakeLLM that pauses before each streamed piece, as a model generating tokens does."""

    def __init__(self, pause_s: float) -> None:
        super().__init__()
        self.pause_s = pause_s

    async def complete(
        self, messages: Sequence[ChatMessage], options: GenerationOptions, on_token: TokenSink | None = None
    ) -> Completion:
        async def trickle(piece: str) -> None:
            await asyncio.sleep(self.pause_s)
            if on_token is not None:
                await on_token(piece)

        return await super().complete(messages, options, trickle if on_token else None)


async def test_a_streamed_answer_shows_a_placeholder_edited_at_a_bounded_rate(database_url: str) -> None:
    answer = " ".join(f"token{n}" for n in range(40))
    llm = TricklingLLM(pause_s=0.02)
    llm.responder = lambda _messages: answer
    timing = ProgressTiming(show_after_s=0.1, update_every_s=0.2)

    async with slack_over_http(database_url, llm, timing) as bot:
        await bot.send_and_settle(dm("stream it"))
        edits = bot.slack.calls_to("chat.update")
        [placeholder] = bot.slack.messages

    updates = [call.args["text"] for call in edits]
    progress_gaps = [later.at - earlier.at for earlier, later in pairwise(edits[:-1])]
    assert len(bot.posts()) == 1
    assert len(updates) >= 3
    assert min(progress_gaps) >= 0.2 * 0.9
    assert all(text.endswith(" …") and answer.startswith(text[:-2]) for text in updates[:-1])
    assert updates[-1] == answer
    assert placeholder.text == answer and placeholder.channel == "D1"


async def test_a_late_answer_replaces_a_placeholder(database_url: str, fake_llm: FakeLLM) -> None:
    fake_llm.delay_s = 0.5

    async with slack_over_http(database_url, fake_llm, ProgressTiming(0.05, 0.1)) as bot:
        await bot.send_and_settle(dm("ponder this"))

    assert [post["text"] for post in bot.posts()] == ["…"]
    assert bot.slack.shown("D1") == ["echo: ponder this"]

"""Separate contexts: two users in one channel, and one user in two threads, never see each other's words.

The model echoes every user message of its prompt, so each answer shows exactly the context the
engine assembled for it. Every message carries a word of its own; an answer must contain all the
words said so far in its scope (the context is used) and none said in another scope. Both platforms
run through the wiring of ``chatwright run`` against their fakes; answers are read at the fakes.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from conversation import EngineLimits
from conversation.llm import ChatMessage, FakeLLM
from tests.fakes.adapter_servers import SlackServer, serve_discord, serve_slack
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_objects import (
    BOT,
    BOT_ID,
    GENERAL_ID,
    HUMAN,
    THREAD_ID,
    Payload,
    thread_channel,
    user,
)
from tests.fakes.engines import make_engine, sqlite_url
from tests.fakes.slack_api import FakeSlackApi, event_callback, mention_event, message_event

Say = Callable[[str, str], Awaitable[str]]
"""Sends ``word`` as the next message of the speaker named by the first argument; returns the answer."""


def seen_users(messages: Sequence[ChatMessage]) -> str:
    """The model's answer: every user message it was shown, in order."""
    return "seen: " + " ".join(m.content for m in messages if m.role == "user")


async def converse(say: Say, speakers: Sequence[str], rounds: int = 3) -> None:
    """Let ``speakers`` take turns; check every answer against what was said in each scope."""
    said: dict[str, list[str]] = {speaker: [] for speaker in speakers}
    for number, speaker in enumerate(itertools.chain.from_iterable([speakers] * rounds)):
        word = f"{speaker}{number}"
        said[speaker].append(word)
        answer = (await say(speaker, word)).split()
        others = {w for other, words in said.items() if other != speaker for w in words}
        assert answer[0] == "seen:"
        assert answer[1:] == said[speaker], f"{speaker} was answered from another context"
        assert not others & set(answer)


# -- Slack ----------------------------------------------------------------------------------------


@dataclass
class SlackSpeaker:
    """A user talking to the bot in a DM, or in a channel thread of their own or of another speaker."""

    user: str
    channel: str
    joins: str | None = None
    """The speaker whose thread this one talks in; None: a thread of one's own (or the DM)."""
    thread: str | None = None
    talked: bool = False


class SlackConversations:
    """Sends each speaker's words the way Slack would: a mention first, then plain thread replies."""

    def __init__(self, server: SlackServer, speakers: dict[str, SlackSpeaker]) -> None:
        self.server = server
        self.speakers = speakers
        self._numbers = itertools.count(1)

    async def say(self, name: str, word: str) -> str:
        speaker, number = self.speakers[name], next(self._numbers)
        ts = f"{1_700_000_000 + number}.000100"
        if speaker.channel.startswith("D"):
            event = message_event(word, user=speaker.user, channel=speaker.channel, ts=ts, channel_type="im")
        elif not speaker.talked:  # a mention: at the top (a new thread under it) or in a thread
            speaker.thread = self.speakers[speaker.joins].thread if speaker.joins else None
            text = f"<@UBOT> {word}"
            extra = {"thread_ts": speaker.thread} if speaker.thread else {}
            event = mention_event(text, user=speaker.user, channel=speaker.channel, ts=ts, **extra)
            speaker.thread = speaker.thread or ts
        else:
            event = message_event(
                word,
                user=speaker.user,
                channel=speaker.channel,
                ts=ts,
                channel_type="channel",
                thread_ts=speaker.thread,
            )
        speaker.talked = True
        slack, before = self.server.slack, len(self.server.slack.messages)
        response = await self.server.deliver(event_callback(event, f"EvIso{number:03d}"))
        assert response.status_code == 200
        await slack.wait_until(lambda: len(slack.messages) > before)
        await self.server.engine.join()
        [answer] = slack.messages[before:]
        assert (answer.channel, answer.thread_ts) == (speaker.channel, speaker.thread)
        return answer.text


async def test_slack_two_users_in_one_channel_keep_separate_contexts_even_in_one_thread(
    tmp_path: Path,
) -> None:
    engine = make_engine(sqlite_url(tmp_path), FakeLLM(seen_users), EngineLimits(retry_after_s=60))
    async with FakeSlackApi() as slack, serve_slack(slack, engine) as server:
        conversations = SlackConversations(
            server,
            {
                "ann": SlackSpeaker("UANN", "C1"),
                "bob": SlackSpeaker("UBOB", "C1", joins="ann"),
                "bobalone": SlackSpeaker("UBOB", "C1"),
            },
        )
        await converse(conversations.say, ["ann", "bob", "bobalone"])
    assert {message.thread_ts for message in slack.messages} == {
        conversations.speakers["ann"].thread,
        conversations.speakers["bobalone"].thread,
    }


async def test_slack_one_user_in_two_threads_and_a_dm_keeps_separate_contexts(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path), FakeLLM(seen_users), EngineLimits(retry_after_s=60))
    async with FakeSlackApi() as slack, serve_slack(slack, engine) as server:
        conversations = SlackConversations(
            server,
            {
                "first": SlackSpeaker("UANN", "C1"),
                "second": SlackSpeaker("UANN", "C1"),
                "direct": SlackSpeaker("UANN", "D1"),
            },
        )
        await converse(conversations.say, ["first", "second", "direct"])


# -- Discord --------------------------------------------------------------------------------------

SECOND_THREAD_ID = 1_100_000_000_000_000_104
BOB = user(1_100_000_000_000_000_005, "bob")


class DiscordConversations:
    """Sends each speaker's words as a MESSAGE_CREATE mentioning the bot in their channel or thread."""

    def __init__(self, fake: FakeDiscord, speakers: dict[str, tuple[Payload, int]]) -> None:
        self.fake = fake
        self.speakers = speakers
        """name -> (author, channel or thread id)."""

    async def say(self, name: str, word: str) -> str:
        author, channel_id = self.speakers[name]
        data = self.fake.message(
            f"<@{BOT_ID}> {word}", channel_id=channel_id, author=author, in_guild=True, mentions=(BOT,)
        )
        before = len(self.fake.messages)
        await self.fake.dispatch("MESSAGE_CREATE", data)
        await self.fake.until(lambda: len(self.fake.messages) > before)
        [answer] = list(self.fake.messages.values())[before:]
        assert answer["channel_id"] == str(channel_id)
        assert str(answer["message_reference"]["message_id"]) == data["id"], (
            "answers the message it was sent for"
        )
        return str(answer["content"])


async def test_discord_two_users_in_one_guild_channel_keep_separate_contexts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(sqlite_url(tmp_path), FakeLLM(seen_users), EngineLimits(retry_after_s=60))
    async with FakeDiscord() as fake, serve_discord(fake, engine):
        conversations = DiscordConversations(fake, {"alice": (HUMAN, GENERAL_ID), "bob": (BOB, GENERAL_ID)})
        await converse(conversations.say, ["alice", "bob"])


async def test_discord_one_user_in_two_threads_keeps_separate_contexts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(sqlite_url(tmp_path), FakeLLM(seen_users), EngineLimits(retry_after_s=60))
    async with FakeDiscord() as fake, serve_discord(fake, engine):
        await fake.dispatch("THREAD_CREATE", thread_channel(SECOND_THREAD_ID, GENERAL_ID, "another thread"))
        conversations = DiscordConversations(
            fake,
            {
                "first": (HUMAN, THREAD_ID),
                "second": (HUMAN, SECOND_THREAD_ID),
                "parent": (HUMAN, GENERAL_ID),
            },
        )
        await converse(conversations.say, ["first", "second", "parent"])

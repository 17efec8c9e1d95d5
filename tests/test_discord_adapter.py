"""Discord through the real discord.py against a local fake REST API and gateway."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest

from bots.discord import DiscordAdapter, rejoin_pages
from conversation import Engine, EngineLimits, Reply, Scope, Settings, load_settings
from conversation.llm import ChatMessage, FakeLLM
from conversation.llm.base import Completion, GenerationOptions, TokenSink
from conversation.router import Router
from skills import ChatSkill, SkillRequest, SkillResponse
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_objects import (
    BOT,
    BOT_ID,
    BOTS_ID,
    DM_ID,
    GENERAL_ID,
    GUILD_ID,
    OTHER_BOT,
    THREAD_ID,
    USER_ID,
    Payload,
)
from tests.fakes.engines import make_engine

MESSAGES = r"/channels/\d+/messages"
PRIVATE = frozenset({"admin", "optout", "optin"})


@dataclass
class DiscordBot:
    """A started engine behind the Discord adapter, connected to a fresh fake Discord."""

    discord: FakeDiscord
    engine: Engine
    adapter: DiscordAdapter
    llm: FakeLLM

    async def say(self, data: Payload) -> int:
        """Deliver a MESSAGE_CREATE; returns its gateway sequence number."""
        return await self.discord.dispatch("MESSAGE_CREATE", data)

    async def say_and_settle(self, data: Payload, channel_id: int) -> None:
        """Deliver a message that will be answered; return once its reply is all in ``channel_id``."""
        before = len(self.discord.contents_in(channel_id))
        await self.say(data)
        await self.discord.until(lambda: len(self.discord.contents_in(channel_id)) > before)
        await self.engine.join()


@asynccontextmanager
async def discord_bot(database_url: str, llm: FakeLLM) -> AsyncIterator[DiscordBot]:
    """discord.py pointed at a fake Discord, the adapter logged in and the gateway session ready."""
    async with FakeDiscord() as fake:
        engine = make_engine(database_url, llm, EngineLimits(retry_after_s=60))
        settings = load_settings(
            discord_token="fake-token", discord_bot_channels=[str(BOTS_ID)], **fake.settings()
        )
        adapter = with_commands(engine, settings, ("translate", "order", "optout"))
        await engine.start()
        await adapter.start()
        await fake.until(lambda: fake.connected)
        yield DiscordBot(fake, engine, adapter, llm)
        await adapter.stop()
        await engine.aclose()


def with_commands(engine: Engine, settings: Settings, names: tuple[str, ...]) -> DiscordAdapter:
    """An adapter whose Discord commands are ``names`` (its engine's router answers only chat)."""
    answering = engine.router
    skills = {"chat": ChatSkill("test"), **{n: GatedSkill(n, asyncio.Event()) for n in names}}
    private = frozenset(names) & PRIVATE  # command-only, as the registry makes them: answered ephemerally
    engine.router = Router(skills, commands_only=private)
    adapter = DiscordAdapter(engine, settings)
    engine.router = answering
    return adapter


@pytest.fixture
async def bot(database_url: str, fake_llm: FakeLLM) -> AsyncIterator[DiscordBot]:
    async with discord_bot(database_url, fake_llm) as harness:
        yield harness


def mention(text: str) -> str:
    return f"<@{BOT_ID}> {text}"


def last_user_text(llm: FakeLLM) -> str:
    return next(m.content for m in reversed(llm.prompts[-1]) if m.role == "user")


# -- where messages are answered --------------------------------------------------------------


async def test_start_logs_in_syncs_the_commands_and_identifies_with_message_content(
    bot: DiscordBot,
) -> None:
    (sync,) = bot.discord.calls_to("PUT", rf"/applications/{BOT_ID}/commands")
    names = sorted(command["name"] for command in sync.json)
    assert names == ["help", "optout", "order", "translate"], "the router's commands but the fallback's"
    assert all(command["options"][0]["name"] == "text" for command in sync.json)
    (identify,) = bot.discord.identifies
    assert identify["token"] == "fake-token"
    assert identify["intents"] & (1 << 15), "the message content intent"


async def test_a_dm_gets_exactly_one_reply_in_that_dm_with_the_answer(bot: DiscordBot) -> None:
    await bot.say_and_settle(bot.discord.message("hello there"), DM_ID)

    assert bot.discord.contents_in(DM_ID) == ["echo: hello there"]
    assert len(bot.discord.calls_to("POST", MESSAGES)) == 1


async def test_a_guild_message_without_a_mention_is_ignored_and_with_one_answered(bot: DiscordBot) -> None:
    await bot.say(bot.discord.message("just chatting", channel_id=GENERAL_ID, in_guild=True))
    await bot.say_and_settle(
        bot.discord.message(mention("what is up?"), channel_id=GENERAL_ID, in_guild=True, mentions=(BOT,)),
        GENERAL_ID,
    )

    assert bot.discord.contents_in(GENERAL_ID) == ["echo: what is up?"]
    assert [last_user_text(bot.llm)] == ["what is up?"] and len(bot.llm.prompts) == 1
    (post,) = bot.discord.calls_to("POST", MESSAGES)
    assert post.json["allowed_mentions"]["parse"] == [], "model output never pings anyone"
    assert "message_reference" in post.json, "the answer replies to the question"


async def test_a_message_in_a_bot_channel_is_answered_without_a_mention(bot: DiscordBot) -> None:
    await bot.say_and_settle(bot.discord.message("menu please", channel_id=BOTS_ID, in_guild=True), BOTS_ID)

    assert bot.discord.contents_in(BOTS_ID) == ["echo: menu please"]


async def test_a_thread_message_is_answered_in_the_thread_and_scoped_to_it(bot: DiscordBot) -> None:
    data = bot.discord.message(mention("in a thread"), channel_id=THREAD_ID, in_guild=True, mentions=(BOT,))
    await bot.say_and_settle(data, THREAD_ID)

    assert bot.discord.contents_in(THREAD_ID) == ["echo: in a thread"]
    assert bot.discord.contents_in(GENERAL_ID) == []
    scope = Scope("discord", str(GUILD_ID), str(GENERAL_ID), str(THREAD_ID), str(USER_ID))
    assert [turn.content for turn in await bot.engine.history(scope)] == ["in a thread", "echo: in a thread"]


async def test_messages_from_bots_including_itself_are_ignored(bot: DiscordBot) -> None:
    await bot.say(bot.discord.message("I am a bot", author=OTHER_BOT))
    await bot.say(bot.discord.message(mention("me again"), author=BOT, channel_id=BOTS_ID, in_guild=True))
    await bot.say_and_settle(bot.discord.message("a human"), DM_ID)

    assert bot.discord.contents_in(DM_ID) == ["echo: a human"]
    assert bot.discord.contents_in(BOTS_ID) == []
    assert len(bot.llm.prompts) == 1


async def test_a_mention_with_no_text_is_answered_with_the_engines_sentence(bot: DiscordBot) -> None:
    await bot.say_and_settle(
        bot.discord.message(f"<@{BOT_ID}>", channel_id=GENERAL_ID, in_guild=True, mentions=(BOT,)), GENERAL_ID
    )

    assert bot.discord.contents_in(GENERAL_ID) == ["The message is empty."]
    assert bot.llm.prompts == []


# -- how replies are sent ---------------------------------------------------------------------


async def test_a_long_reply_arrives_in_pages_that_rejoin_to_the_answer_with_code_reopened(
    bot: DiscordBot,
) -> None:
    code = "\n".join(f"total_{n} = price_{n} * quantity_{n}  # line {n}" for n in range(150))
    prose = " ".join(f"word{n}" for n in range(700))
    answer = f"Here is the script:\n```python\n{code}\n```\nAnd the explanation: {prose}"
    assert len(answer) > 9000
    bot.llm.responder = lambda _messages: answer

    await bot.say_and_settle(bot.discord.message("write it"), DM_ID)

    pages = bot.discord.contents_in(DM_ID)
    assert len(pages) >= 5 and all(len(page) <= 2000 for page in pages)
    assert rejoin_pages(pages) == answer
    assert pages[0].endswith("\n```") and pages[1].startswith("```python\n")


async def test_a_typing_indicator_is_sent_while_the_model_works(bot: DiscordBot) -> None:
    bot.llm.delay_s = 0.3
    await bot.say_and_settle(bot.discord.message("think hard"), DM_ID)

    typing = bot.discord.calls_to("POST", rf"/channels/{DM_ID}/typing")
    (post,) = bot.discord.calls_to("POST", MESSAGES)
    assert typing and typing[0].at < post.at


class TricklingLLM(FakeLLM):
    """A FakeLLM whose tokens arrive one every ``piece_delay_s``, like a real model's."""

    piece_delay_s = 0.15

    async def complete(
        self, messages: Sequence[ChatMessage], options: GenerationOptions, on_token: TokenSink | None = None
    ) -> Completion:
        async def slowly(piece: str) -> None:
            await asyncio.sleep(self.piece_delay_s)
            if on_token is not None:
                await on_token(piece)

        return await super().complete(messages, options, slowly)


async def test_a_streamed_answer_is_edited_into_one_message_at_most_once_a_second(
    database_url: str,
) -> None:
    answer = " ".join(f"token{n}" for n in range(20))
    async with discord_bot(database_url, TricklingLLM(lambda _m: answer)) as bot:
        await bot.say_and_settle(bot.discord.message("stream it"), DM_ID)

        first, *edits = [
            call.json["content"]
            for call in bot.discord.calls
            if call.path.startswith(f"/channels/{DM_ID}/messages")
        ]
        edit_times = [call.at for call in bot.discord.calls_to("PATCH", MESSAGES)]

    assert answer.startswith(first) and first != answer
    assert bot.discord.contents_in(DM_ID) == [answer] and edits[-1] == answer
    assert len(edits) >= 2, "the message grew while the model was still writing"
    live_edits = edit_times[:-1]  # the last edit is the final answer, sent at once
    assert all(later - earlier >= 0.9 for earlier, later in itertools.pairwise(live_edits))


async def test_a_429_is_waited_out_and_the_reply_still_arrives(bot: DiscordBot) -> None:
    bot.discord.rate_limit("POST", MESSAGES, times=1, retry_after=0.3)
    await bot.say_and_settle(bot.discord.message("busy?"), DM_ID)

    refused, accepted = bot.discord.calls_to("POST", MESSAGES)
    assert (refused.status, accepted.status) == (429, 200)
    assert accepted.at - refused.at >= 0.3
    assert bot.discord.contents_in(DM_ID) == ["echo: busy?"]


# -- the gateway ------------------------------------------------------------------------------


async def test_a_replayed_message_after_a_resume_gets_no_second_reply(bot: DiscordBot) -> None:
    first = bot.discord.message("only once")
    sequence = await bot.say(first)
    await bot.discord.until(lambda: bot.discord.contents_in(DM_ID))

    await bot.discord.drop_connection(replay_from=sequence - 1)
    await bot.discord.until(lambda: bot.discord.connected)
    await bot.say_and_settle(bot.discord.message("after the resume"), DM_ID)

    assert sequence in bot.discord.replayed
    assert [(c.path, c.compressed) for c in bot.discord.connections] == [("/", True), ("/resume", True)]
    assert len(bot.discord.identifies) == 1, "resumed, not a new session"
    assert bot.discord.contents_in(DM_ID) == ["echo: only once", "echo: after the resume"]


async def test_a_replay_storm_gets_exactly_one_reply_per_message(bot: DiscordBot) -> None:
    chance = random.Random(5)
    messages = [bot.discord.message(f"storm {n}") for n in range(200)]
    deliveries = [data for data in messages for _ in range(chance.randint(1, 4))]
    chance.shuffle(deliveries)  # replays arrive while earlier copies are still being answered

    for data in deliveries:
        await bot.say(data)
    await bot.discord.until(lambda: len(bot.discord.contents_in(DM_ID)) >= 200, timeout=60)
    await bot.engine.join()

    assert len(deliveries) > 400
    assert sorted(bot.discord.contents_in(DM_ID)) == sorted(f"echo: storm {n}" for n in range(200))


# -- slash commands ---------------------------------------------------------------------------


class GatedSkill:
    """A skill that answers "<name>: <text>" once its gate opens (a model that is still working)."""

    description = "test"

    def __init__(self, name: str, gate: asyncio.Event) -> None:
        self.name = name
        self.gate = gate

    async def handle(self, request: SkillRequest) -> SkillResponse:
        await self.gate.wait()
        return SkillResponse([Reply(f"{self.name}: {request.text}", skill=self.name)])


async def deferred_command(bot: DiscordBot, name: str, text: str) -> tuple[Payload, Payload, asyncio.Event]:
    """Send ``/name text`` to a skill that answers once the returned gate opens; wait until the
    command is deferred. Returns the interaction, the deferral callback's body and the gate."""
    gate = asyncio.Event()
    bot.engine.router = Router({"chat": ChatSkill("test"), name: GatedSkill(name, gate)})
    interaction = bot.discord.slash_command(name, text)
    await bot.discord.dispatch("INTERACTION_CREATE", interaction)
    await bot.discord.until(lambda: bot.discord.calls_to("POST", r"/interactions/.*/callback"))
    (callback,) = bot.discord.calls_to("POST", r"/interactions/.*/callback")
    return interaction, callback.json, gate


async def test_a_slash_command_is_deferred_at_once_then_completed_by_a_follow_up(bot: DiscordBot) -> None:
    interaction, callback, gate = await deferred_command(bot, "translate", "bonjour tout le monde")

    assert callback["type"] == 5, "deferred: 'the bot is thinking…'"
    assert bot.discord.calls_to("POST", r"/webhooks/.*") == []

    gate.set()
    await bot.discord.until(lambda: bot.discord.calls_to("POST", r"/webhooks/.*"))
    await bot.engine.join()
    (follow_up,) = bot.discord.calls_to("POST", rf"/webhooks/{BOT_ID}/{interaction['token']}")
    assert follow_up.json["content"] == "translate: bonjour tout le monde"
    assert bot.discord.calls_to("POST", MESSAGES) == []
    scope = Scope("discord", str(GUILD_ID), str(GENERAL_ID), "", str(USER_ID))
    assert (await bot.engine.history(scope))[0].content == "/translate bonjour tout le monde"


async def test_an_unknown_command_for_the_engine_is_answered_in_the_follow_up(bot: DiscordBot) -> None:
    await bot.discord.dispatch("INTERACTION_CREATE", bot.discord.slash_command("order", "a pizza"))
    await bot.discord.until(lambda: bot.discord.calls_to("POST", r"/webhooks/.*"))

    (follow_up,) = bot.discord.calls_to("POST", r"/webhooks/.*")
    assert follow_up.json["content"].startswith("Unknown command /order.")


async def test_a_private_answer_goes_to_the_users_dms_when_the_interaction_expired(bot: DiscordBot) -> None:
    interaction, callback, gate = await deferred_command(bot, "optout", "please")
    assert callback["data"]["flags"] == 64, "deferred ephemerally"

    bot.discord.expired_tokens.add(interaction["token"])  # e.g. the answer took over 15 minutes
    gate.set()
    await bot.discord.until(lambda: bot.discord.contents_in(DM_ID))
    await bot.engine.join()
    (refused,) = bot.discord.calls_to("POST", r"/webhooks/.*")
    assert refused.status == 404
    assert bot.discord.contents_in(DM_ID) == ["optout: please"]
    assert bot.discord.contents_in(GENERAL_ID) == [], "never shown in the channel"

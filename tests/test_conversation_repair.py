"""Conversation repair: an open dialogue may let a turn go by, stays parked, and resumes; global intents."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest

from conversation import Engine, EngineLimits, Message
from conversation.global_intents import global_intent
from conversation.llm import FakeLLM
from conversation.router import Router
from conversation.types import Reply
from skills import ChatSkill
from skills.base import SkillRequest, SkillResponse
from storage import Ledger
from tests.fakes.collecting import CollectingSink
from tests.fakes.engines import message, migrated_database


class TallyDialogue:
    """A dialogue that adds up numbers until "done"; it claims numbers and "done", lets words go by."""

    name = "tally"
    description = "Adds up numbers you give it."

    def claims(self, text: str, state: Mapping[str, Any]) -> bool | None:
        if re.fullmatch(r"\s*(\d+|done|cancel)\s*", text):
            return True
        return None if "maybe" in text else False

    def reminder(self, state: Mapping[str, Any]) -> str:
        return f"Your tally is still open at {state.get('total', 0)}."

    async def handle(self, request: SkillRequest) -> SkillResponse:
        total = int(request.state.get("total", 0))
        text = request.text.strip()
        if text in ("done", "cancel"):
            return SkillResponse([Reply(f"Total: {total}", skill=self.name)])
        total += int(text) if text.isdigit() else 0
        return SkillResponse(
            [Reply(f"Running total {total}", skill=self.name)], hold_dialogue=True, state={"total": total}
        )


class SilentSkill:
    """A skill that answers with nothing at all (a bug the engine must not pass on as silence)."""

    name = "silent"
    description = "Says nothing."

    async def handle(self, request: SkillRequest) -> SkillResponse:
        return SkillResponse([Reply("   ", skill=self.name)])


class FixedClassifier:
    """Guesses one skill for every text (the router's classifier interface)."""

    def __init__(self, guess: str | None) -> None:
        self.guess = guess

    async def classify(self, text: str) -> str | None:
        return self.guess

    async def rank(self, text: str, names: list[str]) -> list[str]:
        return sorted(names, key=lambda name: name != self.guess)


@pytest.fixture
async def bot(database_url: str, sink: CollectingSink) -> AsyncIterator[Engine]:
    router = Router(
        {"chat": ChatSkill("You are a test bot."), "tally": TallyDialogue(), "silent": SilentSkill()},
        classifier=FixedClassifier(None),
    )
    engine = Engine(Ledger(migrated_database(database_url)), FakeLLM(), router, EngineLimits())
    engine.register_sink("test", sink)
    await engine.start()
    yield engine
    await engine.aclose()


async def say(engine: Engine, sink: CollectingSink, text: str, n: int) -> list[Reply]:
    """Send ``text`` as the n-th message of user u1 and return the replies it got."""
    sent = Message(platform="test", user="u1", text=text, event_id=f"e{n}", channel="c1")
    await engine.submit(sent)
    await engine.join()
    return [reply for m, reply in sink.replies if m.event_id == sent.event_id]


async def test_a_digression_is_answered_elsewhere_and_the_dialogue_then_resumes(
    bot: Engine, sink: CollectingSink
) -> None:
    assert [r.text for r in await say(bot, sink, "/tally 2", 1)] == ["Running total 2"]
    digression = await say(bot, sink, "what is the weather like", 2)
    assert [(r.skill, r.text) for r in digression] == [
        ("chat", "echo: what is the weather like"),
        ("tally", "Your tally is still open at 2."),
    ]
    assert [r.text for r in await say(bot, sink, "3", 3)] == ["Running total 5"]
    assert [r.text for r in await say(bot, sink, "done", 4)] == ["Total: 5"]
    assert [r.skill for r in await say(bot, sink, "7", 5)] == ["chat"]


async def test_another_skills_command_mid_dialogue_parks_the_dialogue(
    bot: Engine, sink: CollectingSink
) -> None:
    await say(bot, sink, "/tally 4", 1)
    replies = await say(bot, sink, "/help", 2)
    assert replies[0].skill == "help" and "/tally: Adds up numbers you give it." in replies[0].text
    assert replies[-1].text == "Your tally is still open at 4."
    assert [r.text for r in await say(bot, sink, "1", 3)] == ["Running total 5"]


async def test_when_the_dialogue_is_unsure_the_classifier_decides(bot: Engine, sink: CollectingSink) -> None:
    await say(bot, sink, "/tally 1", 1)
    replies = await say(bot, sink, "maybe 5", 2)  # unsure, and the classifier names no other skill
    assert [r.skill for r in replies] == ["tally"]


async def test_cancel_with_nothing_open_says_so_and_cancel_with_a_dialogue_reaches_it(
    bot: Engine, sink: CollectingSink
) -> None:
    [nothing] = await say(bot, sink, "cancel", 1)
    assert "nothing open to cancel" in nothing.text and nothing.skill == "cancel"
    await say(bot, sink, "/tally 3", 2)
    assert [r.text for r in await say(bot, sink, "never mind", 3)] == ["Total: 3"]


async def test_a_greeting_or_thanks_never_starts_a_dialogue(bot: Engine, sink: CollectingSink) -> None:
    for n, text in enumerate(["hi there!", "thanks so much"]):
        assert [r.skill for r in await say(bot, sink, text, n)] == ["chat"]


async def test_help_lists_every_registered_command(bot: Engine, sink: CollectingSink) -> None:
    for n, text in enumerate(["/help", "help", "What can you do?", "what skills do you have?"]):
        [reply] = await say(bot, sink, text, n)
        assert reply.skill == "help" and not reply.notice
        assert all(f"/{name}:" in reply.text for name in ("tally", "silent", "help", "chat")), reply.text


async def test_a_skill_that_returns_no_text_still_answers_the_person(
    bot: Engine, sink: CollectingSink
) -> None:
    [reply] = await say(bot, sink, "/silent", 1)
    assert reply.notice and "gave no answer" in reply.text


async def test_an_unknown_command_points_to_help(bot: Engine, sink: CollectingSink) -> None:
    [reply] = await say(bot, sink, "/frobnicate now", 1)
    assert reply.notice and "/help" in reply.text and "/tally" in reply.text


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("help", "help"),
        ("Help me!", "help"),
        ("what else can you do besides taking orders?", "help"),
        ("wait, what else can you do?", "help"),
        ("cancel", "cancel"),
        ("never mind", "cancel"),
        ("cancel my order please", "cancel"),
        ("Good evening!", "greeting"),
        ("hiya", "greeting"),
        ("thanks!", "thanks"),
        ("thank you so much", "thanks"),
        ("help me write an email to my landlord", None),
        ("hi, a large pepperoni please", None),
        ("thanks. and a small coke", None),
        ("Hi! I'm Priya, I lead the data platform team.", None),
        ("how do I cancel a meeting in Outlook?", None),
    ],
)
def test_global_intents_are_whole_messages(text: str, intent: str | None) -> None:
    assert global_intent(text) == intent


async def test_an_open_dialogue_never_takes_another_users_turn(bot: Engine, sink: CollectingSink) -> None:
    await say(bot, sink, "/tally 3", 1)
    other = message("4", user="u2", event_id="other-4", channel="c1")
    await bot.submit(other)
    await bot.join()
    assert [(r.skill, r.text) for m, r in sink.replies if m.event_id == "other-4"] == [("chat", "echo: 4")]

"""Conversation repair: an open dialogue may let a turn go by, stays parked, and resumes; global intents."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from chatwright import Reply, SkillRequest, SkillResponse
from chatwright.testing import TestBot
from conversation.global_intents import global_intent


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


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[TestBot]:
    """Chat, the tally dialogue and a silent skill, through chatwright.testing; no classifier."""
    skills = {"tally": lambda _context: TallyDialogue(), "silent": lambda _context: SilentSkill()}
    async with TestBot.start(tmp_path, skills=skills) as started:
        yield started


async def test_a_digression_is_answered_elsewhere_and_the_dialogue_then_resumes(bot: TestBot) -> None:
    assert [r.text for r in await bot.say("/tally 2")] == ["Running total 2"]
    digression = await bot.say("what is the weather like")
    assert [(r.skill, r.text) for r in digression] == [
        ("chat", "echo: what is the weather like"),
        ("tally", "Your tally is still open at 2."),
    ]
    assert [r.text for r in await bot.say("3")] == ["Running total 5"]
    assert [r.text for r in await bot.say("done")] == ["Total: 5"]
    assert [r.skill for r in await bot.say("7")] == ["chat"]


async def test_another_skills_command_mid_dialogue_parks_the_dialogue(bot: TestBot) -> None:
    await bot.say("/tally 4")
    replies = await bot.say("/help")
    assert replies[0].skill == "help" and "/tally: Adds up numbers you give it." in replies[0].text
    assert replies[-1].text == "Your tally is still open at 4."
    assert [r.text for r in await bot.say("1")] == ["Running total 5"]


async def test_when_the_dialogue_is_unsure_the_classifier_decides(bot: TestBot) -> None:
    await bot.say("/tally 1")
    replies = await bot.say("maybe 5")  # unsure, and the classifier names no other skill
    assert [r.skill for r in replies] == ["tally"]


async def test_cancel_with_nothing_open_says_so_and_cancel_with_a_dialogue_reaches_it(bot: TestBot) -> None:
    [nothing] = await bot.say("cancel")
    assert "nothing open to cancel" in nothing.text and nothing.skill == "cancel"
    await bot.say("/tally 3")
    assert [r.text for r in await bot.say("never mind")] == ["Total: 3"]


async def test_a_greeting_or_thanks_never_starts_a_dialogue(bot: TestBot) -> None:
    for text in ["hi there!", "thanks so much"]:
        assert [r.skill for r in await bot.say(text)] == ["chat"]


async def test_help_lists_every_registered_command(bot: TestBot) -> None:
    for text in ["/help", "help", "What can you do?", "what skills do you have?"]:
        [reply] = await bot.say(text)
        assert reply.skill == "help" and not reply.notice
        assert all(f"/{name}:" in reply.text for name in ("tally", "silent", "help", "chat")), reply.text
        assert reply.text.count("/help:") == 1, reply.text


async def test_a_skill_that_returns_no_text_still_answers_the_person(bot: TestBot) -> None:
    [reply] = await bot.say("/silent")
    assert reply.notice and "gave no answer" in reply.text


async def test_an_unknown_command_points_to_help(bot: TestBot) -> None:
    [reply] = await bot.say("/frobnicate now")
    assert reply.notice and "/help" in reply.text and "/tally" in reply.text


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("help", "help"),
        ("Help me!", "help"),
        ("what else can you do besides taking orders?", "help"),
        ("wait, what else can you do?", "help"),
        ("what can you help me with?", "help"),
        ("How can you help us today?", "help"),
        ("what sort of things can you do?", "help"),
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


async def test_an_open_dialogue_never_takes_another_users_turn(bot: TestBot) -> None:
    await bot.say("/tally 3")
    assert [(r.skill, r.text) for r in await bot.say("4", user="u2")] == [("chat", "echo: 4")]

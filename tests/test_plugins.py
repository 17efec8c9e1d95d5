"""The extension API: skills from factories, their config, storage and errors, through chatwright.testing."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from chatwright import ConfigError, SkillContext, SkillError, SkillRequest, skill
from chatwright.testing import TestBot
from conversation import Settings
from conversation.classifier import NearestExamplesClassifier
from conversation.registry import SKILLS, chosen_skills, installed
from conversation.router import Router
from skills import ChatSkill


class Greeting(BaseModel):
    word: str = "Hello"
    times: int = 1


@skill(
    "Greets you and remembers how often.",
    patterns=[r"\bgreet me\b"],
    examples=["say hello to me"],
    config=Greeting,
)
async def greet(request: SkillRequest, context: SkillContext) -> str:
    config = context.config(Greeting)
    message = request.message
    seen = await context.storage.get(message.platform, message.user, "seen", 0) + 1
    await context.storage.put(message.platform, message.user, "seen", seen)
    return f"{config.word} x{config.times} ({seen})"


class Flaky:
    """Fails with a retry the first time it is asked, answers the second."""

    name = "flaky"
    description = "Answers on the second try."

    def __init__(self) -> None:
        self.calls = 0

    async def handle(self, request: SkillRequest) -> object:
        self.calls += 1
        if self.calls == 1:
            raise SkillError("The status service is busy; I'll try again shortly.", retry_after_s=0.1)
        raise SkillError("Order 9 does not exist.")


async def test_a_function_skill_gets_its_section_its_storage_and_free_text_by_its_patterns(
    tmp_path: Path,
) -> None:
    section = {"greet": {"word": "Hi", "times": "2"}}
    async with TestBot.start(tmp_path, skills={"greet": greet}, config=section) as bot:
        assert [r.text for r in await bot.say("/greet")] == ["Hi x2 (1)"]
        assert [(r.skill, r.text) for r in await bot.say("please greet me")] == [("greet", "Hi x2 (2)")]
        assert [r.text for r in await bot.say("greet me", user="u2")] == ["Hi x2 (1)"]


async def test_an_unknown_key_in_a_skills_section_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^skills\.greet\.wrod: no such setting"):
        async with TestBot.start(tmp_path, skills={"greet": greet}, config={"greet": {"wrod": "x"}}):
            pass


async def test_a_skill_error_reaches_the_person_and_the_message_is_retried_when_asked(tmp_path: Path) -> None:
    flaky = Flaky()
    async with TestBot.start(tmp_path, skills={"flaky": lambda _context: flaky}) as bot:
        first = await bot.say("/flaky 9")
        await bot.sink.wait_for(2)
    assert [(r.text, r.notice) for r in first] == [
        ("The status service is busy; I'll try again shortly.", True)
    ]
    assert [r.text for _, r in bot.sink.replies][-1] == "Order 9 does not exist."
    assert flaky.calls == 2


def test_a_skill_registered_under_another_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="'talk' \\('chat'\\)"):
        Router({"talk": ChatSkill("persona")}, fallback="talk")


def test_skills_enabled_and_disabled_choose_among_the_installed_and_unknown_names_are_errors() -> None:
    installed_skills = {"order": greet, "chat": greet, "status": greet}

    assert list(chosen_skills(Settings(skills_disabled=["status"]), installed_skills)) == ["order", "chat"]
    assert list(chosen_skills(Settings(skills_enabled=["chat"]), installed_skills)) == ["chat"]
    with pytest.raises(ConfigError, match=r"^skills_enabled: no installed skill 'stauts'"):
        chosen_skills(Settings(skills_enabled=["stauts"]), installed_skills)
    with pytest.raises(ConfigError, match=r"^skills: no installed skill 'nosuch'"):
        chosen_skills(Settings(skills={"nosuch": {"a": 1}}), installed_skills)


async def test_a_section_for_a_skill_that_takes_no_settings_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^skills\.flaky: this skill takes no settings"):
        async with TestBot.start(tmp_path, skills={"flaky": lambda _c: Flaky()}, config={"flaky": {"x": 1}}):
            pass


def test_the_shipped_skills_are_entry_points_like_any_plugins() -> None:
    shipped = installed(SKILLS)

    assert {"order", "translate", "proofread", "ask", "reply", "chat"} <= set(shipped)
    assert all(callable(factory) for factory in shipped.values())


async def test_a_skills_own_examples_join_the_shipped_ones(tmp_path: Path) -> None:
    async with TestBot.start(tmp_path, skills={"greet": greet}) as bot:
        skills = bot.engine.router.skills
    classifier = NearestExamplesClassifier({"greet": skills["greet"], "order": skills["chat"]}, None)

    assert ("greet", "say hello to me") in classifier.examples
    assert sum(name == "order" for name, _ in classifier.examples) > 1, "the shipped order examples stay"


class Repeat(BaseModel):
    times: int
    word: str = "hip"


@skill("Repeats a word.", arguments=Repeat)
async def repeat(request: SkillRequest, args: Repeat) -> str:
    return " ".join([args.word] * args.times)


async def test_typed_arguments_are_read_in_field_order_and_a_misfit_gets_the_usage(tmp_path: Path) -> None:
    async with TestBot.start(tmp_path, skills={"repeat": repeat}) as bot:
        assert [r.text for r in await bot.say("/repeat 3 hooray now")] == ["hooray now hooray now hooray now"]
        assert [r.text for r in await bot.say("/repeat 2")] == ["hip hip"]
        [misfit] = await bot.say("/repeat many")
        assert bot.engine.router.skills["repeat"].usage == "<times> [word]"  # type: ignore[attr-defined]

    assert misfit.notice
    assert misfit.text.startswith("Usage: /repeat <times> [word] (times: input should be a valid integer")

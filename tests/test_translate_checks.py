"""translate checks its drafts: invariants by code (CLDR names from Babel), meaning by back-translation."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

import pytest

from conversation import Message
from conversation.llm import FakeLLM
from conversation.llm.base import ChatMessage
from skills.base import SkillRequest, SkillResponse
from skills.translate import TranslateSkill
from skills.translate.calendar import calendar_names
from skills.translate.checking import TranslationChecker
from skills.translate.invariants import broken_invariants, invariants_of

SOURCE = "Our office will be closed on Monday."


def similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


def translator(drafts: list[str], backs: dict[str, str]) -> FakeLLM:
    """Translates into French with ``drafts`` in turn; translates back with ``backs``."""
    queue = list(drafts)

    def respond(messages: Sequence[ChatMessage]) -> str:
        text = messages[-1].content.strip("`")
        if "into <French>" in messages[0].content:
            return queue.pop(0) if len(queue) > 1 else queue[0]
        return backs.get(text, text)

    return FakeLLM(respond)


async def translate(text: str, llm: FakeLLM, candidates: int = 3) -> SkillResponse:
    skill = TranslateSkill(checker=TranslationChecker(similar, candidates))
    message = Message(platform="test", user="u1", text=text, event_id=text, channel="c1")
    return await skill.handle(SkillRequest(message, text, [], {}, llm))


async def test_a_translation_that_loses_the_weekday_is_caught_and_replaced_by_a_retry() -> None:
    llm = translator(
        ["Notre bureau sera fermé.", "Notre bureau sera fermé lundi."],
        {"Notre bureau sera fermé.": "Our office will be closed.", "Notre bureau sera fermé lundi.": SOURCE},
    )
    response = await translate(f"to French: {SOURCE}", llm)

    data = response.replies[0].data
    assert data is not None and data["translations"] == {"fr": "Notre bureau sera fermé lundi."}
    assert data["checks"]["fr"]["sure"] and data["checks"]["fr"]["candidates"] == 2
    retry = llm.prompts[2][0].content
    assert "Monday (lundi)" in retry
    assert "unsure" not in response.replies[0].text


async def test_a_translation_that_changes_a_number_is_caught_and_replaced() -> None:
    source = "The tickets cost 15 euros each."
    llm = translator(
        ["Les billets coûtent 50 euros chacun.", "Les billets coûtent 15 euros chacun."],
        {
            "Les billets coûtent 50 euros chacun.": "The tickets cost 50 euros each.",
            "Les billets coûtent 15 euros chacun.": source,
        },
    )
    response = await translate(f"to French: {source}", llm)

    data = response.replies[0].data
    assert data is not None and data["translations"]["fr"] == "Les billets coûtent 15 euros chacun."


async def test_a_weekday_the_model_keeps_getting_wrong_is_put_right_by_code_and_checked() -> None:
    llm = translator(
        ["Notre bureau sera fermé mardi."],
        {
            "Notre bureau sera fermé mardi.": "Our office will be closed on Tuesday.",
            "Notre bureau sera fermé lundi.": SOURCE,
        },
    )
    response = await translate(f"to French: {SOURCE}", llm)

    data = response.replies[0].data
    assert data is not None and data["translations"]["fr"] == "Notre bureau sera fermé lundi."
    assert data["checks"]["fr"] == {"sure": True, "problems": [], "similarity": 1.0, "candidates": 1}


async def test_when_no_candidate_passes_the_best_is_shown_marked_unsure() -> None:
    llm = translator(["Notre bureau sera fermé mardi et mercredi."], {})
    response = await translate(f"to French: {SOURCE}", llm, candidates=2)

    (reply,) = response.replies
    assert "unsure" in reply.text and "Monday missing" in reply.text
    assert reply.data is not None and reply.data["checks"]["fr"]["sure"] is False
    assert reply.data["translations"]["fr"] == "Notre bureau sera fermé mardi et mercredi."


async def test_a_good_first_draft_costs_one_translation_and_one_back_translation() -> None:
    llm = translator(["Notre bureau sera fermé lundi."], {"Notre bureau sera fermé lundi.": SOURCE})
    response = await translate(f"to French: {SOURCE}", llm)

    assert len(llm.prompts) == 2
    assert "into <English>" in llm.prompts[1][0].content
    assert response.replies[0].data is not None and response.replies[0].data["checks"]["fr"]["sure"]


@pytest.mark.parametrize(
    ("language", "text", "weekdays"),
    [
        ("fr", "fermé lundi et mardi", [0, 1]),
        ("ru", "в среду", [2]),
        ("pl", "w piątek", [4]),
        ("ja", "木曜日の午後", [3]),
        ("zh", "星期五", [4]),
        ("de", "am Donnerstag", [3]),
        ("en", "May I come on Sunday?", [6]),
    ],
)
def test_weekdays_are_read_from_cldr_names_in_every_language(
    language: str, text: str, weekdays: list[int]
) -> None:
    names = calendar_names(language)
    assert names is not None and names.weekdays_in(text) == weekdays


@pytest.mark.parametrize(
    ("source", "target", "language", "problems"),
    [
        (
            "The meeting moves to Thursday at 3 pm.",
            "Der Abend wird am 4. April um 3 Uhr aufgerufen.",
            "de",
            ["number 4 added", "Thursday missing", "April added"],
        ),
        ("The meeting moves to Thursday at 3 pm.", "Die Besprechung ist am Donnerstag um 15 Uhr.", "de", []),
        ("The meeting moves to Thursday at 3 pm.", "会議は木曜日の午後3時に移動します。", "ja", []),
        (
            "I do not want 1,500 dollars, Anna.",
            "Quiero 1.500 dólares, Ana.",
            "es",
            ["name Anna missing", "negation lost"],
        ),
        ("I do not want 1,500 dollars, Anna.", "No quiero 1.500 dólares, Anna.", "es", []),
        (
            "Pay 3.50 € at https://x.example/pay 🎉",
            "Payez 3,50 € sur https://x.example/pay",
            "fr",
            ["symbol 🎉 missing"],
        ),
    ],
)
def test_invariants_lost_changed_or_added_are_named(
    source: str, target: str, language: str, problems: list[str]
) -> None:
    found = broken_invariants(invariants_of(source, "en"), invariants_of(target, language), target)
    assert sorted(found) == sorted(problems)


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_the_real_model_path_checks_a_translation_and_says_how_sure_it_is(tmp_path: Path) -> None:
    from tests.fakes.models import small_model

    backend = small_model(tmp_path)
    skill = TranslateSkill(max_tokens=32, checker=TranslationChecker(candidates=2))
    text = f"to French: {SOURCE}"
    try:
        message = Message(platform="test", user="u1", text=text, event_id="e", channel="c1")
        response = await skill.handle(SkillRequest(message, text, [], {}, backend))
    finally:
        await backend.aclose()

    (reply,) = response.replies
    assert reply.data is not None
    check = reply.data["checks"]["fr"]
    assert check["candidates"] in {1, 2} and 0.0 <= check["similarity"] <= 1.0001
    assert ("unsure" in reply.text) == (not check["sure"])
    assert check["sure"] == (not check["problems"] and check["similarity"] >= 0.8)

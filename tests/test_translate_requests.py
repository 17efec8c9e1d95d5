"""translate: requests in words, follow-ups from the history, the source named, unsure detection said."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from conversation import Message
from conversation.llm import LLM, FakeLLM
from conversation.llm.base import ChatMessage
from skills.base import RecognisesRequests, SkillRequest, SkillResponse
from skills.translate import TranslateSkill
from skills.translate.languages import code_of
from skills.translate.request import parse_follow_up, parse_request

POLISH = "Dzień dobry, chciałbym zarezerwować stolik dla dwóch osób na jutrzejszy wieczór."
TURKISH = "Yarın sabah saat dokuzda toplantımız var, lütfen geç kalmayın."  # noqa: RUF001
RUSSIAN = "Спасибо за быструю доставку, пицца была очень вкусной!"
ENGLISH = "Good morning everyone, the meeting starts at ten."


@pytest.fixture(scope="module")
def skill() -> TranslateSkill:
    return TranslateSkill(team_languages=("en",), check_drafts=False)


def target_of(messages: Sequence[ChatMessage]) -> str:
    return messages[0].content.split("into <")[1].split(">")[0]


def by_target() -> FakeLLM:
    return FakeLLM(lambda messages: f"<{target_of(messages)} text>")


async def ask(
    skill: TranslateSkill, llm: LLM, text: str, history: Sequence[ChatMessage] = ()
) -> SkillResponse:
    message = Message(platform="test", user="u1", text=text, event_id="e1", channel="c1")
    return await skill.handle(SkillRequest(message, text, list(history), {}, llm))


@pytest.mark.parametrize(
    ("message", "text", "targets", "registers"),
    [
        ("Translate to French: Where is the station?", "Where is the station?", ["fr"], []),
        ("Translate into English: Спасибо!", "Спасибо!", ["en"], []),
        (f"Can you translate this? {TURKISH}", TURKISH, [], []),
        ("how do you say 'thank you very much' in French?", "thank you very much", ["fr"], []),
        ("oh, and how would you say \u201cenjoy your meal\u201d in Italian?", "enjoy your meal", ["it"], []),
        ("what's 'Guten Morgen' in English?", "Guten Morgen", ["en"], []),
        ("What's the Spanish word for butterfly?", "butterfly", ["es"], []),
        ("Translate into Spanish, once formal and once informal: Hi!", "Hi!", ["es"], ["formal", "informal"]),
        ("to German, Spanish: Thank you.", "Thank you.", ["de", "es"], []),
        (
            "could you translate the following into Dutch and Polish - See you soon.",
            "See you soon.",
            ["nl", "pl"],
            [],
        ),
        ("translate good night to Japanese, formally", "good night", ["ja"], ["formal"]),
        ("Merci beaucoup.\ntranslate to English please", "Merci beaucoup.", ["en"], []),
        ("I'd like this translated into Portuguese: Good luck", "Good luck", ["pt"], []),
        ("Translate to French: I want to go to Germany", "I want to go to Germany", ["fr"], []),
    ],
)
def test_requests_in_words_are_parsed_into_text_targets_and_registers(
    message: str, text: str, targets: list[str], registers: list[str]
) -> None:
    request = parse_request(message)

    assert request is not None and request.text == text
    assert [code_of(t) for t in request.targets] == targets and list(request.registers) == registers


@pytest.mark.parametrize(
    "message",
    [
        POLISH,
        "To whom it may concern: the order is late.",
        "In my opinion: it is fine.",
        "What's new in Python?",
        "What's the weather in Paris?",
        "I need to translate my website, which tool do you recommend? Thanks",
    ],
)
def test_texts_that_are_no_request_are_not_parsed_as_one(message: str) -> None:
    assert parse_request(message) is None


@pytest.mark.parametrize(
    ("message", "targets"),
    [("and into Italian?", ["it"]), ("now in German", ["de"]), ("what about Spanish?", ["es"]),
     ("and in Portuguese please", ["pt"]), ("Dutch and Polish too?", ["nl", "pl"])],
)  # fmt: skip
def test_follow_ups_name_only_languages(message: str, targets: list[str]) -> None:
    follow_up = parse_follow_up(message)

    assert follow_up is not None and [code_of(t) for t in follow_up.targets] == targets


@pytest.mark.parametrize("message", ["and a small coke", "what about you?", "ok, and a large fries", "to go"])
def test_other_short_messages_are_no_follow_ups(message: str) -> None:
    assert parse_follow_up(message) is None


@pytest.mark.parametrize(
    "history",
    [
        [ChatMessage("user", "Translate to French: Where is the station?"), ChatMessage("assistant", "...")],
        [ChatMessage("user", "/translate to French: Where is the station?"), ChatMessage("assistant", "...")],
        [ChatMessage("user", "/translate Where is the station?"), ChatMessage("assistant", "...")],
        [
            ChatMessage("user", "how do you say 'Where is the station?' in French"),
            ChatMessage("assistant", "..."),
            ChatMessage("user", "now in German"),
            ChatMessage("assistant", "..."),
            ChatMessage("user", "/order a large pizza"),
            ChatMessage("assistant", "..."),
        ],
    ],
)
async def test_a_follow_up_translates_the_previous_text_into_the_new_language(
    skill: TranslateSkill, history: list[ChatMessage]
) -> None:
    llm = by_target()
    response = await ask(skill, llm, "and into Italian?", history)

    assert [m[1].content for m in llm.prompts] == ["```Where is the station?```"]
    assert target_of(llm.prompts[0]) == "Italian"
    assert response.replies[0].text == "English \u2192 Italian: <Italian text>"


async def test_a_follow_up_keeps_the_registers_asked_for_before(skill: TranslateSkill) -> None:
    history = [ChatMessage("user", "Translate into Spanish, formal and informal: Come in")]
    llm = by_target()
    response = await ask(skill, llm, "what about German?", history)

    assert [target_of(m) for m in llm.prompts] == ["German", "German"]
    assert "German (formal)" in response.replies[0].text and "German (informal)" in response.replies[0].text


async def test_a_follow_up_with_nothing_before_asks_what_to_translate(skill: TranslateSkill) -> None:
    llm = FakeLLM()
    response = await ask(skill, llm, "and into Italian?", [ChatMessage("user", "hello there")])

    assert "What should I translate into Italian?" in response.replies[0].text
    assert llm.prompts == []


async def test_both_registers_are_translated_and_labelled(skill: TranslateSkill) -> None:
    llm = FakeLLM(
        lambda messages: "formal" if "formal form" in messages[0].content.split("informal")[0] else "x"
    )
    response = await ask(skill, llm, "Translate into Spanish, once formal and once informal: " + ENGLISH)

    assert len(llm.prompts) == 2
    assert "addressing the reader formally" in llm.prompts[0][0].content
    assert "addressing the reader informally" in llm.prompts[1][0].content
    data = response.replies[0].data
    assert data is not None and list(data["translations"]) == ["es-formal", "es-informal"]
    lines = response.replies[0].text.splitlines()
    assert lines[0].startswith("English \u2192 Spanish (formal): ")
    assert lines[1].startswith("English \u2192 Spanish (informal): ")


@pytest.mark.parametrize(
    ("text", "name"), [(f"/translate {POLISH}", "Polish"), (f"Can you translate this? {TURKISH}", "Turkish"),
                       (f"Translate into English: {RUSSIAN}", "Russian")],
)  # fmt: skip
async def test_every_translation_names_its_source_language(
    skill: TranslateSkill, text: str, name: str
) -> None:
    response = await ask(skill, by_target(), text.removeprefix("/translate "))

    assert response.replies[0].text == f"{name} \u2192 English: <English text>"


async def test_a_text_already_in_the_only_team_language_gets_one_sentence_and_no_model_call(
    skill: TranslateSkill,
) -> None:
    llm = FakeLLM()
    response = await ask(skill, llm, ENGLISH)

    (reply,) = response.replies
    assert reply.text.startswith("The text is already in English;") and "\n" not in reply.text
    assert llm.prompts == []


async def test_a_text_already_in_the_target_goes_into_the_other_team_languages() -> None:
    skill = TranslateSkill(team_languages=("en", "de"), check_drafts=False)
    response = await ask(skill, by_target(), f"Translate into English: {ENGLISH}")

    assert response.replies[0].text.splitlines() == [
        "The text is already in English; here it is in German.",
        "English \u2192 German: <German text>",
    ]


async def test_an_unsure_detection_is_said(skill: TranslateSkill) -> None:
    response = await ask(skill, by_target(), "what's 'Ciao' in English?")

    (reply,) = response.replies
    assert "(detection unsure) \u2192 English: <English text>" in reply.text
    assert reply.data is not None and reply.data["sure"] is False


async def test_a_named_source_language_is_used_as_it_is(skill: TranslateSkill) -> None:
    llm = by_target()
    response = await ask(skill, llm, "translate from Portuguese to English: Oi")

    assert response.replies[0].text == "Portuguese \u2192 English: <English text>"
    assert "from <Portuguese>" in llm.prompts[0][0].content


def test_every_language_lingua_knows_is_detected_by_default(skill: TranslateSkill) -> None:
    assert len(skill.detector.languages) == 75


def test_detection_of_a_short_text_is_fast_once_loaded(skill: TranslateSkill) -> None:
    texts = ["Where is the train station?", POLISH, TURKISH, "Danke schön", "Mi piace la pizza"]
    for text in texts:
        skill.detector.assess(text)
    start = time.perf_counter()
    for text in texts * 10:
        skill.detector.assess(text)
    assert (time.perf_counter() - start) / (len(texts) * 10) < 0.05


@pytest.mark.parametrize(
    "text",
    ["Translate to French: Where is the station?", "how do you say 'good luck' in German?",
     "and into Italian?", "what about Spanish?", "Can you translate this? Merci beaucoup."],
)  # fmt: skip
def test_translation_requests_and_follow_ups_are_recognised(skill: TranslateSkill, text: str) -> None:
    assert isinstance(skill, RecognisesRequests)
    assert skill.recognises(text)


@pytest.mark.parametrize(
    "text",
    ["hi, how are you?", "Please proofread: Their late.", "a large pepperoni please", "Italian",
     "write a reply to this review: the pizza was cold", "What's the weather in Paris?"],
)  # fmt: skip
def test_small_talk_and_other_tasks_are_not_recognised(skill: TranslateSkill, text: str) -> None:
    assert not skill.recognises(text)


@pytest.mark.slow
async def test_the_real_model_translation_names_the_detected_source(tmp_path: Path) -> None:
    from tests.fakes.models import small_model

    backend = small_model(tmp_path)
    try:
        response = await ask(TranslateSkill(max_tokens=24, check_drafts=False), backend, POLISH)
    finally:
        await backend.aclose()

    (reply,) = response.replies
    assert reply.text.startswith("Polish \u2192 English: ")
    assert reply.data is not None and list(reply.data["translations"]) == ["en"]

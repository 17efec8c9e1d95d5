"""proofread: request wording is split off by code, trivial model changes are no correction."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversation import Message
from conversation.llm import LLM, FakeLLM
from skills.base import RecognisesRequests, SkillRequest, SkillResponse
from skills.proofread import NO_ERRORS, ProofreadSkill, without_trivial_changes
from skills.proofread_request import split_request

TEXT = "We was planning to seperate the teams."
FIXED = "We were planning to separate the teams."


async def proofread(text: str, llm: LLM) -> SkillResponse:
    message = Message(platform="test", user="u1", text=text, event_id="e1", channel="c1")
    return await ProofreadSkill().handle(SkillRequest(message, text, [], {}, llm))


@pytest.mark.parametrize(
    "request_words",
    [
        "Can you check my grammar: ",
        "Please correct this: ",
        "is this right? ",
        "Could you fix the typos in this email? ",
        "please proofread: ",
        "proofread this for me pls\n\n",
        "Can you check the grammar of this? ",
        "hey, would you mind proofreading my paragraph?\n",
        "Spelling and grammar check please: ",
        "Does this sentence sound right to you? ",
        "I'd like you to correct the following \u2014 ",
        "any typos here? ",
    ],
)
async def test_only_the_text_after_the_request_is_proofread_and_shown(request_words: str) -> None:
    llm = FakeLLM(lambda messages: FIXED)
    response = await proofread(f"{request_words}{TEXT}", llm)

    (reply,) = response.replies
    assert llm.prompts[0][1].content == f"```{TEXT}```"
    assert reply.text.startswith(FIXED)
    assert request_words.strip(" :?\n\u2014").lower() not in reply.text.lower()


@pytest.mark.parametrize("request_words", ["\nIs this correct?", " Can you check my spelling?"])
async def test_a_request_after_the_text_is_split_off_too(request_words: str) -> None:
    llm = FakeLLM(lambda messages: FIXED)
    await proofread(f"{TEXT}{request_words}", llm)

    assert llm.prompts[0][1].content == f"```{TEXT}```"


@pytest.mark.parametrize(
    "text",
    [
        "Is this the right way to the station? I think we are lost.",
        "Did you check the report? It has erors.",
        "Why is spelling so hard? I never get it right.",
        "My grammar teacher said: never end a sentence with a preposition.",
        "Is it ok if I leave early? I feel sick.",
    ],
)
async def test_a_text_opening_with_a_question_that_is_no_request_is_proofread_whole(text: str) -> None:
    llm = FakeLLM(lambda messages: text)
    await proofread(text, llm)

    assert split_request(text) is None
    assert llm.prompts[0][1].content == f"```{text}```"


async def test_a_request_without_a_text_asks_for_it_without_a_model_call() -> None:
    llm = FakeLLM()
    response = await proofread("can you proofread something for me?", llm)

    assert response.replies[0].notice and "text" in response.replies[0].text
    assert llm.prompts == []


@pytest.mark.parametrize(
    ("original", "answer"),
    [
        ("Our office is closed on Monday.", "Our office is closed  on\nMonday."),
        ("She said \u201chello\u201d to me.", 'She said "hello" to me.'),
        ("we look forward to seeing you", "We look forward to seeing you."),
        ("It\u2019s fine.", "It's fine."),
    ],
)
async def test_trivial_model_changes_give_no_errors_found(original: str, answer: str) -> None:
    request = "Is this right? " if original[0].isupper() else "proofread: "
    response = await proofread(f"{request}{original}", FakeLLM(lambda messages: answer))

    (reply,) = response.replies
    assert reply.text == NO_ERRORS
    assert reply.data == {"corrected": original, "diff": [{"op": "equal", "text": original}]}


async def test_the_redline_shows_only_the_real_change_beside_trivial_ones() -> None:
    original = "we was late  to the \u201cmeeting\u201d"
    response = await proofread(
        f"Please correct this: {original}", FakeLLM(lambda m: 'We were late to the "meeting".')
    )

    data = response.replies[0].data
    assert data is not None and data["corrected"] == "we were late  to the \u201cmeeting\u201d"
    changed = [s for s in data["diff"] if s["op"] != "equal"]
    assert changed == [{"op": "delete", "text": "was"}, {"op": "insert", "text": "were"}]


def test_trivial_changes_are_undone_and_real_ones_kept() -> None:
    assert without_trivial_changes("i has a apple", "I have an apple.") == "i have an apple"
    assert without_trivial_changes("A b.", "A c.") == "A c."


@pytest.mark.parametrize(
    "text",
    [
        "Can you check my grammar: Me and him goes.",
        "please proofread:\nWe was there.",
        "Could you fix the typos in this email? Hi Sam, see you Wensday.",
        "is this right? The results was suprising.",
        "Correct this: I recieved it.",
        "any spelling mistakes? I recieved it.",
        "before I forget, can you proofread this sentence: Their late.",
        "can u check this pls: i dont no what to do tomorow",
        "could you look over this: We was late to the meeting yesterday.",
    ],
)
def test_plain_proofreading_requests_are_recognised(text: str) -> None:
    skill = ProofreadSkill()
    assert isinstance(skill, RecognisesRequests)
    assert skill.recognises(text)


@pytest.mark.parametrize(
    "text",
    [
        "hi, how are you today?",
        "Translate into French: Where is the station?",
        "write a reply to this review: The pizza was cold and late.",
        "Can you review my PR? It changes the database layer.",
        "Is this the right way to the station? We are lost.",
        "a large pepperoni with mushrooms please",
        "what's a good name for a puppy?",
        "check this: https://example.com/quarterly-report",
        "can you check this: is the staging server up?",
    ],
)
def test_other_messages_are_not_recognised(text: str) -> None:
    assert not ProofreadSkill().recognises(text)


@pytest.mark.slow
async def test_the_real_model_never_sees_or_echoes_the_request_words(tmp_path: Path) -> None:
    from tests.fakes.models import small_model

    backend = small_model(tmp_path)
    try:
        response = await proofread(f"Can you check my grammar: {TEXT}", backend)
    finally:
        await backend.aclose()

    (reply,) = response.replies
    assert "check my grammar" not in reply.text.lower()
    assert reply.data is not None and "check my grammar" not in reply.data["corrected"].lower()
    assert "check my grammar" not in response.prompt.lower()

"""proofread checks its draft: spelling pass, confusion sets ranked by the model, a second pass."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from conversation import Message
from conversation.llm import FakeLLM
from conversation.llm.base import ChatMessage
from skills.base import SkillRequest, SkillResponse
from skills.corrections.confusions import shipped_confusions
from skills.corrections.search import Proposal, choose_correction, sentences_of, tokens_of
from skills.proofread import NO_ERRORS, ProofreadSkill


def text_of(messages: Sequence[ChatMessage]) -> str:
    return messages[-1].content.strip("`")


def preferring(*likely: str) -> FakeLLM:
    """A model that returns the text unchanged and finds the sentences in ``likely`` far likelier."""
    return FakeLLM(text_of, scorer=lambda context, text: 10.0 * sum(p in text for p in likely))


async def proofread(text: str, llm: FakeLLM) -> SkillResponse:
    message = Message(platform="test", user="u1", text=f"/proofread {text}", event_id=text, channel="c1")
    return await ProofreadSkill().handle(SkillRequest(message, text, [], {}, llm))


@pytest.mark.parametrize(
    ("text", "likely", "inserted"),
    [
        ("Its going to rain.", "It's going", "It's"),
        ("Your going to need a pen.", "You're going", "You're"),
        ("There going to bring it.", "They're going", "They're"),
        ("Its raining, isn\u2019t it?", "It\u2019s raining", "It\u2019s"),
    ],
)
async def test_an_inserted_apostrophe_reaches_the_redline(text: str, likely: str, inserted: str) -> None:
    response = await proofread(text, preferring(likely))

    (reply,) = response.replies
    assert reply.data is not None
    assert {"op": "insert", "text": inserted} in reply.data["diff"]
    assert f"**{inserted}**" in reply.text


async def test_the_models_own_apostrophe_insertion_is_kept() -> None:
    response = await proofread("Its late.", FakeLLM(lambda messages: "It's late."))

    assert response.replies[0].data is not None and response.replies[0].data["corrected"] == "It's late."


async def test_no_errors_found_is_not_said_when_the_spelling_pass_finds_an_error() -> None:
    response = await proofread("We are going to the libary.", FakeLLM(text_of))

    (reply,) = response.replies
    assert reply.text != NO_ERRORS
    assert reply.data is not None and reply.data["corrected"] == "We are going to the library."


async def test_an_unknown_word_without_suggestions_is_named_not_passed_as_correct() -> None:
    response = await proofread("We met at the qzxwvbtt yesterday.", FakeLLM(text_of))

    assert NO_ERRORS not in response.replies[0].text
    assert "does not know 'qzxwvbtt'" in response.replies[0].text


async def test_a_clean_sentence_is_no_errors_found_when_no_candidate_is_likelier() -> None:
    llm = FakeLLM(text_of)
    response = await proofread("Their house is bigger than ours.", llm)

    assert response.replies[0].text == NO_ERRORS
    assert "There house is bigger than ours." in llm.scored


async def test_agreement_with_the_head_noun_is_a_candidate_the_model_ranks() -> None:
    text = "The girl with the black and white puppies have a ball."
    response = await proofread(text, preferring("puppies has"))

    assert response.replies[0].data is not None
    assert response.replies[0].data["corrected"] == "The girl with the black and white puppies has a ball."


async def test_the_corrected_text_gets_a_second_look_until_nothing_changes() -> None:
    drafts = {"Me and him has homework.": "He and I has homework."}
    llm = FakeLLM(
        lambda messages: drafts.get(text_of(messages), text_of(messages)),
        scorer=lambda context, text: 10.0 * ("I have" in text),
    )
    response = await proofread("Me and him has homework.", llm)

    assert response.replies[0].data is not None
    assert response.replies[0].data["corrected"] == "He and I have homework."
    asked = [text_of(prompt) for prompt in llm.prompts]
    assert asked == ["Me and him has homework.", "He and I have homework."], (
        "the model's own draft is not re-sent"
    )


async def test_without_checks_the_first_draft_is_sent_as_before() -> None:
    message = Message(platform="test", user="u1", text="x", event_id="x", channel="c1")
    llm = FakeLLM(text_of)
    skill = ProofreadSkill(check_drafts=False)
    response = await skill.handle(SkillRequest(message, "Its going to rain.", [], {}, llm))

    assert response.replies[0].text == NO_ERRORS
    assert llm.scored == []


def test_confusion_alternatives_follow_the_case_and_apostrophe_of_the_text() -> None:
    sets = shipped_confusions()

    assert sets.alternatives("Its") == [("It's", "homophones")]
    assert sets.alternatives("your", curly=True) == [("you\u2019re", "homophones")]
    assert [word for word, _ in sets.alternatives("has")] == ["have"]
    assert [word for word, _ in sets.alternatives("me")] == ["I"]


async def test_the_likeliest_of_two_competing_fixes_wins() -> None:
    tokens = tokens_of("There going home.")
    proposals = [Proposal(2, 2, "are ", "model"), Proposal(0, 1, "They're", "homophones")]
    scores = {"There going home.": 0.0, "There are going home.": 5.0, "They're going home.": 9.0}

    async def score(texts: Sequence[str]) -> list[float]:
        return [scores.get(text, -5.0) for text in texts]

    assert await choose_correction(tokens, proposals, score) == "They're going home."


@pytest.mark.parametrize(("word", "first"), [("doesnt", "doesn't"), ("Dont", "Don't"), ("isnt", "isn't")])
def test_a_missing_apostrophe_is_the_first_spelling_suggestion(word: str, first: str) -> None:
    from skills.corrections.spelling import english_spelling

    spelling = english_spelling()
    assert spelling.unknown(word) and spelling.suggestions(word)[0] == first


def test_sentences_are_split_after_their_end_and_space() -> None:
    tokens = tokens_of("One two. Three? Four")
    assert ["".join(tokens[a:b]) for a, b in sentences_of(tokens)] == ["One two. ", "Three? ", "Four"]


@pytest.mark.slow
async def test_the_real_model_scores_the_same_in_a_batch_and_prefers_the_apostrophe(tmp_path: Path) -> None:
    from tests.fakes.models import small_model

    backend = small_model(tmp_path)
    context = "A sentence in correct, natural English:\n"
    texts = ["It's going to rain today.", "Its going to rain today.", "It's going to rain tomorrow."]
    try:
        together = await backend.score(context, texts)
        alone = [
            (await backend.score(context + " ", ["x"]), await backend.score(context, [t]))[1][0]
            for t in texts
        ]
    finally:
        await backend.aclose()

    assert together == pytest.approx(alone, abs=0.05)
    assert together[0] > together[1]

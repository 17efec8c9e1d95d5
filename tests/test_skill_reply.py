"""reply: sentiment at temperature 0 under a schema, drafts at the configured temperature, checked by code."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from conversation import Message
from conversation.errors import ConfigError
from conversation.llm import LLM, ChatMessage, FakeLLM
from skills.base import SkillRequest, SkillResponse
from skills.reply import CLOSING, SIGNATURE, ReplySkill

REVIEW = "The blender arrived a week late and the lid was cracked."
DRAFT = "Dear customer,\n\nWe are sorry that your blender arrived late with a cracked lid.\n\nBest regards,"
BRACKETS = re.compile(r"[\[\]{}<>]")


def scripted(sentiment: str, *drafts: str) -> FakeLLM:
    """Answers the sentiment question with ``sentiment`` and the email requests with ``drafts`` in turn
    (the last one again when they run out)."""
    queue = list(drafts or [DRAFT])

    def respond(messages: Sequence[ChatMessage]) -> str:
        if "What is the sentiment" in messages[0].content:
            return sentiment
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return FakeLLM(respond)


async def reply_to(text: str, llm: LLM, skill: ReplySkill | None = None) -> SkillResponse:
    message = Message(platform="test", user="u1", text=f"/reply {text}", event_id=text, channel="c1")

    async def on_token(piece: str) -> None:
        raise AssertionError(f"an unchecked draft was streamed: {piece!r}")

    return await (skill or ReplySkill()).handle(SkillRequest(message, text, [], {}, llm, on_token))


def drafts_asked(llm: FakeLLM) -> list[list[ChatMessage]]:
    return [prompt for prompt in llm.prompts if "What is the sentiment" not in prompt[0].content]


async def test_a_negative_review_gets_an_apology_a_customer_service_pointer_and_the_signature() -> None:
    llm = scripted('{"sentiment": "negative"}')
    response = await reply_to(REVIEW, llm, ReplySkill(temperature=0.2))

    (reply,) = response.replies
    assert reply.data is not None and reply.data["sentiment"] == "negative"
    assert reply.text == (
        "Dear customer,\n\nWe are sorry that your blender arrived late with a cracked lid.\n\n"
        "Please contact our customer service team so that we can look into this for you.\n\n"
        f"{CLOSING}\n{SIGNATURE}"
    )
    assert reply.data["repairs"] == ["contact_missing", "signature"]
    sentiment_options, draft_options = llm.options
    assert sentiment_options.temperature == 0.0 and sentiment_options.json_schema is not None
    assert draft_options.temperature == 0.2
    assert "Apologise" in llm.prompts[1][0].content and llm.prompts[1][1].content == f"```{REVIEW}```"


async def test_the_prompt_names_the_detail_and_forbids_placeholders_signatures_and_promises() -> None:
    llm = scripted('{"sentiment": "negative"}')
    await reply_to(REVIEW, llm)

    system = drafts_asked(llm)[0][0].content
    assert "such as the blender" in system
    assert "no signature" in system and "placeholder" in system
    assert "Do not promise anything: no refunds" in system


async def test_a_given_sentiment_skips_detection_and_positive_reviews_are_thanked() -> None:
    llm = scripted("unused", "Thank you for your kind words about the blender!\n\nAI customer agent")
    response = await reply_to(f"positive: {REVIEW}", llm)

    (reply,) = response.replies
    assert len(llm.prompts) == 1
    assert "Thank the customer" in llm.prompts[0][0].content
    assert reply.text == (
        f"Dear customer,\n\nThank you for your kind words about the blender!\n\n{CLOSING}\n{SIGNATURE}"
    )
    assert reply.data is not None and reply.data["sentiment_source"] == "given"


async def test_the_review_is_taken_out_of_a_request_in_words() -> None:
    llm = scripted('{"sentiment": "positive"}')
    text = (
        "Please write a reply to this customer review: The pizza cutter bent on day one. Really disappointed."
    )
    response = await reply_to(text, llm)

    assert llm.prompts[0][1].content == "```The pizza cutter bent on day one. Really disappointed.```"
    assert response.replies[0].data is not None and response.replies[0].data["sentiment"] == "negative"


@pytest.mark.parametrize("answer", ["not json at all", '{"sentiment": "furious"}', ""])
async def test_an_unusable_sentiment_answer_falls_back_to_the_cues_then_neutral(answer: str) -> None:
    negative = await reply_to(REVIEW, scripted(answer))
    plain = await reply_to("It is a blender with a lid.", scripted(answer))

    assert negative.replies[0].data is not None and negative.replies[0].data["sentiment"] == "negative"
    assert plain.replies[0].data is not None and plain.replies[0].data["sentiment"] == "neutral"


async def test_a_placeholder_in_a_sentence_gets_one_more_draft_with_a_stronger_instruction() -> None:
    first = (
        "Dear [Customer's Name],\n\nWe are sorry your [Product] lid cracked.\n\nBest regards,\n[Your Name]"
    )
    second = (
        "Dear customer,\n\nWe are sorry your blender lid cracked. Please contact our customer service team."
    )
    llm = scripted('{"sentiment": "negative"}', first, second)
    response = await reply_to(REVIEW, llm)

    asked = drafts_asked(llm)
    assert len(asked) == 2 and "no brackets at all" in asked[1][0].content
    assert response.replies[0].text.startswith("Dear customer,\n\nWe are sorry your blender lid cracked.")
    assert response.completion is not None and response.completion.text == second


async def test_a_second_draft_that_still_has_placeholders_loses_those_sentences() -> None:
    draft = "Dear [Name],\n\nWe are sorry about the blender. Your [Order Number] is noted.\n\n[Your Name]"
    llm = scripted('{"sentiment": "negative"}', draft)
    response = await reply_to(REVIEW, llm)

    text = response.replies[0].text
    assert len(drafts_asked(llm)) == 2
    assert not BRACKETS.search(text) and "Order Number" not in text and "sorry about the blender" in text
    assert text.count(SIGNATURE) == 1 and text.endswith(SIGNATURE)


async def test_a_draft_without_a_detail_is_redrafted_once_then_completed_by_code() -> None:
    llm = scripted('{"sentiment": "negative"}', "We are sorry. Please contact our customer service team.")
    response = await reply_to(REVIEW, llm)

    asked = drafts_asked(llm)
    assert len(asked) == 2 and "name the blender in the first sentence" in asked[1][0].content
    assert "Thank you for telling us about the trouble with the blender." in response.replies[0].text


async def test_problems_code_repairs_well_ask_for_no_second_draft() -> None:
    draft = (
        "Dear [Customer's Name],\n\nWe are sorry your blender lid cracked. We will send you a new blender. "
        "Please contact our customer service team.\n\n"
        "Best regards,\n[Your Name]\n\nSincerely,\nAI customer agent"
    )
    llm = scripted('{"sentiment": "negative"}', draft)
    response = await reply_to(REVIEW, llm)

    assert len(drafts_asked(llm)) == 1
    assert response.replies[0].text == (
        "Dear customer,\n\nWe are sorry your blender lid cracked. "
        f"Please contact our customer service team.\n\n{CLOSING}\n{SIGNATURE}"
    )


async def test_an_allowed_commitment_is_kept_and_the_prompt_says_so() -> None:
    draft = (
        "We are sorry your lid cracked. We will send you a new blender. Contact our customer service team."
    )
    llm = scripted('{"sentiment": "negative"}', draft)
    response = await reply_to(REVIEW, llm, ReplySkill(allowed_commitments=["replacement"]))

    assert "We will send you a new blender." in response.replies[0].text
    assert "You may offer this if it fits: replacements or new items." in llm.prompts[1][0].content


def test_an_unknown_commitment_kind_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="reply_allowed_commitments"):
        ReplySkill(allowed_commitments=["refund", "pony"])


async def test_an_empty_review_gets_the_usage() -> None:
    response = await reply_to("Please write a reply to this customer review:", scripted("{}"))

    assert response.replies[0].notice and response.replies[0].text.startswith("Usage")


@pytest.mark.slow
async def test_the_real_model_reply_keeps_the_invariants(tmp_path: Path) -> None:
    from tests.fakes.models import small_model

    backend = small_model(tmp_path)
    review = "One star. The kettle stopped working after two days and the lid broke. Really disappointed."
    try:
        response = await reply_to(review, backend, ReplySkill(max_tokens=96))
    finally:
        await backend.aclose()

    (reply,) = response.replies
    assert reply.data is not None and reply.data["sentiment"] == "negative"
    assert not BRACKETS.search(reply.text)
    assert reply.text.count(SIGNATURE) == 1 and reply.text.splitlines()[-1] == SIGNATURE
    assert re.search(r"\b(?:sorry|apologi[sz]e)", reply.text, re.IGNORECASE)
    assert "our customer service team" in reply.text

"""reply: sentiment at temperature 0 under a schema, drafts at the configured temperature, always signed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from conversation import Message
from conversation.llm import LLM, ChatMessage, FakeLLM
from skills.base import SkillRequest, SkillResponse
from skills.reply import SIGNATURE, ReplySkill

REVIEW = "The blender arrived a week late and the lid was cracked."
DRAFT = "Dear customer,\n\nWe are sorry that your blender arrived late with a cracked lid.\n\nBest regards,"


def scripted(sentiment: str, draft: str = DRAFT) -> FakeLLM:
    """Answers the sentiment question with ``sentiment`` and the email request with ``draft``."""

    def respond(messages: Sequence[ChatMessage]) -> str:
        return sentiment if "What is the sentiment" in messages[0].content else draft

    return FakeLLM(respond)


async def reply_to(text: str, llm: LLM, skill: ReplySkill | None = None) -> SkillResponse:
    message = Message(platform="test", user="u1", text=f"/reply {text}", event_id=text, channel="c1")
    return await (skill or ReplySkill()).handle(SkillRequest(message, text, [], {}, llm))


async def test_a_negative_review_gets_an_apology_a_customer_service_pointer_and_the_signature() -> None:
    llm = scripted('{"sentiment": "negative"}')
    options = llm.options
    response = await reply_to(REVIEW, llm, ReplySkill(temperature=0.2))

    (reply,) = response.replies
    assert reply.data is not None and reply.data["sentiment"] == "negative"
    assert reply.text.endswith(
        f"customer service team so that we can make this right.\n\nBest regards,\n{SIGNATURE}"
    )
    sentiment_options, draft_options = options
    assert sentiment_options.temperature == 0.0 and sentiment_options.json_schema is not None
    assert draft_options.temperature == 0.2
    assert "Apologise" in llm.prompts[1][0].content and llm.prompts[1][1].content == f"```{REVIEW}```"


async def test_a_given_sentiment_skips_detection_and_positive_reviews_are_thanked() -> None:
    llm = scripted("unused", "Thank you for your kind words about the blender!\n\nAI customer agent")
    response = await reply_to(f"positive: {REVIEW}", llm)

    (reply,) = response.replies
    assert len(llm.prompts) == 1
    assert "Thank the customer" in llm.prompts[0][0].content
    assert reply.text == "Thank you for your kind words about the blender!\n\nAI customer agent"
    assert reply.data is not None and reply.data["sentiment_source"] == "given"


@pytest.mark.parametrize("answer", ["not json at all", '{"sentiment": "furious"}', ""])
async def test_an_unusable_sentiment_answer_falls_back_to_neutral(answer: str) -> None:
    response = await reply_to(REVIEW, scripted(answer))

    assert response.replies[0].data is not None and response.replies[0].data["sentiment"] == "neutral"


@pytest.mark.parametrize(
    "draft",
    [
        "",
        "Thanks!",
        "Thanks!\n\nBest,\n**AI customer agent**",
        "Signed AI customer agent, really. More text.",
    ],
)
def test_the_signature_is_always_the_last_line(draft: str) -> None:
    email = ReplySkill().finish(draft, "neutral")

    assert email.splitlines()[-1].strip("* ") == SIGNATURE
    assert email.count(SIGNATURE) <= draft.count(SIGNATURE) + 1


@pytest.mark.slow
async def test_the_real_model_reply_ends_with_the_signature(tmp_path: Path) -> None:

    from tests.fakes.models import small_model

    backend = small_model(tmp_path)
    try:
        response = await reply_to(REVIEW, backend, ReplySkill(max_tokens=32))
    finally:
        await backend.aclose()

    (reply,) = response.replies
    assert reply.data is not None and reply.data["sentiment"] in {"positive", "neutral", "negative"}
    assert reply.text.splitlines()[-1] == SIGNATURE
    if reply.data["sentiment"] == "negative":
        assert "customer service" in reply.text.lower()

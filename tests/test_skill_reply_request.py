"""reply requests: recognised by code, the review taken out of the wording, sentiment settled by cues."""

from __future__ import annotations

import pytest

from skills.base import RecognisesRequests
from skills.reply import ReplySkill, read_request, settle_sentiment
from skills.reply.details import detail_phrase
from skills.reply.request import Sentiment


@pytest.mark.parametrize(
    "text",
    [
        "Please write a reply to this customer review: The pizza cutter broke.",
        "Draft a response to the following customer feedback:\nThe app keeps crashing.",
        "Write a short, polite reply to this negative review: cold fries",
        "Respond to this review: great product, fast shipping",
        "Answer this customer's complaint: the delivery was late",
        "Can you reply to this review? Loved the soup.",
        "How should we respond to this complaint? The room was dirty.",
        "Hi, could you please draft an email reply to this angry customer email",
        "I need a response to this customer review: meh",
        "compose an answer for this complaint: broken zipper",
    ],
)
def test_plain_requests_for_a_reply_are_recognised(text: str) -> None:
    skill = ReplySkill()

    assert isinstance(skill, RecognisesRequests) and skill.recognises(text)


@pytest.mark.parametrize(
    "text",
    [
        "My brother leaves a five-star review for everything",
        "Could you fix the typos in this email? Hi Sam, thanks for the quick reply to this email",
        "Proofread my reply to this customer review: Dear customer, sorry!",
        "I wrote a reply to a review yesterday and it went viral",
        "What do you think about online reviews?",
        "Translate this review into French: great pizza",
        "Thanks for the reply!",
    ],
)
def test_small_talk_and_other_tasks_are_not_recognised(text: str) -> None:
    assert not ReplySkill().recognises(text)


@pytest.mark.parametrize(
    ("text", "review", "sentiment"),
    [
        (
            "Please write a reply to this customer review: The pizza cutter bent. Really disappointed.",
            "The pizza cutter bent. Really disappointed.",
            None,
        ),
        ("The pizza cutter bent.", "The pizza cutter bent.", None),
        ("negative: The pizza cutter bent.", "The pizza cutter bent.", "negative"),
        ('Reply to this positive review: "Best bagels in town"', "Best bagels in town", "positive"),
        ("Can you respond to this review? Slow but friendly.", "Slow but friendly.", None),
        ("Write a reply to this review\n```Neutral: it was fine```", "it was fine", "neutral"),
    ],
)
def test_the_review_is_taken_out_of_the_request(text: str, review: str, sentiment: Sentiment | None) -> None:
    asked = read_request(text)

    assert (asked.review, asked.sentiment) == (review, sentiment)


@pytest.mark.parametrize(
    ("answer", "review", "settled"),
    [
        ("positive", "One star. The kettle stopped working after a week.", "negative"),
        ("neutral", "Arrived late and cold.", "negative"),
        ("positive", "Keeps my drinks cold all day.", "positive"),
        ("negative", "Great taste, but it arrived late and cold.", "negative"),
        ("negative", "Love it, the best purchase this year!", "positive"),
        ("positive", "I was not disappointed at all.", "positive"),
        (None, "Really disappointed, it never arrived.", "negative"),
        (None, "It is a toaster.", "neutral"),
    ],
)
def test_plain_cues_break_the_models_sentiment_tie(
    answer: Sentiment | None, review: str, settled: Sentiment
) -> None:
    assert settle_sentiment(answer, review) == settled


@pytest.mark.parametrize(
    ("review", "phrase"),
    [
        ("The pizza cutter arrived bent and the handle came off.", "the pizza cutter"),
        ("My new headphones stopped working after 3 days", "the headphones"),
        ("Arrived cold. Pizza was soggy.", "the pizza"),
        ("The espresso machine makes wonderful crema.", "the espresso machine"),
        ("Great!", None),
    ],
)
def test_the_detail_is_a_short_noun_phrase_of_the_review(review: str, phrase: str | None) -> None:
    assert detail_phrase(review) == phrase

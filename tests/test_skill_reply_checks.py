"""reply checks: every draft is checked by code and repaired into an email that passes the checks."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skills.reply import CLOSING, SIGNATURE, ReplyPolicy, check_draft, repair_draft
from skills.reply.request import Sentiment

NEGATIVE_REVIEW = "The blender arrived a week late and the lid was cracked. Really disappointed."
POSITIVE_REVIEW = "The espresso machine makes wonderful crema and heats up in a minute. Love it!"
BRACKETS = re.compile(r"[\[\]{}<>]")


def policy(
    sentiment: Sentiment = "negative",
    review: str = NEGATIVE_REVIEW,
    allowed: tuple[str, ...] = (),
    contact: str = "our customer service team",
) -> ReplyPolicy:
    return ReplyPolicy.for_review(review, sentiment, contact, allowed)


def kinds(draft: str, rules: ReplyPolicy) -> set[str]:
    return {problem.kind for problem in check_draft(draft, rules)}


def assert_sendable(email: str, rules: ReplyPolicy) -> None:
    """The invariants of every email the skill sends."""
    assert check_draft(email, rules) == []
    assert not BRACKETS.search(email)
    assert email.count(SIGNATURE) == 1 and email.endswith(f"{CLOSING}\n{SIGNATURE}")


def test_a_placeholder_salutation_and_name_line_are_repaired_by_code() -> None:
    rules = policy()
    draft = (
        "Dear [Customer's Name],\n\nWe are sorry that your blender arrived late with a cracked lid. "
        "Please contact our customer service team.\n\n[Your Name]\n[Company]"
    )

    assert {"placeholder_line", "signature"} <= kinds(draft, rules)
    assert "placeholder" not in kinds(draft, rules)
    email = repair_draft(draft, rules)
    assert email.startswith("Dear customer,\n\nWe are sorry that your blender arrived late")
    assert_sendable(email, rules)


def test_a_placeholder_inside_a_sentence_asks_for_a_redraft_and_repair_drops_that_sentence() -> None:
    rules = policy()
    draft = "We are sorry about the cracked lid. Call us at [phone number] any time. We value you."

    assert "placeholder" in kinds(draft, rules)
    email = repair_draft(draft, rules)
    assert "Call us" not in email and "We value you." in email
    assert_sendable(email, rules)


def test_two_signatures_become_exactly_one_at_the_end() -> None:
    rules = policy("positive", POSITIVE_REVIEW)
    draft = (
        "Thank you for your lovely words about the espresso machine!\n\n"
        "Best regards,\n[Your Name]\nCustomer Service Team\n\nSincerely,\n**AI customer agent**"
    )

    assert "signature" in kinds(draft, rules)
    email = repair_draft(draft, rules)
    assert email == (
        "Dear customer,\n\nThank you for your lovely words about the espresso machine!"
        f"\n\n{CLOSING}\n{SIGNATURE}"
    )
    assert_sendable(email, rules)


def test_a_signature_inside_the_body_is_removed() -> None:
    rules = policy("positive", POSITIVE_REVIEW)
    draft = "As your AI customer agent, I read it twice. Thanks for praising the crema!\nAI customer agent"

    email = repair_draft(draft, rules)
    assert "I read it twice" not in email
    assert_sendable(email, rules)


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("We will send you a new blender right away.", "replacement"),
        ("They will provide you with a new blender.", "replacement"),
        ("We'd be happy to offer a full refund.", "refund"),
        ("Please accept a 20% discount on your next order.", "discount"),
        ("We have added store credit to your account.", "credit"),
        ("A voucher for your next visit will be emailed to you.", "voucher"),
        ("We can ship the lid free of charge.", "free"),
        ("We will reimburse the shipping costs.", "reimbursement"),
        ("We would like to compensate you for the trouble.", "compensation"),
    ],
)
def test_a_promise_the_operator_has_not_allowed_is_removed(sentence: str, kind: str) -> None:
    rules = policy()
    draft = f"We are sorry about the cracked lid of your blender. {sentence}"

    assert [problem.note for problem in check_draft(draft, rules) if problem.kind == "commitment"] == [kind]
    email = repair_draft(draft, rules)
    assert sentence not in email
    assert_sendable(email, rules)


def test_an_allowed_commitment_stays() -> None:
    rules = policy(allowed=("replacement",))
    draft = "We are sorry about the cracked lid. We will send you a new blender right away."

    assert "commitment" not in kinds(draft, rules)
    assert "We will send you a new blender right away." in repair_draft(draft, rules)


def test_mentions_that_promise_nothing_are_kept() -> None:
    rules = policy("positive", "The replacement blender I bought works great, feel free to buy one")
    draft = "Thank you! We are glad the replacement blender works well. Feel free to write again."

    assert kinds(draft, rules) == {"signature"}


def test_a_negative_review_without_apology_gets_one_and_the_contact() -> None:
    rules = policy(contact="support@example.com")
    draft = "Dear customer,\n\nThank you for telling us about the blender and its lid."

    assert {"apology_missing", "contact_missing"} <= kinds(draft, rules)
    email = repair_draft(draft, rules)
    assert "sorry" in email.lower() and "support@example.com" in email
    assert_sendable(email, rules)


def test_invented_contact_details_are_removed_but_the_configured_one_stays() -> None:
    rules = policy(contact="support@example.com")
    draft = (
        "We are sorry about the cracked lid. Write to help@made-up.org or call 1-800-555-0199. "
        "You can also write to support@example.com."
    )

    email = repair_draft(draft, rules)
    assert "made-up" not in email and "555" not in email
    assert "You can also write to support@example.com." in email
    assert_sendable(email, rules)


def test_a_positive_review_is_thanked_and_never_apologised_to() -> None:
    rules = policy("positive", POSITIVE_REVIEW)
    draft = "We apologise for any inconvenience. Your espresso machine is a great choice."

    assert {"apology_unwanted", "thanks_missing"} <= kinds(draft, rules)
    email = repair_draft(draft, rules)
    assert "apologise" not in email.lower() and "sorry" not in email.lower()
    assert "Thank you for your review of the espresso machine." in email
    assert_sendable(email, rules)


@pytest.mark.parametrize(
    ("sentiment", "added"),
    [
        ("negative", "Thank you for telling us about the trouble with the blender."),
        ("neutral", "Thank you for telling us about the blender."),
    ],
)
def test_a_draft_naming_no_detail_of_the_review_gets_one(sentiment: Sentiment, added: str) -> None:
    rules = policy(sentiment)
    sorry = "We are sorry. " if sentiment == "negative" else ""
    draft = f"{sorry}Thank you for your message. Please contact our customer service team."

    assert "detail_missing" in kinds(draft, rules)
    email = repair_draft(draft, rules)
    assert added in email
    assert_sendable(email, rules)


def test_an_empty_draft_becomes_a_whole_email() -> None:
    rules = policy()

    email = repair_draft("", rules)
    assert email == (
        "Dear customer,\n\nWe are sorry to hear about the trouble with the blender.\n\n"
        "Please contact our customer service team so that we can look into this for you."
        f"\n\n{CLOSING}\n{SIGNATURE}"
    )


def test_a_contact_with_brackets_is_given_without_them() -> None:
    rules = policy(contact="Acme Support <help@acme.example>")

    assert_sendable(repair_draft("We are sorry about the lid.", rules), rules)


def test_a_subject_line_and_inline_salutation_are_handled() -> None:
    rules = policy("positive", POSITIVE_REVIEW)
    draft = "**Subject:** Thanks!\nHi there, thank you for the kind words about our espresso machine!"

    email = repair_draft(draft, rules)
    assert email.startswith("Hi there,\n\nthank you for the kind words")
    assert_sendable(email, rules)


_FRAGMENTS = [
    "Dear [Customer's Name],",
    "Hi {name}!",
    "Subject: Re: your review",
    "We are so sorry about the cracked lid.",
    "Thank you for your review!",
    "We will send you a new blender and a voucher.",
    "Call <phone> or visit www.example.com today.",
    "Our team (the AI customer agent) is here.",
    "Please contact our customer service team.",
    "Best regards,",
    "Sincerely, [Your Name]",
    "AI customer agent",
    "[Company]",
    "Thanks!",
    "",
    "The espresso machine is great ] really.",
]


@given(
    st.lists(st.sampled_from(_FRAGMENTS), max_size=12),
    st.sampled_from(["positive", "neutral", "negative"]),
    st.sampled_from([NEGATIVE_REVIEW, POSITIVE_REVIEW, "ok", "[odd] <review> {x}"]),
)
def test_every_repaired_draft_passes_the_checks(lines: list[str], sentiment: Sentiment, review: str) -> None:
    rules = policy(sentiment, review)

    assert_sendable(repair_draft("\n".join(lines), rules), rules)

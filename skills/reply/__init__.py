"""reply: a customer-service email from a review, checked and repaired by code before it is sent."""

from skills.reply.checks import (
    CLOSING,
    COMMITMENTS,
    SIGNATURE,
    Problem,
    ReplyPolicy,
    check_draft,
    repair_draft,
)
from skills.reply.request import Sentiment, read_request, recognises_request, settle_sentiment
from skills.reply.skill import ReplySkill

__all__ = [
    "CLOSING",
    "COMMITMENTS",
    "SIGNATURE",
    "Problem",
    "ReplyPolicy",
    "ReplySkill",
    "Sentiment",
    "check_draft",
    "read_request",
    "recognises_request",
    "repair_draft",
    "settle_sentiment",
]

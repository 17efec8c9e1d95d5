"""Block Kit for answers: the text in a section, 👍/👎 feedback buttons under it, and their presses.

The buttons are Slack's ``feedback_buttons`` in a ``context_actions`` block, the way Slack's own AI
apps show them; a press is the same vote as a reaction (``ReactionFeedback``), on the same message.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ContextActionsBlock,
    FeedbackButtonObject,
    FeedbackButtonsElement,
    MarkdownTextObject,
    SectionBlock,
)

from bots.slack.events import Payload, ReactionFeedback

FEEDBACK_ACTION = "chatwright_feedback"
"""The action_id of the feedback buttons (Bolt routes their presses by it)."""
_SCORES = {"good": 1, "bad": -1}


def answer_blocks(text: str) -> list[dict[str, Any]]:
    """``text`` (mrkdwn, at most 3,000 characters: one piece) with the feedback buttons under it."""
    return [SectionBlock(text=MarkdownTextObject(text=text)).to_dict(), feedback_block()]


def feedback_block() -> dict[str, Any]:
    """The ``context_actions`` block with the 👍/👎 ``feedback_buttons`` (also ending a stream)."""
    buttons = FeedbackButtonsElement(
        action_id=FEEDBACK_ACTION,
        positive_button=FeedbackButtonObject(text="👍", accessibility_label="Good answer", value="good"),
        negative_button=FeedbackButtonObject(text="👎", accessibility_label="Bad answer", value="bad"),
    )
    return ContextActionsBlock(elements=[buttons]).to_dict()


def feedback_from_button(body: Payload) -> ReactionFeedback | None:
    """The vote of a ``block_actions`` press of the feedback buttons, else None (a malformed one)."""
    actions = body.get("actions") or [{}]
    score = _SCORES.get(str(actions[0].get("value")))
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    user = (body.get("user") or {}).get("id")
    if score is None or not (_text(channel) and _text(ts) and _text(user)):
        return None
    team = str((body.get("team") or {}).get("id") or "")
    return ReactionFeedback(team, str(channel), str(ts), str(user), score)


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value)

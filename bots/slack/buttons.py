"""Block Kit for answers: the text in a section, a reply's choices and 👍/👎 under it, and presses.

The feedback buttons are Slack's ``feedback_buttons`` in a ``context_actions`` block, the way
Slack's own AI apps show them; a press is the same vote as a reaction (``ReactionFeedback``), on
the same message. A reply's choices (``Reply.choices``) are buttons in an ``actions`` block; a press
is sent as its user's message in the same conversation (``message_from_choice``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextActionsBlock,
    FeedbackButtonObject,
    FeedbackButtonsElement,
    MarkdownTextObject,
    SectionBlock,
)

from bots.slack.events import PLATFORM, Payload, ReactionFeedback
from conversation import Choice, Message

FEEDBACK_ACTION = "chatwright_feedback"
"""The action_id of the feedback buttons (Bolt routes their presses by it)."""
CHOICE_ACTION = re.compile(r"^chatwright_say_\d+$")
"""The action_ids of choice buttons (one per choice: action_ids are unique within a block)."""
_STYLES = {"primary": "primary", "danger": "danger"}
_EVENT = "slack-choice-"
_SCORES = {"good": 1, "bad": -1}


def answer_blocks(text: str, choices: Sequence[Choice] = ()) -> list[dict[str, Any]]:
    """``text`` (mrkdwn, at most 3,000 characters: one piece), the choices and the feedback buttons."""
    return [SectionBlock(text=MarkdownTextObject(text=text)).to_dict(), *end_blocks(choices)]


def end_blocks(choices: Sequence[Choice] = ()) -> list[dict[str, Any]]:
    """What goes under an answer's text: its choices' buttons, if any, then the feedback buttons."""
    if not choices:
        return [feedback_block()]
    buttons = [
        ButtonElement(
            text=choice.label[:75],
            action_id=f"chatwright_say_{number}",
            value=choice.text[:2000],
            style=_STYLES.get(choice.style),
        )
        for number, choice in enumerate(choices[:25])
    ]
    return [ActionsBlock(elements=buttons).to_dict(), feedback_block()]


def feedback_block() -> dict[str, Any]:
    """The ``context_actions`` block with the 👍/👎 ``feedback_buttons`` (also ending a stream)."""
    buttons = FeedbackButtonsElement(
        action_id=FEEDBACK_ACTION,
        positive_button=FeedbackButtonObject(text="👍", accessibility_label="Good answer", value="good"),
        negative_button=FeedbackButtonObject(text="👎", accessibility_label="Bad answer", value="bad"),
    )
    return ContextActionsBlock(elements=[buttons]).to_dict()


def message_from_choice(body: Payload) -> Message | None:
    """The Message a press of a choice button sends: its text, from its user, in that conversation.

    The conversation is the message's thread (or the channel), as for a typed message there; the
    event id is the press's ``action_ts``, unique per press. None for a malformed payload.
    """
    action = (body.get("actions") or [{}])[0]
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    user = (body.get("user") or {}).get("id")
    text, pressed = action.get("value"), action.get("action_ts")
    if not (_text(channel) and _text(user) and _text(text) and _text(pressed)):
        return None
    return Message(
        platform=PLATFORM,
        user=str(user),
        text=str(text),
        event_id=f"{_EVENT}{channel}-{pressed}",
        channel=str(channel),
        team=str((body.get("team") or {}).get("id") or ""),
        thread=str(container.get("thread_ts") or ""),
        timestamp=float(str(pressed)) if _is_number(str(pressed)) else time.time(),
    )


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


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True

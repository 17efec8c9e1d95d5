"""Slack payloads -> platform-neutral Messages: which events are for the bot, and what they say."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from conversation import Message

PLATFORM = "slack"

_ANSWERED_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})
"""Plain messages; edits, deletions, joins and bot posts have other subtypes and are ignored."""
_REFERENCE = re.compile(r"<([@#!])([^<>|]+)(?:\|([^<>]*))?>|<([^<>|]+)(?:\|([^<>]*))?>")
_THUMBS = {"+1": 1, "thumbsup": 1, "-1": -1, "thumbsdown": -1}

Payload = dict[str, Any]


class Addressed(Enum):
    """Whether a message event is for the bot."""

    YES = "yes"
    """A direct message."""
    IF_IN_CONVERSATION = "if_in_conversation"
    """A reply without a mention in a channel thread: for the bot only if the user talks to it there."""
    NO = "no"


@dataclass(frozen=True, slots=True)
class ReactionFeedback:
    """A thumbs up (+1) or down (-1) a user put on one of the bot's messages, or took back (0)."""

    team: str
    channel: str
    message_ts: str
    """The ts of the bot's message that was rated."""
    user: str
    score: int


def is_from_a_bot(event: Payload, bot_user_id: str | None) -> bool:
    """Bots (this one included) are never answered, so two bots cannot talk each other into a loop."""
    return (
        bool(event.get("bot_id")) or event.get("subtype") == "bot_message" or event.get("user") == bot_user_id
    )


def addressed(event: Payload, bot_user_id: str | None) -> Addressed:
    """Which ``message`` events to answer.

    Mentions are left to the ``app_mention`` event, which Slack sends as well (with another event
    id), so a mention is answered once.
    """
    if is_from_a_bot(event, bot_user_id) or event.get("subtype") not in _ANSWERED_SUBTYPES:
        return Addressed.NO
    if event.get("channel_type") == "im":
        return Addressed.YES
    mentioned = bot_user_id is not None and f"<@{bot_user_id}" in event.get("text", "")
    in_thread = event.get("thread_ts") not in (None, event.get("ts"))
    return Addressed.IF_IN_CONVERSATION if in_thread and not mentioned else Addressed.NO


_COMMAND_FIELDS = ("command", "user_id", "channel_id", "trigger_id")
_TEXT_EVENTS = frozenset({"message", "app_mention"})


def payload_problem(body: Payload) -> str:
    """What is wrong with a payload the listeners would read ("" when nothing is).

    Slash commands need their ids; message and mention events a channel and a numeric ``ts``.
    Payloads no listener reads pass (Bolt answers them itself).
    """
    if "command" in body:
        missing = [name for name in _COMMAND_FIELDS if not isinstance(body.get(name), str) or not body[name]]
        return f"a slash command without {', '.join(missing)}" if missing else ""
    if body.get("type") != "event_callback":
        return ""
    event = body.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return "an event callback without an event"
    if event["type"] not in _TEXT_EVENTS:
        return ""
    if not isinstance(event.get("channel"), str) or not event["channel"]:
        return f"a {event['type']} event without a channel"
    if not isinstance(event.get("ts"), str) or not _is_number(event["ts"]):
        return f"a {event['type']} event without a valid ts"
    if not all(isinstance(event.get(name, ""), str) for name in ("text", "user", "thread_ts")):
        return f"a {event['type']} event with a text, user or thread_ts that is not a string"
    return ""


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def message_from_event(body: Payload, bot_user_id: str | None, *, new_thread: bool = False) -> Message:
    """The Message of an event, with its envelope ``event_id`` and the thread the reply belongs in.

    With ``new_thread``, a top-level message starts a thread under itself.
    """
    event: Payload = body["event"]
    thread = event.get("thread_ts") or (event["ts"] if new_thread else "")
    return Message(
        platform=PLATFORM,
        user=event.get("user", ""),
        text=plain_text(event.get("text", ""), bot_user_id),
        event_id=body.get("event_id", ""),
        channel=event["channel"],
        team=body.get("team_id") or event.get("team", ""),
        thread=thread,
        timestamp=float(event["ts"]),
    )


def message_from_command(command: Payload) -> Message:
    """A slash command as the text ``/<name> <text>``; ``trigger_id`` is unique per invocation."""
    text = f"{command['command']} {plain_text(command.get('text', ''), None)}".strip()
    return Message(
        platform=PLATFORM,
        user=command["user_id"],
        text=text,
        event_id=f"slack-command-{command['trigger_id']}",
        channel=command["channel_id"],
        team=command.get("team_id", ""),
    )


def feedback_from_reaction(body: Payload, bot_user_id: str | None) -> ReactionFeedback | None:
    """A thumbs reaction added to (or removed from, score 0) a bot message; None for any other."""
    event: Payload = body["event"]
    item: Payload = event.get("item", {})
    score = _THUMBS.get(event.get("reaction", "").split("::")[0])
    if score is None or item.get("type") != "message" or event.get("item_user") != bot_user_id:
        return None
    return ReactionFeedback(
        team=body.get("team_id", ""),
        channel=item.get("channel", ""),
        message_ts=item.get("ts", ""),
        user=event.get("user", ""),
        score=0 if event.get("type") == "reaction_removed" else score,
    )


def plain_text(text: str, bot_user_id: str | None) -> str:
    """Slack's markup -> what the user typed.

    The bot's own mention is removed, other mentions become ``@U123``, channels ``#name``, links
    their URL (with the label when it differs), and ``&amp; &lt; &gt;`` are unescaped.
    """

    def spell(match: re.Match[str]) -> str:
        sigil, target, label, url, url_label = match.groups()
        if url is not None:
            if not url_label or url_label in (url, url.split(":", 1)[-1].lstrip("/")):
                return str(url_label or url)
            return f"{url_label} ({url})"
        if sigil == "@" and target == bot_user_id:
            return ""
        if sigil == "!":
            return str(label or "@" + target)
        return str(sigil + (label.lstrip("@#") if label else target))

    spelled = _REFERENCE.sub(spell, text)
    return spelled.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()

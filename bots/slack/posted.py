"""Finding replies already posted before a restart, by the key each post carries in its metadata.

Slack has no idempotency key for ``chat.postMessage``. Each reply piece is therefore posted with
message metadata naming its key (from bots.reply_keys); when a reply is delivered for a message
this process did not accept (a redelivery or replay after a restart), one ``conversations.history``
(or ``.replies`` in a thread) call since the message's time finds the pieces that already went out,
and only the others are posted. Needs the ``*:history`` scopes the app manifest asks for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.progress import PLACEHOLDER, STILL_WRITING
from conversation import Message

log = logging.getLogger(__name__)

EVENT_TYPE = "chatwright_reply"
LOOK_BACK = 200
"""Messages read after the user's message; a reply further down is posted again."""


@dataclass(frozen=True, slots=True)
class Posted:
    """What the bot posted where a message was said, since it was said."""

    keys: dict[str, str] = field(default_factory=dict)
    """Reply piece key -> ts of the posts that carry one."""
    orphans: list[tuple[str, str]] = field(default_factory=list)
    """(ts, text) of the bot's posts without a key, oldest first: a "…" placeholder or a native
    stream that a crash left before the answer took it over."""

    def adopt(self, *answer: str) -> str | None:
        """The ts of an orphan showing the start of ``answer`` (in any of its forms) or only "…".

        The orphan is taken out of the list (one post is adopted by one reply).
        """
        for number, (ts, text) in enumerate(self.orphans):
            shown = text.removesuffix(STILL_WRITING).strip()
            if shown in ("", PLACEHOLDER) or any(form.startswith(shown) for form in answer):
                del self.orphans[number]
                return ts
        return None


def reply_metadata(key: str) -> dict[str, Any]:
    """The message metadata that marks a post as the reply piece ``key``."""
    return {"event_type": EVENT_TYPE, "event_payload": {"key": key}}


async def posted_replies(
    client: AsyncWebClient, message: Message, auth: dict[str, Any] | None = None
) -> Posted:
    """The reply pieces (and orphaned progress posts) the bot posted since ``message`` where it was said."""
    oldest = f"{message.timestamp:.6f}"
    try:
        if message.thread:
            page = await client.conversations_replies(
                **(auth or {}),
                channel=message.channel,
                ts=message.thread,
                oldest=oldest,
                inclusive=True,
                include_all_metadata=True,
                limit=LOOK_BACK,
            )
        else:
            page = await client.conversations_history(
                **(auth or {}),
                channel=message.channel,
                oldest=oldest,
                inclusive=True,
                include_all_metadata=True,
                limit=LOOK_BACK,
            )
    except SlackApiError as error:
        log.warning("could not read %s for replies already posted (%s)", message.channel, error)
        return Posted()
    posted = Posted()
    for item in page.get("messages") or []:
        metadata = item.get("metadata") or {}
        if metadata.get("event_type") == EVENT_TYPE:
            posted.keys[str(metadata.get("event_payload", {}).get("key"))] = str(item["ts"])
        elif item.get("bot_id") and str(item.get("ts")) != message.thread:
            posted.orphans.append((str(item["ts"]), str(item.get("text") or "")))
    return posted

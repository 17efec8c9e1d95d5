"""Finding replies already posted before a restart, by the key each post carries in its metadata.

Slack has no idempotency key for ``chat.postMessage``. Each reply piece is therefore posted with
message metadata naming its key (from bots.reply_keys); when a reply is delivered for a message
this process did not accept (a redelivery or replay after a restart), one ``conversations.history``
(or ``.replies`` in a thread) call since the message's time finds the pieces that already went out,
and only the others are posted. Needs the ``*:history`` scopes the app manifest asks for.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from conversation import Message

log = logging.getLogger(__name__)

EVENT_TYPE = "chatwright_reply"
LOOK_BACK = 200
"""Messages read after the user's message; a reply further down is posted again."""


def reply_metadata(key: str) -> dict[str, Any]:
    """The message metadata that marks a post as the reply piece ``key``."""
    return {"event_type": EVENT_TYPE, "event_payload": {"key": key}}


async def posted_replies(client: AsyncWebClient, message: Message) -> dict[str, str]:
    """Key -> ts of the reply pieces posted since ``message`` where it was said."""
    oldest = f"{message.timestamp:.6f}"
    try:
        if message.thread:
            page = await client.conversations_replies(
                channel=message.channel,
                ts=message.thread,
                oldest=oldest,
                inclusive=True,
                include_all_metadata=True,
                limit=LOOK_BACK,
            )
        else:
            page = await client.conversations_history(
                channel=message.channel,
                oldest=oldest,
                inclusive=True,
                include_all_metadata=True,
                limit=LOOK_BACK,
            )
    except SlackApiError as error:
        log.warning("could not read %s for replies already posted (%s)", message.channel, error)
        return {}
    posted: dict[str, str] = {}
    for item in page.get("messages") or []:
        metadata = item.get("metadata") or {}
        if metadata.get("event_type") == EVENT_TYPE:
            posted[str(metadata.get("event_payload", {}).get("key"))] = str(item["ts"])
    return posted

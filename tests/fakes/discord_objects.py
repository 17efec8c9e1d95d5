"""The fixed Discord world the fakes serve: its ids, users, guild and channels as API objects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

Payload = dict[str, Any]

BOT_ID = 1_100_000_000_000_000_001
"""The bot user; also the application id, as for every real bot."""
USER_ID = 1_100_000_000_000_000_002
OTHER_BOT_ID = 1_100_000_000_000_000_003
GUILD_ID = 1_100_000_000_000_000_100
GENERAL_ID = 1_100_000_000_000_000_101
"""A guild text channel where the bot answers only when mentioned."""
BOTS_ID = 1_100_000_000_000_000_102
"""A guild text channel the tests configure as a bot channel."""
THREAD_ID = 1_100_000_000_000_000_103
"""A public thread in GENERAL_ID."""
DM_ID = 1_100_000_000_000_000_200
"""The DM channel between USER_ID and the bot."""


def user(user_id: int, name: str, *, bot: bool = False) -> Payload:
    """A user object."""
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": None,
        "avatar": None,
        "bot": bot,
    }


BOT = user(BOT_ID, "chatwright", bot=True)
HUMAN = user(USER_ID, "alice")
OTHER_BOT = user(OTHER_BOT_ID, "otherbot", bot=True)


def timestamp() -> str:
    """Now, as an ISO 8601 timestamp like Discord's."""
    return datetime.now(UTC).isoformat()


def text_channel(channel_id: int, name: str, **extra: Any) -> Payload:
    """A guild text channel object in GUILD_ID (``extra`` overrides or adds fields)."""
    return {
        "id": str(channel_id),
        "type": 0,
        "name": name,
        "guild_id": str(GUILD_ID),
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        **extra,
    }


def thread_channel(thread_id: int, parent_id: int, name: str) -> Payload:
    """A public thread object in ``parent_id``, started by USER_ID."""
    metadata = {
        "archived": False,
        "auto_archive_duration": 1440,
        "archive_timestamp": timestamp(),
        "locked": False,
    }
    return text_channel(
        thread_id,
        name,
        type=11,
        parent_id=str(parent_id),
        owner_id=str(USER_ID),
        message_count=1,
        member_count=1,
        thread_metadata=metadata,
    )


def guild() -> Payload:
    """The GUILD_CREATE object of GUILD_ID: its channels GENERAL_ID and BOTS_ID, and THREAD_ID."""
    everyone = {"id": str(GUILD_ID), "name": "@everyone", "permissions": "0", "position": 0, "color": 0}
    return {
        "id": str(GUILD_ID),
        "name": "test guild",
        "owner_id": str(USER_ID),
        "unavailable": False,
        "member_count": 2,
        "large": False,
        "features": [],
        "emojis": [],
        "stickers": [],
        "roles": [{**everyone, "hoist": False, "managed": False, "mentionable": False}],
        "members": [],
        "channels": [text_channel(GENERAL_ID, "general"), text_channel(BOTS_ID, "bots")],
        "threads": [thread_channel(THREAD_ID, GENERAL_ID, "a thread")],
    }

"""Discord events -> chatwright Messages: which messages the bot answers, and in which scope."""

from __future__ import annotations

import re
from dataclasses import dataclass

import discord

from conversation import Message

PLATFORM = "discord"
_MESSAGE_EVENT = "discord-msg-"
_COMMAND_EVENT = "discord-cmd-"
_BUTTON_EVENT = "discord-btn-"
_ANSWERED_TYPES = (discord.MessageType.default, discord.MessageType.reply)
_FEEDBACK = {"👍": 1, "👎": -1}


@dataclass(frozen=True, slots=True)
class Place:
    """Where on Discord something was said, as a scope sees it.

    A thread counts under its parent channel; a DM channel is a channel of its own, with no team.
    """

    team: str
    channel: str
    thread: str = ""


@dataclass(frozen=True, slots=True)
class ReactionFeedback:
    """A thumbs-up (+1) or thumbs-down (-1) a user put on one of the bot's messages, or took back (0)."""

    user: str
    channel: str
    message_id: str
    score: int


def place_of(channel: object, channel_id: int, guild_id: int | None) -> Place:
    """The scope parts for a message or command in ``channel``."""
    team = "" if guild_id is None else str(guild_id)
    if isinstance(channel, discord.Thread):
        return Place(team, str(channel.parent_id), str(channel.id))
    return Place(team, str(channel_id))


def message_from_discord(
    message: discord.Message, bot: discord.ClientUser, bot_channels: frozenset[str]
) -> Message | None:
    """The Message for a Discord message the bot should answer, else None.

    Answered: DMs, and in guilds messages that mention the bot or are posted in a bot channel (or a
    thread of one). Never: bots (the bot itself included) and system messages. The event id is the
    message id, so a gateway replay of the same message is recognised by the engine's inbox.
    """
    author = message.author
    if author.bot or author.system or message.type not in _ANSWERED_TYPES:
        return None
    channel = message.channel
    if isinstance(channel, discord.DMChannel):
        place = Place("", str(channel.id))
    else:
        guild_id = message.guild.id if message.guild is not None else getattr(channel, "guild_id", None)
        place = place_of(channel, channel.id, guild_id)
        mentioned = any(user.id == bot.id for user in message.mentions)
        if not mentioned and not {place.channel, place.thread} & bot_channels:
            return None
    return Message(
        platform=PLATFORM,
        user=str(author.id),
        text=strip_mention(message.content, bot.id),
        event_id=f"{_MESSAGE_EVENT}{message.id}",
        channel=place.channel,
        team=place.team,
        thread=place.thread,
        timestamp=message.created_at.timestamp(),
    )


def command_message(interaction: discord.Interaction[discord.Client], name: str, text: str) -> Message:
    """The Message for slash command ``/name text``; the event id is the interaction id."""
    place = place_of(interaction.channel, interaction.channel_id or 0, interaction.guild_id)
    return Message(
        platform=PLATFORM,
        user=str(interaction.user.id),
        text=f"/{name} {text}",
        event_id=f"{_COMMAND_EVENT}{interaction.id}",
        channel=place.channel,
        team=place.team,
        thread=place.thread,
        timestamp=interaction.created_at.timestamp(),
    )


def button_message(interaction: discord.Interaction[discord.Client], text: str) -> Message:
    """The Message a press of a choice button sends: ``text`` from its user, where it was pressed.

    The event id is the interaction id, so a press delivered twice is answered once.
    """
    place = place_of(interaction.channel, interaction.channel_id or 0, interaction.guild_id)
    return Message(
        platform=PLATFORM,
        user=str(interaction.user.id),
        text=text,
        event_id=f"{_BUTTON_EVENT}{interaction.id}",
        channel=place.channel,
        team=place.team,
        thread=place.thread,
        timestamp=interaction.created_at.timestamp(),
    )


def feedback_from_reaction(reaction: discord.RawReactionActionEvent, bot_id: int) -> ReactionFeedback | None:
    """A 👍/👎 (any skin tone) a user added to (or removed from, score 0) a bot message, else None.

    A removal does not name the message's author; the engine finds no reply for other messages.
    """
    score = _FEEDBACK.get((reaction.emoji.name or "")[:1])
    added = reaction.event_type == "REACTION_ADD"
    if score is None or reaction.user_id == bot_id or (added and reaction.message_author_id != bot_id):
        return None
    return ReactionFeedback(
        str(reaction.user_id), str(reaction.channel_id), str(reaction.message_id), score if added else 0
    )


def strip_mention(text: str, bot_id: int) -> str:
    """``text`` without the bot's @mentions (and the space after each)."""
    return re.sub(rf"<@!?{bot_id}>[ \t]?", "", text).strip()


def answered_privately(message: Message, private: frozenset[str]) -> bool:
    """True for a slash command (named in ``private``) whose answer only its user may see.

    Read from the message itself, so it holds for an answer delivered after a restart too.
    """
    name = message.text.removeprefix("/").split(" ", 1)[0]
    return message.event_id.startswith(_COMMAND_EVENT) and name in private


def source_message_id(event_id: str) -> int | None:
    """The id of the Discord message behind ``event_id`` (None for slash commands)."""
    suffix = event_id.removeprefix(_MESSAGE_EVENT)
    return int(suffix) if suffix != event_id and suffix.isdigit() else None

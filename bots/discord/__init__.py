"""The Discord adapter (discord.py): messages, threads, DMs and slash commands; paged, streamed replies."""

from bots.discord.adapter import DiscordAdapter, chatwright_intents
from bots.discord.events import PLATFORM, ReactionFeedback
from bots.discord.paging import paginate, rejoin_pages
from bots.discord.sink import DiscordSink

__all__ = [
    "PLATFORM",
    "DiscordAdapter",
    "DiscordSink",
    "ReactionFeedback",
    "chatwright_intents",
    "paginate",
    "rejoin_pages",
]

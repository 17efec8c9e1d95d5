"""The bot's application (slash) commands: each takes one ``text`` option, sent as "/<name> <text>"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands

from conversation.commands import SlashCommand as Command

PRIVATE_COMMANDS = frozenset({"admin", "optout", "optin"})
"""Commands answered ephemerally (only the user who ran them sees the answer)."""

CommandReceiver = Callable[[discord.Interaction[discord.Client], str, str], Awaitable[None]]
"""Called with the interaction, the command name and its text."""
SlashCommand = app_commands.Command[Any, ..., None]


def discord_commands(commands: Sequence[Command], receive: CommandReceiver) -> list[SlashCommand]:
    """One Discord command per command of the bot, each handing its interaction to ``receive``."""
    return [_slash_command(command, receive) for command in commands]


def _slash_command(command: Command, receive: CommandReceiver) -> SlashCommand:
    name = command.name

    @app_commands.describe(text=command.usage or "What to send")
    async def run(interaction: discord.Interaction[discord.Client], text: str = "") -> None:
        await receive(interaction, name, text)

    return app_commands.Command(name=name, description=command.summary, callback=run)


def is_private(interaction: discord.Interaction[discord.Client]) -> bool:
    """True for a command whose answer only its user may see (it is deferred ephemerally)."""
    data = interaction.data
    return data is not None and data.get("name") in PRIVATE_COMMANDS

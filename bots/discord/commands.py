"""The application (slash) commands: each takes one ``text`` option and is sent as "/<name> <text>"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

COMMANDS = {
    "order": "Order from the menu",
    "translate": "Translate text",
    "proofread": "Correct spelling and grammar",
    "ask": "Ask about the documentation",
    "reply": "Draft a customer-service reply to a review",
    "help": "List what the bot can do and its commands",
    "admin": "Administration (admins only)",
    "optout": "Keep my conversations out of model training",
    "optin": "Allow my conversations in model training again",
}
"""Name -> description, as users see them in Discord."""
PRIVATE_COMMANDS = frozenset({"admin", "optout", "optin"})
"""Commands answered ephemerally (only the user who ran them sees the answer)."""

CommandReceiver = Callable[[discord.Interaction[discord.Client], str, str], Awaitable[None]]
"""Called with the interaction, the command name and its text."""
SlashCommand = app_commands.Command[Any, ..., None]


def slash_commands(receive: CommandReceiver) -> list[SlashCommand]:
    """One command per entry of COMMANDS, each handing its interaction to ``receive``."""
    return [_slash_command(name, description, receive) for name, description in COMMANDS.items()]


def _slash_command(name: str, description: str, receive: CommandReceiver) -> SlashCommand:
    @app_commands.describe(text="What to send")
    async def run(interaction: discord.Interaction[discord.Client], text: str = "") -> None:
        await receive(interaction, name, text)

    return app_commands.Command(name=name, description=description, callback=run)


def is_private(interaction: discord.Interaction[discord.Client]) -> bool:
    """True for a command whose answer only its user may see (it is deferred ephemerally)."""
    data = interaction.data
    return data is not None and data.get("name") in PRIVATE_COMMANDS

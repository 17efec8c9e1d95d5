"""The command tree: an unknown or failing command still gets an answer, never "did not respond"."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord
from discord import app_commands

from conversation.commands import SlashCommand

log = logging.getLogger(__name__)

FAILED = "Sorry, that command failed. Please try again."
MESSAGE_CHARS = 2000


def command_list(commands: Sequence[SlashCommand]) -> str:
    """``commands`` as one line each: ``/name usage — summary``."""
    lines = [" ".join(filter(None, (f"/{c.name}", c.usage))) + f" — {c.summary}" for c in commands]
    return "\n".join(lines)


class ChatwrightTree(app_commands.CommandTree[discord.Client]):
    """A CommandTree that answers what discord.py would only log.

    A command Discord still shows but this bot no longer has (a stale sync, another version of the
    bot) gets the command list, ephemerally; an error in a command gets one sentence. Both
    acknowledge the interaction, within Discord's 3 s.
    """

    def __init__(self, client: discord.Client, commands: Sequence[SlashCommand]) -> None:
        super().__init__(client)
        self._commands = list(commands)

    async def on_error(
        self, interaction: discord.Interaction[discord.Client], error: app_commands.AppCommandError, /
    ) -> None:
        """Answer the user ephemerally; log a known command's failure with its traceback."""
        if isinstance(error, app_commands.CommandNotFound):
            log.info("unknown Discord command /%s: answered with the command list", error.name)
            text = f"I don't know /{error.name}. These are my commands:\n{command_list(self._commands)}"
        else:
            log.error("Discord command failed: %s", error, exc_info=error)
            text = FAILED
        text = text[:MESSAGE_CHARS]
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException as failure:
            log.warning("could not answer a Discord command's error (%s)", failure)

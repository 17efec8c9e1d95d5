"""The bot's application (slash) commands: each takes one ``text`` option, sent as "/<name> <text>"."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands
from pydantic import BaseModel

from conversation.commands import SlashCommand as Command

CommandReceiver = Callable[[discord.Interaction[discord.Client], str, str], Awaitable[None]]
"""Called with the interaction, the command name and its text."""
SlashCommand = app_commands.Command[Any, ..., None]


def discord_commands(commands: Sequence[Command], receive: CommandReceiver) -> list[SlashCommand]:
    """One Discord command per command of the bot, each handing its interaction to ``receive``."""
    return [_slash_command(command, receive) for command in commands]


def _slash_command(command: Command, receive: CommandReceiver) -> SlashCommand:
    name = command.name
    if command.arguments is not None:
        return _typed_command(command, command.arguments, receive)

    @app_commands.describe(text=command.usage or "What to send")
    async def run(interaction: discord.Interaction[discord.Client], text: str = "") -> None:
        await receive(interaction, name, text)

    return app_commands.Command(name=name, description=command.summary, callback=run)


def _typed_command(command: Command, arguments: type[BaseModel], receive: CommandReceiver) -> SlashCommand:
    """One typed option per field of ``arguments``; the values are sent as "/<name> <v1> <v2>"."""

    async def run(interaction: discord.Interaction[discord.Client], **values: object) -> None:
        text = " ".join(str(value) for value in values.values() if value is not None)
        await receive(interaction, command.name, text)

    interaction = inspect.Parameter(
        "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
    )
    options = [
        inspect.Parameter(
            field_name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=_option_type(field.annotation),
            default=inspect.Parameter.empty if field.is_required() else field.default,
        )
        for field_name, field in arguments.model_fields.items()
    ]
    run.__signature__ = inspect.Signature([interaction, *options])  # type: ignore[attr-defined]
    described = {n: (f.description or n.replace("_", " "))[:100] for n, f in arguments.model_fields.items()}
    return app_commands.Command(
        name=command.name, description=command.summary, callback=app_commands.describe(**described)(run)
    )


_OPTION_TYPES = (str, int, float, bool)
"""Field types Discord offers as typed options; any other is a string option."""


def _option_type(annotation: object) -> object:
    """The option type of a field annotated ``annotation`` (``int | None``: int)."""
    present = [part for part in typing.get_args(annotation) if part is not type(None)]
    base = present[0] if len(present) == 1 else annotation
    return base if base in _OPTION_TYPES else str


def private_commands(commands: Sequence[Command]) -> frozenset[str]:
    """The names of the commands answered ephemerally, as the registry marks them (``private``)."""
    return frozenset(command.name for command in commands if command.private)


def is_private(interaction: discord.Interaction[discord.Client], private: frozenset[str]) -> bool:
    """True for a command (named in ``private``) whose answer only its user may see."""
    data = interaction.data
    return data is not None and data.get("name") in private

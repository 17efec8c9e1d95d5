"""The slash commands a bot answers to, made from its router's skills (Slack, the manifest, Discord)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from conversation.router import Router
from skills.base import Skill

SUMMARY_CHARS = 100
"""Slack and Discord both cut a command's description at 100 characters."""


@dataclass(frozen=True, slots=True)
class SlashCommand:
    """One command as the platforms list it."""

    name: str
    summary: str
    """A short description (the skill's ``summary``, else the start of its ``description``)."""
    usage: str = ""
    """What to type after it (the skill's ``usage``), e.g. ``<order id>``."""
    private: bool = False
    """Administration and privacy commands: their answers are for the asking user only."""
    arguments: type[BaseModel] | None = None
    """The command's typed arguments (the skill's ``arguments``), where the platform types options."""


def slash_commands(router: Router) -> list[SlashCommand]:
    """Every command of the router but the fallback's: the tasks, /help, then the command-only ones."""
    tasks = [s for n, s in router.skills.items() if n not in router.commands_only and n != router.fallback]
    tasks.sort(key=lambda skill: skill is router.help)
    commands = [_command(skill, private=False) for skill in tasks]
    return commands + [_command(router.skills[n], private=True) for n in sorted(router.commands_only)]


def _command(skill: Skill, *, private: bool) -> SlashCommand:
    summary = getattr(skill, "summary", "") or skill.description.split(". ")[0].rstrip(".")
    usage, arguments = getattr(skill, "usage", ""), getattr(skill, "arguments", None)
    return SlashCommand(skill.name, summary[:SUMMARY_CHARS], usage, private, arguments)

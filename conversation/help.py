"""The answers to two global intents: help (made from the registered skills) and cancel with nothing open."""

from __future__ import annotations

from collections.abc import Mapping

from conversation.types import Reply
from skills.base import Skill, SkillRequest, SkillResponse


class HelpSkill:
    """Lists every registered skill by its command and its own description (``/help``, "what can you do?")."""

    summary = "List what the bot can do and its commands"

    name = "help"
    description = "Lists what the bot can do and its commands."

    def __init__(self, skills: Mapping[str, Skill], fallback: str, commands_only: frozenset[str]) -> None:
        """``skills`` is the router's live registry: skills added later are listed too."""
        self.skills = skills
        self.fallback = fallback
        self.commands_only = commands_only

    def text(self) -> str:
        """The help text, one line per command."""
        listed = {self.fallback, self.name, *self.commands_only}
        tasks = [s for n, s in self.skills.items() if n not in listed]
        lines = ["Here is what I can do. Use a command, or just write to me and I'll pick the right skill:"]
        lines += [f"- /{skill.name}: {skill.description}" for skill in tasks]
        lines.append(f"- /{self.name}: {self.description}")
        others = [self.skills[n] for n in sorted(self.commands_only) if n in self.skills]
        if others:
            lines.append(
                "Account and administration: "
                + "; ".join(f"/{s.name}: {s.description.rstrip('.')}" for s in others)
                + "."
            )
        fallback = self.skills.get(self.fallback)
        if fallback is not None:
            lines.append(f"Anything else goes to /{fallback.name}: {fallback.description}")
        lines.append('Say "cancel" to drop something you started (an open order).')
        return "\n".join(lines)

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """The help text; the request's own text does not matter."""
        return SkillResponse([Reply(self.text(), skill=self.name)])


class NothingToCancel:
    """Answers "cancel" when no dialogue is open: says so, and cancels nothing."""

    name = "cancel"
    description = "Drops the open dialogue (an order), if there is one."

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """One sentence: there is nothing open."""
        text = "There's nothing open to cancel right now. Say /help to see what I can do."
        return SkillResponse([Reply(text, skill=self.name)])

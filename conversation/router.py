"""Routing: an explicit command wins, then an open dialogue, then the intent classifier, then chat."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from skills.base import Skill

Tier = Literal["command", "dialogue", "classifier", "fallback"]
_COMMAND = re.compile(r"^/(?P<name>[a-z][a-z0-9_-]*)(?:\s+(?P<rest>.*))?$", re.DOTALL | re.IGNORECASE)


class IntentClassifier(Protocol):
    """Guesses which skill a free-text message is for; None when it cannot tell."""

    async def classify(self, text: str) -> str | None:
        """The name of a skill, or None."""
        ...


@dataclass(frozen=True, slots=True)
class Route:
    """Where a message goes, the text the skill gets, and why."""

    skill: Skill
    text: str
    tier: Tier

    @property
    def intent(self) -> str:
        """The skill name, as recorded in the transcript."""
        return self.skill.name


class UnknownCommand(Exception):
    """A ``/name`` that no skill answers to."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"Unknown command /{name}. Commands: " + ", ".join(f"/{k}" for k in known))


class Router:
    """Picks a skill for each message in the three tiers of DESIGN.md."""

    def __init__(
        self,
        skills: Mapping[str, Skill],
        fallback: str = "chat",
        classifier: IntentClassifier | None = None,
    ) -> None:
        if fallback not in skills:
            raise ValueError(f"fallback skill {fallback!r} is not among the skills")
        self.skills = dict(skills)
        self.fallback = fallback
        self.classifier = classifier

    async def route(self, text: str, active_skill: str | None) -> Route:
        """Route ``text``; ``active_skill`` is the skill holding an open dialogue, if any."""
        command = _COMMAND.match(text.strip())
        if command is not None:
            name = command.group("name").lower()
            if name not in self.skills:
                raise UnknownCommand(name, sorted(self.skills))
            return Route(self.skills[name], (command.group("rest") or "").strip(), "command")
        if active_skill in self.skills:
            return Route(self.skills[active_skill], text, "dialogue")
        if self.classifier is not None:
            guess = await self.classifier.classify(text)
            if guess in self.skills:
                return Route(self.skills[guess], text, "classifier")
        return Route(self.skills[self.fallback], text, "fallback")

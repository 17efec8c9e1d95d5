"""Routing: an explicit command wins, then an open dialogue, then the intent classifier, then chat."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from conversation.types import Message
from skills.base import BackgroundWork, Skill

Tier = Literal["paused", "command", "dialogue", "channel", "classifier", "fallback"]
_COMMAND = re.compile(r"^/(?P<name>[a-z][a-z0-9_-]*)(?:\s+(?P<rest>.*))?$", re.DOTALL | re.IGNORECASE)


class IntentClassifier(Protocol):
    """Guesses which skill a free-text message is for; None when it cannot tell."""

    async def classify(self, text: str) -> str | None:
        """The name of a skill, or None."""
        ...


class RoutingPolicy(Protocol):
    """Run-time switches admins flip: a pause (maintenance) and per-channel modes."""

    async def pause(self, message: Message, command: str | None) -> Skill | None:
        """The skill answering instead of the usual route (a maintenance notice), or None."""
        ...

    async def channel_skill(self, message: Message) -> str | None:
        """The skill a channel's mode sends free text to (translator mode), or None."""
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
    """Picks a skill for each message in the tiers of DESIGN.md.

    A pause (maintenance) comes first, then an explicit command, an open dialogue, the channel's
    mode, the intent classifier, and the fallback. Skills in ``commands_only`` (admin, privacy)
    are reached by their command alone, never by a guess.
    """

    def __init__(
        self,
        skills: Mapping[str, Skill],
        fallback: str = "chat",
        classifier: IntentClassifier | None = None,
        policy: RoutingPolicy | None = None,
        commands_only: frozenset[str] = frozenset(),
    ) -> None:
        if fallback not in skills or fallback in commands_only:
            raise ValueError(f"fallback skill {fallback!r} is not among the skills")
        self.skills = dict(skills)
        self.fallback = fallback
        self.classifier = classifier
        self.policy = policy
        self.commands_only = commands_only

    async def start(self) -> None:
        """Start the skills' background work (see ``skills.base.BackgroundWork``)."""
        for skill in self._background():
            await skill.start()

    async def aclose(self) -> None:
        """Stop the skills' background work."""
        for skill in self._background():
            await skill.aclose()

    def _background(self) -> list[BackgroundWork]:
        return [skill for skill in self.skills.values() if isinstance(skill, BackgroundWork)]

    async def route(self, message: Message, active_skill: str | None) -> Route:
        """Route ``message``; ``active_skill`` is the skill holding an open dialogue, if any."""
        text = message.text
        command = _COMMAND.match(text.strip())
        name = None if command is None else command.group("name").lower()
        if self.policy is not None and (paused := await self.policy.pause(message, name)) is not None:
            return Route(paused, text, "paused")
        if command is not None and name is not None:
            if name not in self.skills:
                raise UnknownCommand(name, sorted(self.skills))
            return Route(self.skills[name], (command.group("rest") or "").strip(), "command")
        if (held := self._free(active_skill)) is not None:
            return Route(held, text, "dialogue")
        mode_skill = None if self.policy is None else await self.policy.channel_skill(message)
        if (by_mode := self._free(mode_skill)) is not None:
            return Route(by_mode, text, "channel")
        guess = None if self.classifier is None else await self.classifier.classify(text)
        if (guessed := self._free(guess)) is not None:
            return Route(guessed, text, "classifier")
        return Route(self.skills[self.fallback], text, "fallback")

    def _free(self, name: str | None) -> Skill | None:
        """The skill ``name`` when free text may go to it (it exists and is not command-only)."""
        return None if name is None or name in self.commands_only else self.skills.get(name)

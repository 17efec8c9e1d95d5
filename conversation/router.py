"""Routing: commands, global intents, an open dialogue, recognised wording, a guess, chat.

The tiers in order: a command wins, then global intents, an open dialogue that claims the turn,
the channel's mode, request wording recognised by code, the intent classifier, and chat.

Conversation repair (DESIGN.md): a turn that another skill recognises as its request ("oh, how do
you say 'good night' in Spanish?") goes to that skill even while a dialogue is open; otherwise the
open dialogue is offered the turn and may let it go by. A turn it lets go is routed as if nothing
were open and the dialogue stays parked (``Route.parked``) for the engine to keep and remind of.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from conversation.errors import ConfigError
from conversation.global_intents import global_intent
from conversation.help import HelpSkill, NothingToCancel
from conversation.types import Message
from skills.base import BackgroundWork, HoldsDialogue, RecognisesRequests, Skill

Tier = Literal["paused", "command", "global", "dialogue", "recognised", "channel", "classifier", "fallback"]
_COMMAND = re.compile(r"^/(?P<name>[a-z][a-z0-9_-]*)(?:\s+(?P<rest>.*))?$", re.DOTALL | re.IGNORECASE)


class IntentClassifier(Protocol):
    """Guesses which skill a free-text message is for; None when it cannot tell."""

    async def classify(self, text: str) -> str | None:
        """The name of a skill, or None."""
        ...

    async def rank(self, text: str, names: list[str]) -> list[str]:
        """``names`` ordered from the most to the least likely skill for ``text``."""
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
    parked: Skill | None = None
    """The skill whose open dialogue this turn passed by (it keeps its state), if any."""

    @property
    def intent(self) -> str:
        """The skill name, as recorded in the transcript."""
        return self.skill.name


class UnknownCommand(Exception):
    """A ``/name`` that no skill answers to."""

    def __init__(self, name: str, known: list[str]) -> None:
        commands = ", ".join(f"/{k}" for k in known)
        super().__init__(f"Unknown command /{name}. Commands: {commands}. /help says what each does.")


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
        *,
        services: Sequence[BackgroundWork] = (),
    ) -> None:
        """``services``: what the skills share (an HTTP client), started and stopped with them."""
        if fallback not in skills or fallback in commands_only:
            raise ValueError(f"fallback skill {fallback!r} is not among the skills")
        if misnamed := [f"{key!r} ({skill.name!r})" for key, skill in skills.items() if key != skill.name]:
            raise ConfigError(f"skills: registered under a name other than their own: {', '.join(misnamed)}")
        self.skills = dict(skills)
        self.fallback = fallback
        self.classifier = classifier
        self.policy = policy
        self.commands_only = commands_only
        self.services = list(services)
        self.help = HelpSkill(self.skills, fallback, commands_only)
        self.nothing_to_cancel = NothingToCancel()
        self.skills.setdefault(self.help.name, self.help)

    async def start(self) -> None:
        """Start the skills' background work (see ``skills.base.BackgroundWork``)."""
        for skill in self._background():
            await skill.start()

    async def aclose(self) -> None:
        """Stop the skills' background work."""
        for skill in self._background():
            await skill.aclose()

    def _background(self) -> list[BackgroundWork]:
        skills = [skill for skill in self.skills.values() if isinstance(skill, BackgroundWork)]
        return [*self.services, *skills]

    async def route(
        self, message: Message, active_skill: str | None, state: Mapping[str, Any] | None = None
    ) -> Route:
        """Route ``message``; ``active_skill`` holds an open dialogue (with ``state``), if any."""
        text = message.text
        command = _COMMAND.match(text.strip())
        name = None if command is None else command.group("name").lower()
        if self.policy is not None and (paused := await self.policy.pause(message, name)) is not None:
            return Route(paused, text, "paused")
        held = self._free(active_skill)
        if command is not None and name is not None:
            rest = (command.group("rest") or "").strip()
            if name == self.nothing_to_cancel.name:
                return self._cancel(held)
            if name not in self.skills:
                raise UnknownCommand(name, sorted(self.skills))
            return _passing(Route(self.skills[name], rest, "command"), held)
        intent = global_intent(text)
        if intent == "help":
            return _passing(Route(self.help, text, "global"), held)
        if intent == "cancel":
            return self._cancel(held)
        if held is not None and intent is None and (elsewhere := await self._recognised(text, held)):
            return _passing(Route(elsewhere, text, "recognised"), held)
        if held is not None and await self._claimed(held, text, state or {}):
            return Route(held, text, "dialogue")
        if intent is not None:  # a bare greeting or thanks never starts a dialogue
            return _passing(Route(self.skills[self.fallback], text, "global"), held)
        return _passing(await self._route_free_text(message), held)

    async def _route_free_text(self, message: Message) -> Route:
        """Free text with no dialogue taking it: the channel's mode, recognised wording, a guess, chat.

        An admin's channel mode (translator mode) takes every message, whatever its wording.
        """
        text = message.text
        mode_skill = None if self.policy is None else await self.policy.channel_skill(message)
        if (by_mode := self._free(mode_skill)) is not None:
            return Route(by_mode, text, "channel")
        if (recognised := await self._recognised(text)) is not None:
            return Route(recognised, text, "recognised")
        guess = None if self.classifier is None else await self.classifier.classify(text)
        if (guessed := self._free(guess)) is not None:
            return Route(guessed, text, "classifier")
        return Route(self.skills[self.fallback], text, "fallback")

    async def _recognised(self, text: str, held: Skill | None = None) -> Skill | None:
        """The skill (other than ``held``) whose request wording ``text`` has; the classifier ranks ties."""
        recognised = [
            s
            for s in self._guessable()
            if s is not held and isinstance(s, RecognisesRequests) and s.recognises(text)
        ]
        if len(recognised) > 1 and self.classifier is not None:
            ranked = await self.classifier.rank(text, [s.name for s in recognised])
            recognised.sort(key=lambda skill: ranked.index(skill.name))
        return recognised[0] if recognised else None

    async def _claimed(self, held: Skill, text: str, state: Mapping[str, Any]) -> bool:
        """Whether the open dialogue of ``held`` takes this turn: its verdict, else the classifier's guess."""
        if not isinstance(held, HoldsDialogue):
            return True
        verdict = held.claims(text, state)
        if verdict is not None:
            return verdict
        guess = None if self.classifier is None else await self.classifier.classify(text)
        return guess in (None, held.name)

    def _cancel(self, held: Skill | None) -> Route:
        """A cancel reaches the open dialogue as the text "cancel"; with none open, an answer saying so."""
        return Route(held or self.nothing_to_cancel, "cancel", "dialogue" if held else "global")

    def _guessable(self) -> list[Skill]:
        """The skills free text may reach by a guess (not command-only, not help)."""
        return [s for n, s in self.skills.items() if n not in self.commands_only and s is not self.help]

    def _free(self, name: str | None) -> Skill | None:
        """The skill ``name`` when free text may go to it (it exists and is not command-only)."""
        return None if name is None or name in self.commands_only else self.skills.get(name)


def _passing(route: Route, held: Skill | None) -> Route:
    """``route`` marked as passing by the open dialogue of ``held`` (unless it goes to ``held``)."""
    if held is None or route.skill is held:
        return route
    return Route(route.skill, route.text, route.tier, parked=held)

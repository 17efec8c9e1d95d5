"""One-function skills: ``@skill`` turns an async function into a skill (its factory, for entry points)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel

from conversation.types import Reply
from skills.arguments import parse_arguments, usage_of
from skills.base import SkillRequest, SkillResponse
from skills.context import SkillContext

Answer = str | Reply | SkillResponse
Handler = Callable[..., Awaitable[Answer]]
"""``async def f(request, ...)`` answering with text, a Reply or a SkillResponse; a parameter named
``context`` gets the SkillContext, one named ``args`` the command's arguments (``arguments=``)."""


@dataclass(frozen=True, slots=True)
class SkillDefinition:
    """What ``@skill`` makes: the skill's declaration; called with a context, the skill itself."""

    function: Handler
    name: str
    description: str
    summary: str = ""
    usage: str = ""
    examples: Sequence[str] = ()
    patterns: Sequence[re.Pattern[str]] = field(default_factory=tuple)
    config: type[BaseModel] | None = None
    arguments: type[BaseModel] | None = None

    def __call__(self, context: SkillContext) -> FunctionSkill:
        """The skill, bound to ``context`` (the registry calls this once, at start-up).

        Its config section is checked here, so a bad one stops the bot at start-up.
        """
        if self.config is not None:
            context.config(self.config)
        return FunctionSkill(self, context)


class FunctionSkill:
    """A skill answering with one function; it recognises free text matching its ``patterns``."""

    def __init__(self, definition: SkillDefinition, context: SkillContext) -> None:
        self.definition = definition
        self.context = context
        self.name = definition.name
        self.description = definition.description
        self.summary = definition.summary
        self.arguments = definition.arguments
        self.usage = definition.usage or (usage_of(self.arguments) if self.arguments else "")
        self.examples = definition.examples
        self._parameters = set(inspect.signature(definition.function).parameters)

    def recognises(self, text: str) -> bool:
        """True when one of the skill's patterns is found in ``text``."""
        return any(pattern.search(text) for pattern in self.definition.patterns)

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """Call the function; its text or Reply becomes the skill's one reply."""
        extra: dict[str, object] = {}
        if "context" in self._parameters:
            extra["context"] = self.context
        if "args" in self._parameters and self.arguments is not None:
            extra["args"] = parse_arguments(self.arguments, request.text, self.name)
        answer = await self.definition.function(request, **extra)
        if isinstance(answer, SkillResponse):
            return answer
        return SkillResponse([answer if isinstance(answer, Reply) else Reply(answer, skill=self.name)])


def skill(
    description: str,
    *,
    name: str | None = None,
    summary: str = "",
    usage: str = "",
    examples: Sequence[str] = (),
    patterns: Sequence[str] = (),
    config: type[BaseModel] | None = None,
    arguments: type[BaseModel] | None = None,
) -> Callable[[Handler], SkillDefinition]:
    """Declare an async function as a skill; its name is the function's unless given.

    ``patterns`` are regular expressions (case-insensitive) for free text plainly meant for the
    skill; ``examples`` join the intent classifier's shipped ones; ``config`` is the model of the
    skill's section, read in the function with ``context.config(Model)``; ``arguments`` is the model
    of the command's typed arguments, handed to the function as ``args`` (Discord offers them as
    typed options).
    """

    def declare(function: Handler) -> SkillDefinition:
        compiled = tuple(re.compile(pattern, re.IGNORECASE) for pattern in patterns)
        return SkillDefinition(
            function,
            name or function.__name__,
            description,
            summary,
            usage,
            tuple(examples),
            compiled,
            config,
            arguments,
        )

    return declare

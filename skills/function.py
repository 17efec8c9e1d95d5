"""One-function skills: ``@skill`` turns an async function into a skill (its factory, for entry points)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel

from conversation.types import Reply
from skills.base import SkillRequest, SkillResponse
from skills.context import SkillContext

Answer = str | Reply | SkillResponse
Handler = Callable[..., Awaitable[Answer]]
"""``async def f(request)`` or ``async def f(request, context)``, answering with text, a Reply or a
SkillResponse."""


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
        self.usage = definition.usage
        self.examples = definition.examples
        self._takes_context = len(inspect.signature(definition.function).parameters) > 1

    def recognises(self, text: str) -> bool:
        """True when one of the skill's patterns is found in ``text``."""
        return any(pattern.search(text) for pattern in self.definition.patterns)

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """Call the function; its text or Reply becomes the skill's one reply."""
        function = self.definition.function
        answer = await (function(request, self.context) if self._takes_context else function(request))
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
) -> Callable[[Handler], SkillDefinition]:
    """Declare an async function as a skill; its name is the function's unless given.

    ``patterns`` are regular expressions (case-insensitive) for free text plainly meant for the
    skill; ``examples`` join the intent classifier's shipped ones; ``config`` is the model of the
    skill's section, read in the function with ``context.config(Model)``.
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
        )

    return declare

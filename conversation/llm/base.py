"""The one small interface every language model backend implements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant"]
TokenSink = Callable[[str], Awaitable[None]]
"""Receives each piece of generated text as it is produced."""


class ChatMessage(NamedTuple):
    """One message of a chat prompt."""

    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class GenerationOptions:
    """How to generate: the course's temperatures are set by each skill."""

    temperature: float = 0.7
    max_tokens: int = 512
    stop: Sequence[str] = ()
    json_schema: dict[str, Any] | None = None
    """When set, the output is constrained to JSON matching this schema."""
    conversation: str | None = None
    """A stable id (the scope key) so a backend can reuse this conversation's cached prefix."""
    more_turns: bool = False
    """The answer becomes history for the next user message in ``conversation`` (chat): a
    backend may read the opening of that turn ahead, when nobody else waits for the model."""


@dataclass(frozen=True, slots=True)
class Completion:
    """What a backend returns: the text plus the figures a transcript records."""

    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token_s: float = 0.0
    total_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A function the model may ask to call: its name, what it does, its arguments' JSON schema."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolRequest:
    """The model's request to call a tool; ``arguments`` are as the model wrote them (unchecked)."""

    name: str
    arguments: dict[str, Any]


@runtime_checkable
class CallsTools(Protocol):
    """A backend whose server picks tools natively (OpenAI's ``tools``); others get a JSON-schema choice."""

    async def request_tool(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec], options: GenerationOptions
    ) -> ToolRequest | None:
        """The tool the model wants called for the last message, or None to answer directly."""
        ...


@runtime_checkable
class ScoresText(Protocol):
    """A backend that can say how likely a text is: candidates are ranked by the model's log-probability."""

    async def score(self, context: str, continuations: Sequence[str]) -> list[float]:
        """The summed log-probability (natural log) of each continuation's tokens after ``context``.

        ``context`` and the continuations are plain text, read as written (no chat template).
        """
        ...


class LLM(Protocol):
    """A chat model: messages in, text (optionally streamed token by token) out."""

    name: str

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        options: GenerationOptions,
        on_token: TokenSink | None = None,
    ) -> Completion:
        """Generate a reply; raise BackendUnavailable on failure or timeout."""
        ...

    async def load(self) -> None:
        """Get ready to answer (read weights, open connections); idempotent, may do nothing."""
        ...

    def count_tokens(self, text: str) -> int:
        """How many tokens the text costs in this model's prompt."""
        ...

    async def aclose(self) -> None:
        """Release the model."""
        ...

"""The skill interface: what a skill gets from the engine and what it gives back."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from conversation.llm.base import LLM, ChatMessage, Completion, TokenSink
from conversation.types import Message, Reply


@dataclass(frozen=True, slots=True)
class SkillRequest:
    """One turn handed to a skill. The skill knows no platform."""

    message: Message
    text: str
    """The text meant for the skill (a command's name already removed)."""
    history: Sequence[ChatMessage]
    """Earlier turns of this scope only, already trimmed to the token budget (the engine
    hands a History, whose rendering for the stored prompt is cached)."""
    state: dict[str, Any]
    """This skill's open-dialogue state, empty when none is open."""
    llm: LLM
    on_token: TokenSink | None = None


@dataclass(frozen=True, slots=True)
class SkillResponse:
    """A skill's answer, plus what the engine must remember and record."""

    replies: Sequence[Reply]
    hold_dialogue: bool = False
    """True: the next message of this scope comes back to this skill."""
    state: dict[str, Any] = field(default_factory=dict)
    prompt: str = ""
    completion: Completion | None = None
    """The model call behind the answer, if any (recorded in the transcript)."""


class Skill(Protocol):
    """A capability the router can send a turn to."""

    name: str
    description: str

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """Answer one turn; raise BackendUnavailable if the model cannot be reached."""
        ...


@runtime_checkable
class BackgroundWork(Protocol):
    """A skill with work of its own beside answering turns, started and stopped with the engine."""

    async def start(self) -> None:
        """Begin the background work (e.g. deliver what an earlier run left undelivered)."""
        ...

    async def aclose(self) -> None:
        """Stop it; anything unfinished must be safe to pick up at the next start."""
        ...


class History(tuple[ChatMessage, ...]):
    """Chat messages, each with its prompt line (see ``render_turn``) computed once.

    The engine keeps these lines per turn, so storing a long conversation's prompt with
    every answer does not re-render its whole history each time.
    """

    lines: Sequence[str]

    def __new__(cls, messages: Iterable[ChatMessage] = (), lines: Sequence[str] | None = None) -> History:
        """``lines`` must be ``render_turn`` of each message, when given."""
        history = super().__new__(cls, messages)
        history.lines = [render_turn(m) for m in history] if lines is None else lines
        return history


def render_turn(message: ChatMessage) -> str:
    """One message as it appears in a stored prompt."""
    return f"[{message.role}] {message.content}"


def render_prompt(*parts: Sequence[ChatMessage]) -> str:
    """A readable transcript form of a chat prompt (given whole or in parts), stored with each model call."""
    lines: list[str] = []
    for part in parts:
        lines += part.lines if isinstance(part, History) else map(render_turn, part)
    return "\n".join(lines)

"""The skill interface: what a skill gets from the engine and what it gives back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
class RecognisesRequests(Protocol):
    """A skill that can tell, by code, when free text plainly asks for its task.

    The router asks every such skill before the intent classifier: "please proofread: ...",
    "translate into French: ...", "write a reply to this review: ..." need no guess. When more
    than one recognises a text, the classifier's scores pick among them.
    """

    def recognises(self, text: str) -> bool:
        """True when ``text`` asks for this skill's task in so many words (cheap: no model)."""
        ...


@runtime_checkable
class HoldsDialogue(Protocol):
    """A skill whose dialogue stays open across turns (``SkillResponse.hold_dialogue``).

    While it is open, the skill is offered each free-text turn first and may let it go by
    (conversation repair: digression, interruption). A turn it lets go is routed as if nothing
    were open; the dialogue stays parked with its state and takes the next turn that is for it.
    """

    def claims(self, text: str, state: Mapping[str, Any]) -> bool | None:
        """True: the turn is for the open dialogue; False: it is not; None: unsure (the classifier decides).

        Decided by code and cheap: it runs before every turn of an open dialogue.
        """
        ...

    def reminder(self, state: Mapping[str, Any]) -> str:
        """One line saying where the parked dialogue stopped, shown after a digression's answer."""
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


@runtime_checkable
class Warms(Protocol):
    """A skill (or the intent classifier) with a model or index to load before the first message.

    The engine calls ``warm`` once at start (``Engine.prepare``), before the adapters take
    messages, so that a burst of first messages does not load it in several threads at once and
    a load holding the GIL for seconds does not stall the acknowledgements of other messages.
    """

    def warm(self) -> None:
        """Load what the first message would (blocking: run in a worker thread). Safe to call again."""
        ...


class History(tuple[ChatMessage, ...]):
    """Chat messages with their prompt text (``render_prompt`` of them) computed once.

    The engine keeps that text per scope and extends it turn by turn, so storing a long
    conversation's prompt with every answer does not re-render its whole history each time.
    """

    text: str

    def __new__(cls, messages: Iterable[ChatMessage] = (), text: str | None = None) -> History:
        """``text`` must be ``render_prompt`` of the messages, when given."""
        history = super().__new__(cls, messages)
        history.text = "\n".join(map(render_turn, history)) if text is None else text
        return history


def render_turn(message: ChatMessage) -> str:
    """One message as it appears in a stored prompt."""
    return f"[{message.role}] {message.content}"


def render_prompt(*parts: Sequence[ChatMessage]) -> str:
    """A readable transcript form of a chat prompt (given whole or in parts), stored with each model call."""
    texts = [part.text if isinstance(part, History) else "\n".join(map(render_turn, part)) for part in parts]
    return "\n".join(text for text in texts if text)

"""FakeLLM: a deterministic, instant backend for engine tests and benchmarks."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from operator import attrgetter

from conversation.errors import BackendUnavailable
from conversation.llm.base import ChatMessage, Completion, GenerationOptions, TokenSink

Responder = Callable[[Sequence[ChatMessage]], str]
Scorer = Callable[[str, str], float]
"""(context, continuation) -> a log-probability, for ``FakeLLM.score``."""

_WORD_PIECES = re.compile(r"\S+\s*|\s+")
_content = attrgetter("content")


def no_preference(context: str, continuation: str) -> float:
    """The default scorer: every text is as likely as any other."""
    return 0.0


def echo_last_user_message(messages: Sequence[ChatMessage]) -> str:
    """The default responder: repeats the last user message."""
    for message in reversed(messages):
        if message.role == "user":
            return f"echo: {message.content}"
    return "echo: "


class FakeLLM:
    """Answers with ``responder(messages)``; records every prompt; can be told to fail or stall."""

    def __init__(
        self,
        responder: Responder = echo_last_user_message,
        name: str = "fake",
        record: bool = True,
        count_prompt: bool = True,
        scorer: Scorer = no_preference,
    ) -> None:
        self.name = name
        self.responder = responder
        self.record = record
        """Keep every call's prompt and options in ``prompts``/``options``: tests read them; a
        benchmark turns it off (kept prompts cost it a tenth of its CPU, mostly in the collector)."""
        self.count_prompt = count_prompt
        """Report the prompt's tokens (one per four characters). A benchmark of the engine turns
        it off: reading a long history's every character is a model's work, and cost a fifth
        of the engine's CPU there. Its completions then say 0 prompt tokens."""
        self.scorer = scorer
        """What ``score`` answers for each continuation (tests make some texts likelier)."""
        self.scored: list[str] = []
        """Every continuation scored, in order."""
        self.prompts: list[list[ChatMessage]] = []
        self.options: list[GenerationOptions] = []
        """The options of every call, in order (temperatures, schemas, conversation ids)."""
        self.failure: str | None = None
        """When set, every call raises BackendUnavailable with this text."""
        self.delay_s = 0.0
        self.piece_delay_s = 0.0
        """A pause before each streamed piece, so a reader can watch an answer fill in."""
        self.loads = 0
        """How many times ``load`` was called (the web app warms the model at start)."""

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        options: GenerationOptions,
        on_token: TokenSink | None = None,
    ) -> Completion:
        """Return the responder's text, streamed word by word when asked."""
        if self.record:
            self.prompts.append(list(messages))
            self.options.append(options)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.failure is not None:
            raise BackendUnavailable(self.failure)
        text = self.responder(messages)
        if on_token is not None:
            for piece in _WORD_PIECES.findall(text):
                if self.piece_delay_s:
                    await asyncio.sleep(self.piece_delay_s)
                await on_token(piece)
        prompt_tokens = _tokens_in(len("".join(map(_content, messages)))) if self.count_prompt else 0
        return Completion(text, self.name, prompt_tokens, self.count_tokens(text))

    async def score(self, context: str, continuations: Sequence[str]) -> list[float]:
        """``scorer(context, continuation)`` for each continuation (``ScoresText``)."""
        if self.failure is not None:
            raise BackendUnavailable(self.failure)
        self.scored.extend(continuations)
        return [self.scorer(context, text) for text in continuations]

    def count_tokens(self, text: str) -> int:
        """Roughly one token per four characters."""
        return _tokens_in(len(text))

    async def load(self) -> None:
        """Count the call; there is nothing to load."""
        self.loads += 1

    async def aclose(self) -> None:
        """Nothing to release."""


def _tokens_in(chars: int) -> int:
    return (chars + 3) // 4

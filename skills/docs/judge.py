"""A TruLens feedback provider judged by our own LLM backend: the RAG triad with no API key."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

from pydantic import BaseModel, PrivateAttr
from trulens.core.feedback.endpoint import Endpoint
from trulens.feedback.llm_provider import LLMProvider

from conversation.llm.base import LLM, ChatMessage, GenerationOptions, Role

T = TypeVar("T")
SCORE_MIN, SCORE_MAX = 0, 3
"""The judge's rating scale (TruLens' default for the triad), enforced by the JSON schema."""
REASON_CHARS = 240
"""Longest criteria/evidence string a judge may write, so a small model cannot ramble on."""


class LoopThread:
    """An event loop in a daemon thread, so synchronous code (TruLens) can await our backends."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="judge-loop", daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the loop and wait for its result (from any other thread)."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result()

    def close(self) -> None:
        """Stop the loop and its thread."""
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


class ChatwrightJudge(LLMProvider):
    """TruLens ``LLMProvider`` whose completions come from any chatwright ``LLM`` (embedded or HTTP).

    Structured responses are constrained by their JSON schema, with the score limited to the
    rating scale, so even a small model returns something TruLens can parse.
    """

    model_engine: str = "chatwright"
    max_tokens: int = 256
    _llm: Any = PrivateAttr()
    _loop: Any = PrivateAttr()
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _tokens: int = PrivateAttr(default=0)

    def __init__(self, llm: LLM, loop: LoopThread, max_tokens: int = 256) -> None:
        endpoint = Endpoint(name=f"chatwright-{llm.name}", rpm=1e6, retries=0, _register_instance=False)
        super().__init__(  # type: ignore[no-untyped-call]
            model_engine=llm.name, endpoint=endpoint, max_tokens=max_tokens
        )
        self._llm = llm
        self._loop = loop

    @property
    def tokens_used(self) -> int:
        """Prompt plus completion tokens of every judgement so far."""
        return self._tokens

    def _create_chat_completion(
        self,
        prompt: str | None = None,
        messages: Sequence[dict[str, Any]] | None = None,
        response_format: type[BaseModel] | None = None,
        **kwargs: Any,
    ) -> str:
        chat = [ChatMessage(_role(m["role"]), str(m["content"])) for m in messages or ()]
        if prompt is not None:
            chat.append(ChatMessage("user", prompt))
        options = GenerationOptions(
            temperature=float(kwargs.get("temperature", 0.0)),
            max_tokens=self.max_tokens,
            json_schema=_bounded_schema(response_format) if response_format is not None else None,
        )
        # One judgement at a time: TruLens grades sentences in parallel threads, and queued calls
        # to one local model would spend their timeout waiting for each other.
        with self._lock:
            completion = self._loop.run(self._llm.complete(chat, options))
            self._tokens += completion.prompt_tokens + completion.completion_tokens
        return str(completion.text)


def _role(role: str) -> Role:
    return "system" if role == "system" else "assistant" if role == "assistant" else "user"


def _bounded_schema(response_format: type[BaseModel]) -> dict[str, Any]:
    schema = response_format.model_json_schema()
    properties = schema.get("properties", {})
    for name, spec in properties.items():
        if name == "score":
            properties[name] = {"type": "integer", "enum": list(range(SCORE_MIN, SCORE_MAX + 1))}
        elif spec.get("type") == "string":
            spec["maxLength"] = REASON_CHARS
    return schema

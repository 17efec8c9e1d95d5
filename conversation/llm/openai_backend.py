"""OpenAIBackend: any server speaking the OpenAI chat-completions API (OpenAI, llama.cpp, vLLM)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from typing import Any, TypedDict

import httpx
import openai
from openai.types import CompletionUsage
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam
from openai.types.shared_params import ResponseFormatJSONSchema

from conversation.errors import BackendUnavailable
from conversation.llm.base import ChatMessage, Completion, GenerationOptions, TokenSink, ToolRequest, ToolSpec


class _RequestParams(TypedDict):
    """The chat-completions arguments shared by the streaming and the plain call."""

    model: str
    messages: list[ChatCompletionMessageParam]
    temperature: float
    max_tokens: int
    stop: list[str] | openai.Omit
    response_format: ResponseFormatJSONSchema | openai.Omit


class OpenAIBackend:
    """Talks to an OpenAI-compatible server; every failure becomes BackendUnavailable."""

    def __init__(
        self, model: str, base_url: str | None, api_key: str, timeout_s: float, max_retries: int = 1
    ) -> None:
        self.name = f"openai:{model}"
        self._model = model
        self._timeout_s = timeout_s
        self._client = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",  # local servers ignore the key, the SDK insists on one
            timeout=timeout_s,
            max_retries=max_retries,
        )
        self._where = str(self._client.base_url).rstrip("/")
        # Resolved now: the SDK imports its resources lazily on first use, which blocks the loop ~0.8 s.
        self._completions = self._client.chat.completions

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        options: GenerationOptions,
        on_token: TokenSink | None = None,
    ) -> Completion:
        """Ask the server, streaming when ``on_token`` is given; the whole call ends within ``timeout_s``."""
        try:
            async with asyncio.timeout(self._timeout_s):
                if on_token is None:
                    return await self._answer(messages, options)
                return await self._stream(messages, options, on_token)
        except (TimeoutError, openai.APITimeoutError, httpx.TimeoutException) as exc:
            raise BackendUnavailable(
                f"the model server at {self._where} did not answer within {self._timeout_s:g} s"
            ) from exc
        except openai.APIStatusError as exc:
            raise BackendUnavailable(
                f"the model server at {self._where} returned HTTP {exc.status_code}"
            ) from exc
        except openai.APIConnectionError as exc:
            raise BackendUnavailable(f"the model server at {self._where} could not be reached") from exc
        except openai.APIError as exc:
            raise BackendUnavailable(
                f"the model server at {self._where} sent an error or an unreadable answer"
            ) from exc
        except httpx.HTTPError as exc:
            raise BackendUnavailable(
                f"the connection to the model server at {self._where} broke off mid-answer"
            ) from exc

    async def request_tool(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec], options: GenerationOptions
    ) -> ToolRequest | None:
        """Offer ``tools`` through the API's native ``tools``; the first call the model makes, if any."""
        params = self._params(messages, options)
        offered: list[ChatCompletionToolParam] = [
            {
                "type": "function",
                "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
            }
            for t in tools
        ]
        try:
            async with asyncio.timeout(self._timeout_s):
                response = await self._completions.create(**params, tools=offered, stream=False)
        except (TimeoutError, openai.APIError, httpx.HTTPError) as exc:
            raise BackendUnavailable(f"the model server at {self._where} failed to choose a tool") from exc
        calls = response.choices[0].message.tool_calls if response.choices else None
        function = next((call.function for call in calls or [] if call.type == "function"), None)
        if function is None:
            return None
        try:
            arguments = json.loads(function.arguments or "{}")
        except ValueError:
            arguments = {}
        return ToolRequest(function.name, arguments if isinstance(arguments, dict) else {})

    def count_tokens(self, text: str) -> int:
        """Roughly one token per four characters: an estimate, the server's tokenizer is not at hand."""
        return len(text) // 4 + 1

    async def load(self) -> None:
        """Nothing to load: the server holds the model."""

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.close()

    async def _answer(self, messages: Sequence[ChatMessage], options: GenerationOptions) -> Completion:
        started = time.perf_counter()
        response = await self._completions.create(**self._params(messages, options), stream=False)
        text = (response.choices[0].message.content if response.choices else None) or ""
        return self._completion(messages, text, response.usage, started, first_token_s=None)

    async def _stream(
        self, messages: Sequence[ChatMessage], options: GenerationOptions, on_token: TokenSink
    ) -> Completion:
        started = time.perf_counter()
        first_token_s: float | None = None
        pieces: list[str] = []
        usage: CompletionUsage | None = None
        stream = await self._completions.create(
            **self._params(messages, options), stream=True, stream_options={"include_usage": True}
        )
        async with stream:
            async for chunk in stream:
                usage = chunk.usage or usage
                piece = chunk.choices[0].delta.content if chunk.choices else None
                if piece:
                    if first_token_s is None:
                        first_token_s = time.perf_counter() - started
                    pieces.append(piece)
                    await on_token(piece)
        return self._completion(messages, "".join(pieces), usage, started, first_token_s)

    def _params(self, messages: Sequence[ChatMessage], options: GenerationOptions) -> _RequestParams:
        return {
            "model": self._model,
            "messages": [_message_param(m) for m in messages],
            "temperature": options.temperature,
            "max_tokens": options.max_tokens,
            "stop": list(options.stop) if options.stop else openai.omit,
            "response_format": _response_format(options.json_schema),
        }

    def _completion(
        self,
        messages: Sequence[ChatMessage],
        text: str,
        usage: CompletionUsage | None,
        started: float,
        first_token_s: float | None,
    ) -> Completion:
        """Assemble the result; without a separate first token, it arrived with the whole answer."""
        total_s = time.perf_counter() - started
        if usage is None:
            prompt_tokens = sum(self.count_tokens(m.content) for m in messages)
            completion_tokens = self.count_tokens(text)
        else:
            prompt_tokens, completion_tokens = usage.prompt_tokens, usage.completion_tokens
        return Completion(
            text=text,
            model=self.name,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            first_token_s=total_s if first_token_s is None else first_token_s,
            total_s=total_s,
        )


def _message_param(message: ChatMessage) -> ChatCompletionMessageParam:
    if message.role == "system":
        return {"role": "system", "content": message.content}
    if message.role == "user":
        return {"role": "user", "content": message.content}
    return {"role": "assistant", "content": message.content}


def _response_format(schema: dict[str, Any] | None) -> ResponseFormatJSONSchema | openai.Omit:
    if schema is None:
        return openai.omit
    return {"type": "json_schema", "json_schema": {"name": "reply", "schema": schema, "strict": True}}

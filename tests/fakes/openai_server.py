"""FakeOpenAIServer: a real HTTP server on 127.0.0.1 that answers like the OpenAI chat-completions API.

It records every request body, answers plainly or as a server-sent-event stream, and can be told to
fail with an HTTP status, to stall before answering, or to trickle a stream slowly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any, Self

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

Answer = str | Callable[[dict[str, Any]], str]
"""The reply text, or a function of the request body that returns it."""


def split_into_pieces(text: str) -> list[str]:
    """How a streamed answer is cut: each word with the whitespace after it."""
    return re.findall(r"\S+\s*|\s+", text)


class FakeOpenAIServer:
    """``async with FakeOpenAIServer() as server:`` serves ``server.base_url`` until the block ends."""

    def __init__(self) -> None:
        self.answer: Answer = "Hello there, friend."
        self.requests: list[dict[str, Any]] = []
        """Every request body received, in order."""
        self.authorizations: list[str] = []
        """The Authorization header of every request, in order."""
        self.status = 200
        """When not 200, every request is answered with this status and an OpenAI-style error body."""
        self.delay_s = 0.0
        """How long to wait before answering at all (a stall when longer than the client's timeout)."""
        self.piece_delay_s = 0.0
        """How long to wait between streamed pieces (a trickle, or a stall mid-stream)."""
        self.report_usage = True
        """Whether answers carry a ``usage`` block."""
        self.tool_call: tuple[str, dict[str, Any]] | None = None
        """When set, a request offering ``tools`` is answered by this call (name, arguments)."""
        self.prompt_tokens = 11
        self.completion_tokens = 5
        self._closing = asyncio.Event()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}/v1"
        app = Starlette(routes=[Route("/v1/chat/completions", self._chat_completions, methods=["POST"])])
        config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        while not self._server.started:
            if self._task.done():
                await self._task  # surfaces why the server could not start
            await asyncio.sleep(0.01)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._closing.set()  # ends every pending stall at once
        self._server.should_exit = True
        if self._task is not None:
            await self._task
        self._socket.close()

    async def _chat_completions(self, request: Request) -> Response:
        body: dict[str, Any] = await request.json()
        self.requests.append(body)
        self.authorizations.append(request.headers.get("authorization", ""))
        await self._pause(self.delay_s)
        if self.status != 200:
            error = {"message": f"the fake server was told to answer {self.status}", "type": "server_error"}
            return JSONResponse({"error": error}, status_code=self.status)
        if body.get("tools") and self.tool_call is not None:
            return JSONResponse(self._completion(body, self._tool_message(*self.tool_call), "tool_calls"))
        text = self.answer if isinstance(self.answer, str) else self.answer(body)
        if body.get("stream"):
            return StreamingResponse(self._events(body, text), media_type="text/event-stream")
        return JSONResponse(self._completion(body, {"role": "assistant", "content": text}, "stop"))

    def _completion(self, body: dict[str, Any], message: dict[str, Any], finish: str) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": self._usage(),
        }

    @staticmethod
    def _tool_message(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        call = {
            "id": "call-1",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)},
        }
        return {"role": "assistant", "content": None, "tool_calls": [call]}

    async def _events(self, body: dict[str, Any], text: str) -> AsyncIterator[str]:
        """The stream: one chunk per piece, a finishing chunk, a usage chunk when asked, then [DONE]."""

        def event(choices: list[dict[str, Any]], **extra: Any) -> str:
            chunk = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": body["model"],
                "choices": choices,
                **extra,
            }
            return f"data: {json.dumps(chunk)}\n\n"

        for number, piece in enumerate(split_into_pieces(text)):
            if number:
                await self._pause(self.piece_delay_s)
            delta = {"role": "assistant", "content": piece}
            yield event([{"index": 0, "delta": delta, "finish_reason": None}])
        yield event([{"index": 0, "delta": {}, "finish_reason": "stop"}])
        if body.get("stream_options", {}).get("include_usage"):
            yield event([], usage=self._usage())
        yield "data: [DONE]\n\n"

    def _usage(self) -> dict[str, int] | None:
        if not self.report_usage:
            return None
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake up early when the server is closing."""
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)

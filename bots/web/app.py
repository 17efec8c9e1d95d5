"""The ASGI app: the web chat page, its streaming API and /healthz."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bots.adapter import PlatformAdapter
from bots.web.sink import WebChatSink
from conversation import BadInput, Engine, Message
from conversation.heap import settle_after_start

log = logging.getLogger(__name__)

PLATFORM = "web"
STATIC = Path(__file__).with_name("static")
MAX_BODY_BYTES = 1_000_000


def create_app(engine: Engine, adapters: Sequence[PlatformAdapter] = ()) -> Starlette:
    """The web chat on ``engine`` plus each adapter's routes; all start and stop with the app."""
    sink = WebChatSink()
    engine.register_sink(PLATFORM, sink)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await engine.start()
        await engine.prepare()
        warm_up = asyncio.create_task(engine.llm.load())
        warm_up.add_done_callback(_report_warm_up)
        for adapter in adapters:
            await adapter.start()
        settle_after_start()
        try:
            yield
        finally:
            warm_up.cancel()
            await engine.aclose()
            for adapter in adapters:
                await adapter.stop()

    async def index(_request: Request) -> Response:
        return FileResponse(STATIC / "index.html")

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "model": engine.llm.name})

    async def history(request: Request) -> Response:
        user = request.query_params.get("user", "")
        if not user:
            return JSONResponse({"error": "the 'user' query parameter is required"}, status_code=400)
        turns = await engine.history(_web_message(user, "history", "").scope)
        return JSONResponse({"turns": [{"role": t.role, "text": t.content} for t in turns]})

    async def chat(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"error": "the request is too large"}, status_code=413)
        try:
            fields = json.loads(body)
            user = str(fields["user"])
            event_id = f"{user}-{fields.get('event_id') or uuid.uuid4()}"
            message = _web_message(user, event_id, str(fields["text"]))
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "expected JSON with 'user' and 'text'"}, status_code=400)
        events = sink.open(message.event_id)
        try:
            submission = await engine.submit(message)
        except BadInput as error:
            sink.close(message.event_id, events)
            return JSONResponse({"error": str(error)}, status_code=422)
        if not submission.accepted:
            sink.close(message.event_id, events)
            return JSONResponse({"error": "this message was already received"}, status_code=409)

        async def stream() -> AsyncIterator[str]:
            try:
                while (event := await events.get()) is not None:
                    yield json.dumps(event) + "\n"
                yield json.dumps({"type": "done"}) + "\n"
            finally:
                sink.close(message.event_id, events)

        return StreamingResponse(stream(), media_type="application/x-ndjson")

    return Starlette(
        routes=[
            Route("/", index),
            Route("/healthz", healthz),
            Route("/api/history", history),
            Route("/api/chat", chat, methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
            *(route for adapter in adapters for route in adapter.routes()),
        ],
        lifespan=lifespan,
    )


def _web_message(user: str, event_id: str, text: str) -> Message:
    return Message(platform=PLATFORM, user=user, text=text, event_id=f"web-{event_id}", channel="web")


def _report_warm_up(task: asyncio.Task[None]) -> None:
    """The model loads while the first requests arrive; a failure shows here and at the first answer."""
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("the model could not be loaded: %s", error)

"""The ASGI app: the web chat page, its streaming API, login links, /healthz and /readyz.

Who is talking comes from the session (``bots.web.sessions``); each tab is one conversation of
that user (its ``conversation`` id is the scope's thread), so a session sees and continues only
its own conversations. Requests from other sites' pages, oversized bodies and requests without a
valid session are refused with a 4xx and one log line.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bots.adapter import PlatformAdapter
from bots.health import AdapterState, ReportsHealth
from bots.web.guard import BadRequest, check_origin, log_refusal, read_body
from bots.web.login import login_routes
from bots.web.markdown import render_markdown
from bots.web.sessions import Sessions, WebAccess
from bots.web.sink import WebChatSink
from conversation import BadInput, Engine, Message
from conversation.heap import settle_after_start
from conversation.limits import OverLimit
from conversation.suggestions import suggested_prompts
from storage.web_logins import WebLogins

log = logging.getLogger(__name__)

PLATFORM = "web"
STATIC = Path(__file__).with_name("static")
PAGE = STATIC / "index.html"
_CONVERSATION = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""A tab's conversation id (the page makes a UUID); the scope's thread."""
BAD_CHAT_BODY = "expected a JSON object with 'text' (and optionally 'conversation' and 'event_id')"
BAD_VOTE_BODY = "expected a JSON object with 'ref' (a reply's id) and 'vote' (1, -1, or 0 to take it back)"
ApiHandler = Callable[[Request, str], Awaitable[Response]]


def create_app(
    engine: Engine, adapters: Sequence[PlatformAdapter] = (), access: WebAccess | None = None
) -> Starlette:
    """The web chat on ``engine`` plus each adapter's routes; all start and stop with the app.

    ``access`` defaults to open anonymous sessions signed with a secret made for this process.
    With ``access.enabled`` off only /healthz and the adapters' routes are served.
    """

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await engine.prepare()  # the model and the shared models load before /healthz and the adapters answer
        await engine.start()
        for adapter in adapters:
            await adapter.start()
        settle_after_start()
        try:
            yield
        finally:
            await engine.aclose()
            for adapter in adapters:
                await adapter.stop()

    async def healthz(_request: Request) -> Response:
        """Alive unless an adapter is down for good (503: restart the process)."""
        return _health_response(engine, adapters, unhealthy={AdapterState.DOWN})

    async def readyz(_request: Request) -> Response:
        """Ready when every adapter is connected (503 while one starts or reconnects)."""
        return _health_response(engine, adapters, unhealthy=set(AdapterState) - {AdapterState.UP})

    access = access or WebAccess()
    chat_routes = _web_chat_routes(engine, access) if access.enabled else []
    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *chat_routes,
            *(route for adapter in adapters for route in adapter.routes()),
        ],
        lifespan=lifespan,
    )


def _health_response(
    engine: Engine, adapters: Sequence[PlatformAdapter], unhealthy: set[AdapterState]
) -> Response:
    """``{"status", "model", "adapters": {platform: {"state", "detail"}}}``, 503 when one is unhealthy."""
    states = {a.platform: a.health() for a in adapters if isinstance(a, ReportsHealth)}
    failing = any(health.state in unhealthy for health in states.values())
    body: dict[str, Any] = {"status": "unavailable" if failing else "ok", "model": engine.llm.name}
    if states:
        body["adapters"] = {platform: health.as_json() for platform, health in states.items()}
    return JSONResponse(body, status_code=503 if failing else 200)


def _web_chat_routes(engine: Engine, access: WebAccess) -> list[BaseRoute]:
    """The page, the login link and the API, answering only for the session's own conversations."""
    sessions = Sessions(access)
    sink = WebChatSink()
    engine.register_sink(PLATFORM, sink)

    async def index(request: Request) -> Response:
        if sessions.user_of(request) is not None:
            return FileResponse(PAGE)
        if access.trusted_user_header or not sessions.opens_the_gate(request):
            log_refusal(request, "no session and no access token")
            return PlainTextResponse("This chat needs an access link.", status_code=401)
        response: Response = RedirectResponse("/", 303) if access.access_token else FileResponse(PAGE)
        sessions.start(response, request)
        return response

    async def history(request: Request, user: str) -> Response:
        conversation = _conversation_id(request.query_params.get("conversation"))
        turns = await engine.history(_web_message(user, conversation, "history", "").scope)
        shown = [
            {"role": t.role, "text": t.content}
            | ({"html": render_markdown(t.content)} if t.role == "assistant" else {})
            for t in turns
        ]
        return JSONResponse({"user": user, "turns": shown})

    async def chat(request: Request, user: str) -> Response:
        if not request.headers.get("content-type", "").startswith("application/json"):
            raise BadRequest(415, "expected Content-Type: application/json")
        message = _chat_message(user, await read_body(request))
        events = sink.open(message.event_id)
        try:
            submission = await engine.submit(message)
        except OverLimit as refusal:
            sink.close(message.event_id, events)
            return JSONResponse({"error": str(refusal)}, status_code=429)
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

    return [
        Route("/", index),
        *login_routes(sessions, WebLogins(engine.ledger.engine)),
        Route("/api/history", _guarded(history, sessions)),
        Route("/api/chat", _guarded(chat, sessions), methods=["POST"]),
        Route("/api/prompts", _guarded(_prompts_api(engine), sessions)),
        Route("/api/feedback", _guarded(_feedback_api(engine), sessions), methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


def _prompts_api(engine: Engine) -> ApiHandler:
    """What an empty conversation offers: one prompt per skill (as Slack's assistant), and /help."""

    async def prompts(_request: Request, _user: str) -> Response:
        offered = [
            {"skill": p.skill, "title": p.title, "message": p.message}
            for p in suggested_prompts(engine.router)
        ]
        return JSONResponse({"prompts": offered, "help": f"/{engine.router.help.name}"})

    return prompts


def _feedback_api(engine: Engine) -> ApiHandler:
    """The session's 👍/👎 on a reply it was shown, stored like a Slack or Discord reaction."""

    async def vote(request: Request, user: str) -> Response:
        ref, value = _vote(await read_body(request))
        if not await engine.record_feedback(PLATFORM, ref, user, value):
            raise BadRequest(404, "no reply has that id")
        return Response(status_code=204)

    return vote


def _guarded(handler: ApiHandler, sessions: Sessions) -> Callable[[Request], Awaitable[Response]]:
    """``handler`` called with the session's user, after the origin and session checks."""

    async def guarded(request: Request) -> Response:
        try:
            check_origin(request, sessions.access.allowed_origins)
            user = sessions.user_of(request)
            if user is None:
                raise BadRequest(401, "no valid session: open the chat page first")
            return await handler(request, user)
        except BadRequest as refused:
            log_refusal(request, refused.reason)
            return JSONResponse({"error": refused.reason}, status_code=refused.status)

    return guarded


def _chat_message(user: str, body: bytes) -> Message:
    """The Message a chat request's body asks to send as ``user``; 400 when it is not the expected JSON."""
    try:
        fields: Any = json.loads(body)
        text = fields["text"]
        event_id = fields.get("event_id") or str(uuid.uuid4())
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BadRequest(400, BAD_CHAT_BODY) from None
    if not isinstance(text, str) or not isinstance(event_id, str) or len(event_id) > 100:
        raise BadRequest(400, BAD_CHAT_BODY)
    return _web_message(user, _conversation_id(fields.get("conversation")), f"{user}-{event_id}", text)


def _vote(body: bytes) -> tuple[str, int]:
    """The reply id and the vote a feedback request's body gives; 400 when it is not the expected JSON."""
    try:
        fields: Any = json.loads(body)
        ref, value = fields["ref"], fields["vote"]
    except (ValueError, KeyError, TypeError):
        raise BadRequest(400, BAD_VOTE_BODY) from None
    if isinstance(value, bool) or value not in (1, -1, 0):
        raise BadRequest(400, BAD_VOTE_BODY)
    if not isinstance(ref, str) or not 0 < len(ref) <= 100:
        raise BadRequest(400, BAD_VOTE_BODY)
    return ref, int(value)


def _conversation_id(given: object) -> str:
    if given is None or given == "":
        return "main"
    if not isinstance(given, str) or not _CONVERSATION.match(given):
        raise BadRequest(400, "'conversation' must be 1 to 64 letters, digits, '-' or '_'")
    return given


def _web_message(user: str, conversation: str, event_id: str, text: str) -> Message:
    return Message(
        platform=PLATFORM,
        user=user,
        text=text,
        event_id=f"web-{event_id}",
        channel="web",
        thread=conversation,
    )

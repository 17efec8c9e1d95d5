"""FakeSlackApi: a local Slack Web API and Socket Mode server on 127.0.0.1, for the real SDK.

It answers the Web API methods the adapter uses (``assistant.threads.*`` just answer ok), keeps
the messages posted (edits, deletions, native streams of ``chat.*Stream`` that ``expire_streams``
ends, blocks and message metadata applied; read back by ``conversations.history`` and
``conversations.replies``), records every call, can answer the next calls with 429 + Retry-After
or an error, serves response_urls, and runs a Socket Mode websocket that pushes envelopes and
records their acks.
The functions at the end build signed Events API requests and payloads the way Slack sends them
(events, slash commands, and ``block_actions`` for button presses).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode

from aiohttp import WSMsgType, web

Payload = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One request to the fake: the Web API method (or ``response_url``), its arguments, its answer."""

    method: str
    args: Payload
    token: str
    status: int
    """200, or 429 when the call was rate limited."""
    at: float = field(default_factory=time.monotonic)
    """When it arrived (``time.monotonic``)."""


@dataclass(slots=True)
class PostedMessage:
    """A message as Slack would now show it."""

    channel: str
    ts: str
    thread_ts: str | None
    text: str
    edits: int = 0
    deleted: bool = False
    metadata: Payload | None = None
    blocks: list[Payload] | None = None
    streaming: bool = False
    """True from chat.startStream until chat.stopStream (or until the stream expired)."""


@dataclass(slots=True)
class _Waiters:
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def until(self, condition: Callable[[], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while not condition():
                self.changed.clear()
                await self.changed.wait()


class FakeSlackApi:
    """``async with FakeSlackApi() as slack:`` serves ``slack.base_url`` until the block ends."""

    def __init__(self, bot_user_id: str = "UBOT", bot_id: str = "BBOT", team_id: str = "T1") -> None:
        self.bot_user_id, self.bot_id, self.team_id = bot_user_id, bot_id, team_id
        self.calls: list[ApiCall] = []
        self.messages: list[PostedMessage] = []
        self.acks: list[Payload] = []
        """Every message a Socket Mode client sent back (acks: ``{"envelope_id": ...}``)."""
        self.connected = asyncio.Event()
        self.installed: dict[str, str] = {}
        """Bot token -> team, for each workspace installed through ``oauth.v2.access``."""
        self._rate_limited = 0
        self._retry_after = "1"
        self._errors: dict[str, list[str]] = {}
        self._ts = itertools.count(1)
        self._waiters = _Waiters()
        self._sockets: list[web.WebSocketResponse] = []
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.root = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self.base_url = f"{self.root}/api/"
        app = web.Application()
        app.router.add_post("/api/{method}", self._web_api)
        app.router.add_get("/api/{method}", self._web_api)
        app.router.add_post("/respond/{channel}", self._response_url)
        app.router.add_get("/socket", self._socket_mode)
        self._runner = web.AppRunner(app)

    async def __aenter__(self) -> Self:
        await self._runner.setup()
        await web.SockSite(self._runner, self._socket).start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for ws in list(self._sockets):
            await ws.close()
        await self._runner.cleanup()

    # -- switches -------------------------------------------------------------------

    def rate_limit_next(self, count: int, retry_after_s: int = 1) -> None:
        """Answer the next ``count`` Web API calls with 429 and ``Retry-After: retry_after_s``."""
        self._rate_limited, self._retry_after = count, str(retry_after_s)

    def fail_next(self, method: str, error: str) -> None:
        """Answer the next call of ``method`` with ``{"ok": false, "error": error}``."""
        self._errors.setdefault(method, []).append(error)

    def expire_streams(self) -> None:
        """End every open stream as Slack does after a few minutes: appends and stops then fail."""
        for message in self.messages:
            message.streaming = False

    def response_url(self, channel: str) -> str:
        """A slash command's response_url; what is sent to it appears in ``channel``."""
        return f"{self.root}/respond/{channel}"

    # -- what was received ------------------------------------------------------------

    def calls_to(self, method: str) -> list[ApiCall]:
        """The accepted (not rate-limited) calls of ``method``, in order."""
        return [call for call in self.calls if call.method == method and call.status == 200]

    def shown(self, channel: str, thread_ts: str | None = None) -> list[str]:
        """The texts now visible in ``channel`` (top level, or in the thread ``thread_ts``)."""
        return [
            m.text
            for m in self.messages
            if m.channel == channel and m.thread_ts == thread_ts and not m.deleted
        ]

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``condition()`` holds; it is checked after every call the fake receives."""
        await self._waiters.until(condition, timeout)

    # -- Socket Mode --------------------------------------------------------------------

    async def push(
        self, envelope_type: str, payload: Payload, *, envelope_id: str, retry_attempt: int = 0
    ) -> None:
        """Send an envelope (``events_api``, ``slash_commands``) to the connected client."""
        await self.connected.wait()
        envelope = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": envelope_type != "events_api",
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
        }
        await self._sockets[-1].send_json(envelope)

    async def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> Payload:
        """The client's acknowledgement of ``envelope_id``."""
        await self.wait_until(lambda: any(a.get("envelope_id") == envelope_id for a in self.acks), timeout)
        return next(a for a in self.acks if a.get("envelope_id") == envelope_id)

    # -- handlers -------------------------------------------------------------------

    async def _web_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: Payload = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        else:
            args.update({key: str(value) for key, value in (await request.post()).items()})
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or args.pop("token", "")
        if self._rate_limited > 0:
            self._rate_limited -= 1
            self._record(ApiCall(method, args, token, 429))
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": self._retry_after}
            )
        errors = self._errors.get(method)
        answer = {"ok": False, "error": errors.pop(0)} if errors else self._answer(method, args, token)
        self._record(ApiCall(method, args, token, 200))
        return web.json_response(answer)

    def _answer(self, method: str, args: Payload, token: str = "") -> Payload:
        if method == "oauth.v2.access":
            return self._oauth_access(args)
        if method == "auth.test":
            user_id, bot_id, team_id = self.bot_user_id, self.bot_id, self.installed.get(token, self.team_id)
            return {
                "ok": True,
                "user_id": user_id,
                "bot_id": bot_id,
                "team_id": team_id,
                "user": "chatwright",
            }
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://{self.root.removeprefix('http://')}/socket"}
        if method in ("chat.postMessage", "chat.postEphemeral"):
            ts = f"{1_700_000_000 + next(self._ts)}.000100"
            if method == "chat.postMessage":
                new = PostedMessage(args["channel"], ts, args.get("thread_ts"), args["text"])
                new.metadata = _metadata(args)
                new.blocks = _blocks(args)
                self.messages.append(new)
            return {"ok": True, "channel": args["channel"], "ts": ts, "message_ts": ts}
        if method in ("chat.startStream", "chat.appendStream", "chat.stopStream"):
            return self._stream(method, args)
        if method in ("chat.update", "chat.delete"):
            posted = next((m for m in self.messages if m.ts == args["ts"]), None)
            if posted is None:
                return {"ok": False, "error": "message_not_found"}
            if method == "chat.update":
                posted.text, posted.edits = args["text"], posted.edits + 1
                posted.metadata = _metadata(args) or posted.metadata
                posted.blocks = _blocks(args) or posted.blocks
            posted.deleted = method == "chat.delete"
            return {"ok": True, "channel": posted.channel, "ts": posted.ts}
        if method in ("conversations.history", "conversations.replies"):
            return {"ok": True, "messages": self._history(method, args), "has_more": False}
        return {"ok": True}

    def _oauth_access(self, args: Payload) -> Payload:
        """OAuth v2: the code ``code-<team>`` installs the app in that team with token ``xoxb-<team>``."""
        team = str(args.get("code", "")).removeprefix("code-")
        if not team or team == args.get("code"):
            return {"ok": False, "error": "invalid_code"}
        token = f"xoxb-{team}"
        self.installed[token] = team
        return {
            "ok": True,
            "app_id": "A1",
            "authed_user": {"id": "U1"},
            "scope": "chat:write,commands",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": self.bot_user_id,
            "team": {"id": team, "name": f"workspace {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _stream(self, method: str, args: Payload) -> Payload:
        """Native streaming: a message started in a thread, appended to, stopped with blocks and metadata."""
        if method == "chat.startStream":
            if not args.get("thread_ts"):
                return {"ok": False, "error": "invalid_arguments"}
            ts = f"{1_700_000_000 + next(self._ts)}.000100"
            new = PostedMessage(args["channel"], ts, args["thread_ts"], args.get("markdown_text") or "")
            new.streaming = True
            self.messages.append(new)
            return {"ok": True, "channel": args["channel"], "ts": ts}
        posted = next((m for m in self.messages if m.ts == args["ts"]), None)
        if posted is None:
            return {"ok": False, "error": "message_not_found"}
        if not posted.streaming:
            return {"ok": False, "error": "message_not_in_streaming_state"}
        posted.text += args.get("markdown_text") or ""
        posted.edits += 1
        if method == "chat.stopStream":
            posted.streaming = False
            posted.blocks = _blocks(args) or posted.blocks
            posted.metadata = _metadata(args) or posted.metadata
        return {"ok": True, "channel": posted.channel, "ts": posted.ts}

    def _history(self, method: str, args: Payload) -> list[Payload]:
        """Messages after ``oldest`` (or at it, ``inclusive``): top-level ones, or thread ``ts``'s."""
        thread = args.get("ts") if method == "conversations.replies" else None
        oldest = float(args.get("oldest") or 0)
        inclusive = _flag(args.get("inclusive"))
        found = [
            m
            for m in self.messages
            if m.channel == args["channel"]
            and m.thread_ts == thread
            and (float(m.ts) >= oldest if inclusive else float(m.ts) > oldest)
            and not m.deleted
        ]
        with_metadata = _flag(args.get("include_all_metadata"))
        return [
            {"type": "message", "ts": m.ts, "text": m.text, "bot_id": self.bot_id}
            | ({"metadata": m.metadata} if with_metadata and m.metadata else {})
            for m in found
        ]

    async def _response_url(self, request: web.Request) -> web.Response:
        body: Payload = await request.json()
        ts = f"{1_700_000_000 + next(self._ts)}.000100"
        self.messages.append(PostedMessage(request.match_info["channel"], ts, None, body["text"]))
        self._record(ApiCall("response_url", body, "", 200))
        return web.Response(text="ok")

    async def _socket_mode(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}})
        self.connected.set()
        try:
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    self.acks.append(json.loads(frame.data))
                    self._waiters.changed.set()
        finally:
            self._sockets.remove(ws)
            if not self._sockets:
                self.connected.clear()
        return ws

    def _record(self, call: ApiCall) -> None:
        self.calls.append(call)
        self._waiters.changed.set()


def _flag(value: object) -> bool:
    """A boolean Web API argument, as sent in a query or form ("1", "true") or JSON."""
    return str(value).lower() in ("1", "true")


def _blocks(args: Payload) -> list[Payload] | None:
    """The ``blocks`` argument of a post or update (a list in JSON, a JSON string in a form)."""
    blocks = args.get("blocks")
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def _metadata(args: Payload) -> Payload | None:
    """The ``metadata`` argument of a post (JSON in a JSON body, a JSON string in a form)."""
    metadata = args.get("metadata")
    return json.loads(metadata) if isinstance(metadata, str) else metadata


# -- requests as Slack sends them ---------------------------------------------------------


def signed_headers(body: bytes, signing_secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The X-Slack-Signature headers for ``body``: HMAC-SHA256 of ``v0:<timestamp>:<body>``."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(signing_secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + digest.hexdigest()}


def event_callback(event: Payload, event_id: str, team_id: str = "T1") -> Payload:
    """The Events API envelope around ``event``."""
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "api_app_id": "A1",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
    }


def message_event(text: str, *, user: str, channel: str, ts: str, channel_type: str, **extra: Any) -> Payload:
    """A ``message`` event (``channel_type`` im, channel, group or mpim; ``extra``: thread_ts, bot_id…)."""
    return {
        "type": "message",
        "text": text,
        "user": user,
        "channel": channel,
        "ts": ts,
        "event_ts": ts,
        "channel_type": channel_type,
        **extra,
    }


def mention_event(text: str, *, user: str, channel: str, ts: str, **extra: Any) -> Payload:
    """An ``app_mention`` event (``extra``: thread_ts…)."""
    return {
        "type": "app_mention",
        "text": text,
        "user": user,
        "channel": channel,
        "ts": ts,
        "event_ts": ts,
        **extra,
    }


def slash_command(
    command: str, text: str, *, user: str, channel: str, trigger_id: str, response_url: str
) -> Payload:
    """A slash command payload (form-encode it for HTTP with ``urlencode``)."""
    return {
        "command": command,
        "text": text,
        "user_id": user,
        "channel_id": channel,
        "team_id": "T1",
        "trigger_id": trigger_id,
        "response_url": response_url,
    }


def block_action(message: PostedMessage, action: Payload, *, user: str, team_id: str = "T1") -> Payload:
    """A ``block_actions`` payload: ``user`` pressed ``action`` (with its action_id and value) on a
    button of ``message``. Slack posts it form-encoded as ``payload=<json>`` (``interaction_body``).
    """
    return {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "team_id": team_id},
        "api_app_id": "A1",
        "token": "legacy-verification-token",
        "trigger_id": f"trigger-{message.ts}",
        "container": {"type": "message", "message_ts": message.ts, "channel_id": message.channel},
        "channel": {"id": message.channel, "name": "directmessage"},
        "message": {"type": "message", "ts": message.ts, "text": message.text, "blocks": message.blocks},
        "actions": [{"block_id": "b1", "action_ts": str(time.time()), **action}],
    }


def interaction_body(payload: Payload) -> bytes:
    """An interactivity payload as Slack posts it: form-encoded ``payload=<json>``."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def form_body(payload: Payload) -> bytes:
    """A payload as the form-encoded body of a slash command request."""
    return urlencode(payload).encode()

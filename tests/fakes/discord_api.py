"""FakeDiscord: a local Discord REST API and gateway on 127.0.0.1 that the real discord.py talks to.

Point discord.py at it with ``discord.http.Route.BASE = fake.api_url`` and
``DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)`` (``GET /gateway/bot`` answers
with the same URL, so sharded clients find it too).

REST: every request is recorded (``calls``); it answers login and application info, command sync,
channel messages (create, edit), typing, interaction callbacks and webhook follow-ups, rejects
empty or over-2,000-character content like Discord does, honours ``enforce_nonce`` (a message posted
again with the nonce of one posted in the last minutes returns that message, creating none), and can
answer the next calls to a route with 429 + ``retry_after`` (``rate_limit``).

Gateway: HELLO, IDENTIFY -> READY (with ``resume_gateway_url`` pointing back here) and one
GUILD_CREATE per guild, heartbeat ACKs, numbered dispatches (``dispatch``), a dropped connection
(``drop_connection``) and RESUME with replay of the events after the client's sequence, or from an
earlier one to imitate Discord delivering an event twice. Frames are compressed (zstd-stream or
zlib-stream) when the client asks for it, as discord.py does by default (zstd when ``zstandard`` is
installed).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import socket
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import zstandard
from aiohttp import WSMsgType, web

Payload = dict[str, Any]

BOT_ID = 1_100_000_000_000_000_001
"""The bot user; also the application id, as for every real bot."""
USER_ID = 1_100_000_000_000_000_002
OTHER_BOT_ID = 1_100_000_000_000_000_003
GUILD_ID = 1_100_000_000_000_000_100
GENERAL_ID = 1_100_000_000_000_000_101
"""A guild text channel where the bot answers only when mentioned."""
BOTS_ID = 1_100_000_000_000_000_102
"""A guild text channel the tests configure as a bot channel."""
THREAD_ID = 1_100_000_000_000_000_103
"""A public thread in GENERAL_ID."""
DM_ID = 1_100_000_000_000_000_200
"""The DM channel between USER_ID and the bot."""
CONTENT_LIMIT = 2000
NONCE_MEMORY_S = 5 * 60.0
"""How long Discord remembers a nonce for ``enforce_nonce`` ("the past few minutes")."""
HEARTBEAT_MS = 41_250


@dataclass(frozen=True, slots=True)
class Call:
    """One REST request as the fake received it, and the status it answered."""

    method: str
    path: str
    """Below the API base, e.g. ``/channels/123/messages``."""
    json: Any
    status: int
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True, slots=True)
class GatewayConnection:
    """One websocket connection to the fake gateway."""

    path: str
    """"/" for a fresh session, "/resume" when the client followed ``resume_gateway_url``."""
    compressed: bool
    """True when the client asked for zstd-stream or zlib-stream transport compression (and got it)."""


@dataclass(slots=True)
class RateLimit:
    """Answer the next ``times`` calls matching ``method`` and ``path`` (a regex) with 429."""

    method: str
    path: str
    times: int
    retry_after: float


@dataclass(slots=True)
class _Connection:
    socket: web.WebSocketResponse
    compressor: Callable[[bytes], bytes] | None = None

    async def send(self, payload: Payload) -> None:
        data = json.dumps(payload)
        if self.compressor is None:
            await self.socket.send_str(data)
        else:
            await self.socket.send_bytes(self.compressor(data.encode()))


def user(user_id: int, name: str, *, bot: bool = False) -> Payload:
    """A user object."""
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": None,
        "avatar": None,
        "bot": bot,
    }


BOT = user(BOT_ID, "chatwright", bot=True)
HUMAN = user(USER_ID, "alice")
OTHER_BOT = user(OTHER_BOT_ID, "otherbot", bot=True)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _channel(channel_id: int, name: str, **extra: Any) -> Payload:
    return {
        "id": str(channel_id),
        "type": 0,
        "name": name,
        "guild_id": str(GUILD_ID),
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        **extra,
    }


def _thread(thread_id: int, parent_id: int, name: str) -> Payload:
    metadata = {
        "archived": False,
        "auto_archive_duration": 1440,
        "archive_timestamp": _now(),
        "locked": False,
    }
    return _channel(
        thread_id,
        name,
        type=11,
        parent_id=str(parent_id),
        owner_id=str(USER_ID),
        message_count=1,
        member_count=1,
        thread_metadata=metadata,
    )


def _guild() -> Payload:
    everyone = {"id": str(GUILD_ID), "name": "@everyone", "permissions": "0", "position": 0, "color": 0}
    return {
        "id": str(GUILD_ID),
        "name": "test guild",
        "owner_id": str(USER_ID),
        "unavailable": False,
        "member_count": 2,
        "large": False,
        "features": [],
        "emojis": [],
        "stickers": [],
        "roles": [{**everyone, "hoist": False, "managed": False, "mentionable": False}],
        "members": [],
        "channels": [_channel(GENERAL_ID, "general"), _channel(BOTS_ID, "bots")],
        "threads": [_thread(THREAD_ID, GENERAL_ID, "a thread")],
    }


class FakeDiscord:
    """``async with FakeDiscord() as fake:`` serves ``fake.api_url`` and ``fake.gateway_url``."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: dict[int, Payload] = {}
        """Messages the bot created (in channels or as follow-ups), by id, as last edited."""
        self.identifies: list[Payload] = []
        self.resumes: list[Payload] = []
        self.connections: list[GatewayConnection] = []
        self.replayed: list[int] = []
        """Sequence numbers sent again on a RESUME."""
        self._ids = itertools.count(1_200_000_000_000_000_000)
        self._rate_limits: list[RateLimit] = []
        self._interaction_channels: dict[str, int] = {}
        self.expired_tokens: set[str] = set()
        """Interaction tokens Discord no longer takes follow-ups for (404 Unknown Webhook)."""
        self._nonces: dict[str, tuple[int, float]] = {}
        self._session_id = ""
        self._sequence = 0
        self._events: list[Payload] = []
        self._replay_from: int | None = None
        self._connection: _Connection | None = None
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        self.api_url = f"http://127.0.0.1:{port}/api/v10"
        self.gateway_url = f"ws://127.0.0.1:{port}/"
        app = web.Application()
        app.router.add_get("/", self._gateway)
        app.router.add_get("/resume", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)

    async def __aenter__(self) -> Self:
        await self._runner.setup()
        await web.SockSite(self._runner, self._socket).start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._runner.cleanup()
        self._socket.close()

    # -- what tests do ------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while a client holds an identified or resumed gateway session."""
        return self._connection is not None

    async def dispatch(self, event: str, data: Payload) -> int:
        """Send a gateway event (kept for replay even while disconnected); returns its sequence."""
        self._sequence += 1
        payload = {"op": 0, "t": event, "s": self._sequence, "d": data}
        self._events.append(payload)
        if self._connection is not None:
            await self._connection.send(payload)
        return self._sequence

    async def drop_connection(self, replay_from: int | None = None) -> None:
        """Close the gateway connection; on RESUME, replay events after ``replay_from`` too."""
        self._replay_from = replay_from
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.socket.close(code=4000, message=b"dropped by the test")

    def rate_limit(self, method: str, path: str, times: int = 1, retry_after: float = 0.2) -> None:
        """Answer the next ``times`` calls to ``method path`` (a regex) with 429."""
        self._rate_limits.append(RateLimit(method, path, times, retry_after))

    def calls_to(self, method: str, path: str) -> list[Call]:
        """Recorded calls whose path fully matches the regex ``path``."""
        return [call for call in self.calls if call.method == method and re.fullmatch(path, call.path)]

    def contents_in(self, channel_id: int) -> list[str]:
        """The current text of each message the bot created in ``channel_id``, oldest first."""
        return [m["content"] for m in self.messages.values() if m["channel_id"] == str(channel_id)]

    async def until(self, condition: Callable[[], object], timeout: float = 10.0) -> None:
        """Wait until ``condition()`` is true."""
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.01)

    # -- event payloads -----------------------------------------------------------------------

    def message(
        self,
        content: str,
        *,
        channel_id: int = DM_ID,
        author: Payload = HUMAN,
        in_guild: bool = False,
        mentions: tuple[Payload, ...] = (),
    ) -> Payload:
        """A MESSAGE_CREATE payload (a DM unless ``in_guild``)."""
        data = self._message_object(channel_id, content, author, mentions=list(mentions))
        if in_guild:
            member = {"roles": [], "joined_at": _now(), "deaf": False, "mute": False, "flags": 0}
            data |= {"guild_id": str(GUILD_ID), "member": member}
        return data

    def slash_command(self, name: str, text: str, *, channel_id: int = GENERAL_ID) -> Payload:
        """An INTERACTION_CREATE payload: ``/name text`` used by USER_ID in a guild text channel."""
        interaction_id, token = next(self._ids), f"token-{next(self._ids)}"
        self._interaction_channels[token] = channel_id
        member = {"user": HUMAN, "roles": [], "joined_at": _now(), "deaf": False, "mute": False, "flags": 0}
        return {
            "id": str(interaction_id),
            "application_id": str(BOT_ID),
            "type": 2,
            "token": token,
            "version": 1,
            "guild_id": str(GUILD_ID),
            "channel_id": str(channel_id),
            "channel": _channel(channel_id, "general"),
            "member": {**member, "permissions": "0"},
            "data": {
                "id": str(next(self._ids)),
                "name": name,
                "type": 1,
                "options": [{"name": "text", "type": 3, "value": text}],
            },
            "app_permissions": "0",
            "locale": "en-US",
            "attachment_size_limit": 8_388_608,
            "entitlements": [],
            "authorizing_integration_owners": {},
        }

    def reaction(self, message_id: int, emoji: str, *, channel_id: int, author_id: int = BOT_ID) -> Payload:
        """A MESSAGE_REACTION_ADD payload: USER_ID reacts to a message by ``author_id``."""
        return {
            "user_id": str(USER_ID),
            "channel_id": str(channel_id),
            "message_id": str(message_id),
            "message_author_id": str(author_id),
            "emoji": {"id": None, "name": emoji},
            "burst": False,
            "type": 0,
        }

    def reaction_removal(self, message_id: int, emoji: str, *, channel_id: int) -> Payload:
        """A MESSAGE_REACTION_REMOVE payload: USER_ID takes a reaction back (it names no author)."""
        payload = self.reaction(message_id, emoji, channel_id=channel_id)
        del payload["message_author_id"], payload["burst"]
        return payload

    def _message_object(self, channel_id: int, content: str, author: Payload, **extra: Any) -> Payload:
        return {
            "id": str(next(self._ids)),
            "channel_id": str(channel_id),
            "author": author,
            "content": content,
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "components": [],
            **extra,
        }

    # -- gateway ------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket_ = web.WebSocketResponse()
        await socket_.prepare(request)
        compressor = _compressor(request.query.get("compress", ""))
        self.connections.append(GatewayConnection(request.path, compressor is not None))
        connection = _Connection(socket_, compressor)
        await connection.send({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_MS}})
        async for frame in socket_:
            if frame.type is not WSMsgType.TEXT:
                continue
            payload = json.loads(frame.data)
            if payload["op"] == 1:
                await connection.send({"op": 11})
            elif payload["op"] == 2:
                await self._identify(connection, payload["d"])
            elif payload["op"] == 6:
                await self._resume(connection, payload["d"])
        if self._connection is connection:
            self._connection = None
        return socket_

    async def _identify(self, connection: _Connection, identify: Payload) -> None:
        self.identifies.append(identify)
        self._session_id = f"session-{len(self.identifies)}"
        self._sequence, self._events = 1, []
        ready = {
            "v": 10,
            "user": {**BOT, "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
            "session_id": self._session_id,
            "resume_gateway_url": f"{self.gateway_url}resume",
            "application": {"id": str(BOT_ID), "flags": 0},
        }
        await connection.send({"op": 0, "t": "READY", "s": self._sequence, "d": ready})
        self._connection = connection
        await self.dispatch("GUILD_CREATE", _guild())

    async def _resume(self, connection: _Connection, resume: Payload) -> None:
        self.resumes.append(resume)
        if resume["session_id"] != self._session_id:
            await connection.send({"op": 9, "d": False})
            return
        since = resume["seq"] if self._replay_from is None else min(resume["seq"], self._replay_from)
        for event in self._events:
            if event["s"] > since:
                self.replayed.append(event["s"])
                await connection.send(event)
        self._connection = connection
        await self.dispatch("RESUMED", {})

    # -- REST ---------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        method, path = request.method, "/" + request.match_info["path"]
        body = await request.json() if request.content_type == "application/json" else None
        limit = next(
            (r for r in self._rate_limits if r.times and r.method == method and re.fullmatch(r.path, path)),
            None,
        )
        if limit is not None:
            limit.times -= 1
            self.calls.append(Call(method, path, body, 429))
            answer = {
                "message": "You are being rate limited.",
                "retry_after": limit.retry_after,
                "global": False,
            }
            headers = {
                "Via": "1.1 google",
                "Retry-After": str(limit.retry_after),
                "X-RateLimit-Scope": "user",
            }
            return _json_response(answer, 429, headers)
        status, answer = self._answer(method, path, body)
        self.calls.append(Call(method, path, body, status))
        if answer is None:
            return web.Response(status=status)
        return _json_response(answer, status)

    def _answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        """Status and JSON body for one REST call, like Discord would answer it."""
        if (method, path) == ("GET", "/users/@me"):
            return 200, BOT
        if (method, path) == ("GET", "/oauth2/applications/@me"):
            return 200, self._application()
        if method == "GET" and path in ("/gateway", "/gateway/bot"):
            limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
            return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}
        if method == "PUT" and path == f"/applications/{BOT_ID}/commands":
            return 200, [
                {**command, "id": str(next(self._ids)), "application_id": str(BOT_ID), "version": "1"}
                for command in body
            ]
        if method == "POST" and re.fullmatch(r"/channels/\d+/typing", path):
            return 204, None
        if method == "POST" and (match := re.fullmatch(r"/channels/(\d+)/messages", path)):
            return self._create(int(match[1]), body)
        if method == "PATCH" and (
            match := re.fullmatch(r"/(?:channels/\d+|webhooks/\d+/[^/]+)/messages/(\d+)", path)
        ):
            return self._edit(int(match[1]), body)
        if method == "POST" and (match := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path)):
            interaction = {"id": match[1], "type": 2, "response_message_loading": body["type"] == 5}
            return 200, {"interaction": interaction, "resource": {"type": body["type"]}}
        if (match := re.fullmatch(rf"/webhooks/{BOT_ID}/([^/]+)(?:/.*)?", path)) and match[
            1
        ] in self.expired_tokens:
            return 404, {"message": "Unknown Webhook", "code": 10015}
        if method == "POST" and (match := re.fullmatch(rf"/webhooks/{BOT_ID}/([^/]+)", path)):
            return self._create(self._interaction_channels.get(match[1], 0), body)
        if (method, path) == ("POST", "/users/@me/channels") and str(body["recipient_id"]) == str(USER_ID):
            return 200, {"id": str(DM_ID), "type": 1, "last_message_id": None, "recipients": [HUMAN]}
        return 404, {"message": "404: Not Found", "code": 0}

    def _create(self, channel_id: int, body: Payload) -> tuple[int, Payload]:
        problem = _content_problem(body.get("content"))
        if problem is not None:
            return 400, problem
        nonce = str(body["nonce"]) if body.get("enforce_nonce") and "nonce" in body else None
        if nonce is not None and nonce in self._nonces:
            message_id, at = self._nonces[nonce]
            if time.monotonic() - at < NONCE_MEMORY_S and message_id in self.messages:
                return 200, self.messages[message_id]
        message = self._message_object(channel_id, body["content"], BOT)
        if "message_reference" in body:
            message["message_reference"] = body["message_reference"]
        if nonce is not None:
            message["nonce"] = nonce
            self._nonces[nonce] = (int(message["id"]), time.monotonic())
        self.messages[int(message["id"])] = message
        return 200, message

    def _edit(self, message_id: int, body: Payload) -> tuple[int, Payload]:
        if message_id not in self.messages:
            return 404, {"message": "Unknown Message", "code": 10008}
        problem = _content_problem(body.get("content"))
        if problem is not None:
            return 400, problem
        message = self.messages[message_id]
        message |= {"content": body["content"], "edited_timestamp": _now()}
        return 200, message

    @staticmethod
    def _application() -> Payload:
        return {
            "id": str(BOT_ID),
            "name": "chatwright",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": HUMAN,
            "verify_key": "0" * 64,
            "flags": 0,
        }


def _compressor(kind: str) -> Callable[[bytes], bytes] | None:
    """One frame's bytes in the named transport compression (a stream across frames), or None."""
    if kind == "zstd-stream":
        zstd = zstandard.ZstdCompressor().compressobj()
        return lambda data: zstd.compress(data) + zstd.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    if kind == "zlib-stream":
        deflate = zlib.compressobj()
        return lambda data: deflate.compress(data) + deflate.flush(zlib.Z_SYNC_FLUSH)
    return None


def _json_response(answer: Any, status: int, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with Discord's exact content type (discord.py parses nothing else)."""
    content_type = {"Content-Type": "application/json"}
    return web.Response(
        body=json.dumps(answer).encode(), status=status, headers=content_type | (headers or {})
    )


def _content_problem(content: object) -> Payload | None:
    """Discord's 400 for missing, empty or over-long content, else None."""
    if isinstance(content, str) and content.strip() and len(content) <= CONTENT_LIMIT:
        return None
    return {"message": "Invalid Form Body", "code": 50035, "errors": {"content": "BASE_TYPE_MAX_LENGTH"}}

"""FakeDiscord: a local Discord REST API and gateway on 127.0.0.1 that the real discord.py talks to.

Point the adapter at it with the settings ``discord_api_url=fake.api_url`` and
``discord_gateway_url=fake.gateway_url`` (``fake.settings()``; ``GET /gateway/bot`` answers with
the same URL, so sharded clients find it too). This module is the REST half and the event
payloads tests dispatch; the gateway is ``FakeGateway`` and the fixed ids and objects are in
``discord_objects``.

REST: every request is recorded (``calls``); it answers login and application info, command sync,
channel messages (create, edit; their components are kept, and ``button_press`` presses one),
typing, interaction callbacks and webhook follow-ups, rejects empty or over-2,000-character content
like Discord does, honours ``enforce_nonce`` (a message posted
again with the nonce of one posted in the last minutes returns that message, creating none), and can
answer the next calls to a route with 429 + ``retry_after`` (``rate_limit``).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from tests.fakes.discord_gateway import FakeGateway
from tests.fakes.discord_objects import (
    BOT,
    BOT_ID,
    BOTS_ID,
    DM_ID,
    GENERAL_ID,
    GUILD_ID,
    HUMAN,
    USER_ID,
    Payload,
    text_channel,
    timestamp,
)

CONTENT_LIMIT = 2000
NONCE_MEMORY_S = 5 * 60.0
"""How long Discord remembers a nonce for ``enforce_nonce`` ("the past few minutes")."""


@dataclass(frozen=True, slots=True)
class Call:
    """One REST request as the fake received it, and the status it answered."""

    method: str
    path: str
    """Below the API base, e.g. ``/channels/123/messages``."""
    json: Any
    status: int
    at: float = field(default_factory=time.monotonic)


@dataclass(slots=True)
class RateLimit:
    """Answer the next ``times`` calls matching ``method`` and ``path`` (a regex) with 429."""

    method: str
    path: str
    times: int
    retry_after: float


class FakeDiscord(FakeGateway):
    """``async with FakeDiscord() as fake:`` serves ``fake.api_url`` and ``fake.gateway_url``."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        super().__init__(gateway_url=f"ws://127.0.0.1:{port}/")
        self.api_url = f"http://127.0.0.1:{port}/api/v10"
        self.calls: list[Call] = []
        self.messages: dict[int, Payload] = {}
        """Messages the bot created (in channels or as follow-ups), by id, as last edited."""
        self._ids = itertools.count(1_200_000_000_000_000_000)
        self._rate_limits: list[RateLimit] = []
        self._interaction_channels: dict[str, int] = {}
        self.expired_tokens: set[str] = set()
        """Interaction tokens Discord no longer takes follow-ups for (404 Unknown Webhook)."""
        self._nonces: dict[str, tuple[int, float]] = {}
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

    def settings(self) -> dict[str, str]:
        """The settings that point discord.py (through the adapter) at this fake."""
        return {"discord_api_url": self.api_url, "discord_gateway_url": self.gateway_url}

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
            member = {"roles": [], "joined_at": timestamp(), "deaf": False, "mute": False, "flags": 0}
            data |= {"guild_id": str(GUILD_ID), "member": member}
        return data

    def slash_command(
        self, name: str, text: str, *, channel_id: int = GENERAL_ID, options: list[Payload] | None = None
    ) -> Payload:
        """An INTERACTION_CREATE payload: ``/name text`` used by USER_ID in a guild text channel.

        ``options`` replace the one ``text`` option (for a command with typed options).
        """
        interaction_id, token = next(self._ids), f"token-{next(self._ids)}"
        self._interaction_channels[token] = channel_id
        member = {
            "user": HUMAN,
            "roles": [],
            "joined_at": timestamp(),
            "deaf": False,
            "mute": False,
            "flags": 0,
        }
        return {
            "id": str(interaction_id),
            "application_id": str(BOT_ID),
            "type": 2,
            "token": token,
            "version": 1,
            "guild_id": str(GUILD_ID),
            "channel_id": str(channel_id),
            "channel": text_channel(channel_id, "general"),
            "member": {**member, "permissions": "0"},
            "data": {
                "id": str(next(self._ids)),
                "name": name,
                "type": 1,
                "options": options if options is not None else [{"name": "text", "type": 3, "value": text}],
            },
            "app_permissions": "0",
            "locale": "en-US",
            "attachment_size_limit": 8_388_608,
            "entitlements": [],
            "authorizing_integration_owners": {},
        }

    def custom_ids(self, message_id: int) -> list[str]:
        """The custom_ids of the buttons on one of the bot's messages, in order."""
        rows = self.messages[message_id]["components"]
        return [button["custom_id"] for row in rows for button in row["components"] if "custom_id" in button]

    def button_press(self, message_id: int, custom_id: str, *, author: Payload = HUMAN) -> Payload:
        """An INTERACTION_CREATE payload: ``author`` presses a button on one of the bot's messages.

        A message in a guild channel is pressed by a guild member; one in a DM by ``author``.
        """
        message = self.messages[message_id]
        channel_id = int(message["channel_id"])
        interaction_id, token = next(self._ids), f"token-{next(self._ids)}"
        self._interaction_channels[token] = channel_id
        in_guild = channel_id in (GENERAL_ID, BOTS_ID)
        who: Payload = (
            {
                "member": {
                    "user": author,
                    "roles": [],
                    "joined_at": timestamp(),
                    "deaf": False,
                    "mute": False,
                    "flags": 0,
                    "permissions": "0",
                },
                "guild_id": str(GUILD_ID),
                "channel": text_channel(channel_id, "general"),
            }
            if in_guild
            else {"user": author, "channel": {"id": str(channel_id), "type": 1, "recipients": [author]}}
        )
        return {
            "id": str(interaction_id),
            "application_id": str(BOT_ID),
            "type": 3,
            "token": token,
            "version": 1,
            "channel_id": str(channel_id),
            "message": message,
            "data": {"component_type": 2, "custom_id": custom_id},
            "app_permissions": "0",
            "locale": "en-US",
            "attachment_size_limit": 8_388_608,
            "entitlements": [],
            "authorizing_integration_owners": {},
            **who,
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
            "timestamp": timestamp(),
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
        message["components"] = body.get("components", [])
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
        message |= {"content": body["content"], "edited_timestamp": timestamp()}
        if "components" in body:
            message["components"] = body["components"]
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

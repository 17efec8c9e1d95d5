"""FakeGateway: the Discord gateway websocket half of FakeDiscord, with its sessions and events.

HELLO, IDENTIFY -> READY (with ``resume_gateway_url`` pointing back here) and one GUILD_CREATE per
guild, heartbeat ACKs, numbered dispatches (``dispatch``), a dropped connection
(``drop_connection``, with a close code) and RESUME with replay of the events after the client's
sequence, or from an earlier one to imitate Discord delivering an event twice. Frames are
compressed (zstd-stream or zlib-stream) when the client asks for it, as discord.py does by
default (zstd when ``zstandard`` is installed).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import zstandard
from aiohttp import WSMsgType, web

from tests.fakes.discord_objects import BOT, BOT_ID, GUILD_ID, Payload, guild

HEARTBEAT_MS = 41_250


@dataclass(frozen=True, slots=True)
class GatewayConnection:
    """One websocket connection to the fake gateway."""

    path: str
    """"/" for a fresh session, "/resume" when the client followed ``resume_gateway_url``."""
    compressed: bool
    """True when the client asked for zstd-stream or zlib-stream transport compression (and got it)."""


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


class FakeGateway:
    """Serves gateway websockets (route ``_gateway``) for clients told to connect to ``gateway_url``."""

    def __init__(self, gateway_url: str) -> None:
        self.gateway_url = gateway_url
        self.identifies: list[Payload] = []
        self.resumes: list[Payload] = []
        self.connections: list[GatewayConnection] = []
        self.replayed: list[int] = []
        """Sequence numbers sent again on a RESUME."""
        self._session_id = ""
        self._sequence = 0
        self._events: list[Payload] = []
        self._replay_from: int | None = None
        self._connection: _Connection | None = None

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

    async def drop_connection(self, replay_from: int | None = None, *, code: int = 4000) -> None:
        """Close the gateway connection; on RESUME, replay events after ``replay_from`` too.

        ``code`` 4000 is "unknown error, reconnect"; 4004 ("authentication failed") is one after
        which Discord expects no reconnect (discord.py closes the client).
        """
        self._replay_from = replay_from
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.socket.close(code=code, message=b"dropped by the test")

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
        await self.dispatch("GUILD_CREATE", guild())

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


def _compressor(kind: str) -> Callable[[bytes], bytes] | None:
    """One frame's bytes in the named transport compression (a stream across frames), or None."""
    if kind == "zstd-stream":
        zstd = zstandard.ZstdCompressor().compressobj()
        return lambda data: zstd.compress(data) + zstd.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    if kind == "zlib-stream":
        deflate = zlib.compressobj()
        return lambda data: deflate.compress(data) + deflate.flush(zlib.Z_SYNC_FLUSH)
    return None

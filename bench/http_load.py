"""A lean HTTP/1.1 client for load generation: keep-alive connections over asyncio streams.

The load generator shares the machine's two cores with the bot it measures. httpx spent about
as much CPU per request as the bot under test (6 ms), so a burst measured the generator as
much as the bot; this client spends a small fraction of that.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

_Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class LeanHttpClient:
    """POSTs to one host over a pool of keep-alive connections (responses need Content-Length)."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._idle: list[_Connection] = []

    async def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> int:
        """Send one request; return the response's status once its body is read."""
        reader, writer = self._idle.pop() if self._idle else await self._connect()
        lines = [f"POST {path} HTTP/1.1", f"Host: {self._host}:{self._port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items() if name.lower() != "content-length"]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        pairs = (line.partition(":") for line in head[1:])
        fields = {name.lower(): value.strip() for name, _, value in pairs}
        await reader.readexactly(int(fields["content-length"]))
        if fields.get("connection", "").lower() == "close":
            writer.close()
        else:
            self._idle.append((reader, writer))
        return int(head[0].split()[1])

    async def aclose(self) -> None:
        """Close every idle connection."""
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()

    async def _connect(self) -> _Connection:
        return await asyncio.open_connection(self._host, self._port)

"""The supervised gateway connection: re-established with backoff when discord.py gives up on it.

discord.py reconnects by itself after network errors and the close codes Discord asks it to
resume after. An exception it does not expect (a gateway event it fails to parse, for one) ends
``Client.connect`` instead, and the bot would be deaf from then on. The supervisor logs it, closes
the broken websocket and connects again after a backoff (a fresh session). Only a closed client
(a bad token, a missing privileged intent) is down for good; ``health`` then says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bots.health import AdapterState, Health

log = logging.getLogger(__name__)

FIRST_DELAY_S = 1.0
MAX_DELAY_S = 60.0
STEADY_S = 60.0
"""A connection that lasted this long resets the backoff to its first delay."""
BROKEN_SOCKET = 4000
"""The close code for the abandoned websocket (not 1000, which would end the session)."""


def use_endpoints(api_url: str, gateway_url: str) -> None:
    """Point discord.py's REST calls and gateway at the given URLs (empty: keep its own).

    discord.py reads both from class attributes, so this holds for every client in the process.
    """
    if api_url:
        Route.BASE = api_url.rstrip("/")
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class SupervisedGateway:
    """Runs ``client.connect()`` until the client is closed, reconnecting after unexpected errors."""

    def __init__(self, client: discord.Client) -> None:
        self.first_delay_s = FIRST_DELAY_S
        self.max_delay_s = MAX_DELAY_S
        self.restarts = 0
        """How many times the connection was re-established after it ended on an error."""
        self._client = client
        self._task: asyncio.Task[None] | None = None
        self._waiting = False
        self._last_error = ""

    def start(self) -> None:
        """Connect in the background (the client is logged in)."""
        self._task = asyncio.create_task(self._run(), name="discord-gateway")

    async def stop(self) -> None:
        """Wait for the connection to end (the caller closed the client)."""
        if self._task is not None:
            if self._waiting:
                self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def health(self) -> Health:
        """Starting, up, reconnecting (after an error, in backoff) or down for good."""
        if self._task is None:
            return Health(AdapterState.STARTING)
        if self._task.done() or self._client.is_closed():
            return Health(AdapterState.DOWN, self._last_error or "the Discord client was closed")
        if self._waiting:
            return Health(AdapterState.RECONNECTING, self._last_error)
        ws = self._client.ws
        if ws is None or not ws.open or not self._client.is_ready():
            return Health(
                AdapterState.STARTING if not self.restarts else AdapterState.RECONNECTING, self._last_error
            )
        return Health(AdapterState.UP)

    async def _run(self) -> None:
        delay = self.first_delay_s
        while not self._client.is_closed():
            began = time.monotonic()
            try:
                await self._client.connect()
            except Exception as error:
                self._last_error = f"{type(error).__name__}: {error}"
                if self._client.is_closed():
                    log.error("Discord gateway connection ended for good: %s", self._last_error)
                    return
                log.exception("Discord gateway connection ended; reconnecting in %.1f s", delay)
            else:
                return  # connect() returns once the client is closed
            if time.monotonic() - began > STEADY_S:
                delay = self.first_delay_s
            await self._abandon_socket()
            self._waiting = True
            try:
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            finally:
                self._waiting = False
            delay = min(delay * 2, self.max_delay_s)
            self.restarts += 1

    async def _abandon_socket(self) -> None:
        """Close the websocket the failed connection left open (its heartbeat would keep it alive)."""
        ws = self._client.ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close(code=BROKEN_SOCKET)

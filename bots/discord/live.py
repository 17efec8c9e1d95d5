"""A Discord message that shows a reply while it is generated, edited at most once per interval."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import discord

from bots.discord.paging import paginate

log = logging.getLogger(__name__)

SendFirst = Callable[[str], Awaitable[discord.Message]]
"""Posts the message that later edits update."""


class LiveMessage:
    """Collects streamed pieces; posts the text so far, then edits it, never faster than the interval.

    Discord allows a handful of edits per channel every few seconds; one per second stays clear of
    that while still looking live. Only the first page is shown; the final reply is paged by the sink.
    """

    def __init__(self, send_first: SendFirst, interval_s: float) -> None:
        self.text = ""
        self._send_first = send_first
        self._interval_s = interval_s
        self._message: discord.Message | None = None
        self._shown = ""
        self._changed = asyncio.Event()
        self._finishing = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def append(self, piece: str) -> None:
        """Add generated text; the next update shows it."""
        self.text += piece
        self._changed.set()
        if self._task is None:
            self._task = asyncio.create_task(self._show_changes(), name="discord-live-message")

    async def finish(self) -> discord.Message | None:
        """Stop updating (after any update in flight) and return the posted message, if any."""
        self._finishing.set()
        self._changed.set()
        if self._task is not None:
            await self._task
        return self._message

    async def _show_changes(self) -> None:
        while True:
            await self._changed.wait()
            if self._finishing.is_set():
                return
            self._changed.clear()
            try:
                await self._show(paginate(self.text)[0])
            except discord.HTTPException as error:
                log.warning(
                    "live update of a Discord reply failed (%s); the final reply still follows", error
                )
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._finishing.wait(), self._interval_s)

    async def _show(self, preview: str) -> None:
        if not preview.strip() or preview == self._shown:
            return
        if self._message is None:
            self._message = await self._send_first(preview)
        else:
            await self._message.edit(content=preview)
        self._shown = preview

"""The progress indicator: a placeholder message, edited with the answer as it streams.

Slack gives bots no typing indicator outside its Assistant API, so a late answer shows as a "…"
message, posted once the answer has taken ``show_after_s`` (or, with streamed text, that text),
then edited at most once every ``update_every_s`` while text streams in; the first piece of the
final answer replaces it. A fast answer is posted directly, without a placeholder or edits.

All progress calls of one sink (placeholders and their edits) share ``calls_per_s``: in a burst of
slow answers the placeholders queue for it, and one whose answer is ready first is never posted.
Without the cap, a burst of 200 events/s makes 200 placeholder posts/s that compete with the acks
for the event loop (and that Slack would rate-limit anyway).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.render import MESSAGE_CHARS, render_for_slack, split_for_slack

log = logging.getLogger(__name__)

PLACEHOLDER = "…"
STILL_WRITING = " …"


@dataclass(frozen=True, slots=True)
class ProgressTiming:
    """When the placeholder appears, and how often it may be edited (chat.update is rate limited)."""

    show_after_s: float = 1.0
    update_every_s: float = 1.0
    calls_per_s: float = 10.0
    """Progress calls (placeholder posts and edits) per second, across all messages of a sink."""


class CallRate:
    """Spaces calls at least ``1 / per_second`` apart, in arrival order.

    A caller cancelled while waiting gives up its turn without using it.
    """

    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second
        self._next = 0.0
        self._turns = asyncio.Lock()

    async def turn(self) -> None:
        """Return when the next call may be made."""
        async with self._turns:
            loop = asyncio.get_running_loop()
            await asyncio.sleep(self._next - loop.time())
            self._next = loop.time() + self._interval


class ProgressMessage:
    """The placeholder of one message's answer; starts its own clock on creation."""

    def __init__(
        self,
        client: AsyncWebClient,
        channel: str,
        thread: str,
        timing: ProgressTiming,
        rate: CallRate,
        *,
        auth: dict[str, Any] | None = None,
    ) -> None:
        """``auth``: the ``token`` argument of its calls (a team's token), if not the client's."""
        self._client = client
        self._auth = auth or {}
        self._rate = rate
        self._channel = channel
        self._thread = thread or None
        self._timing = timing
        self._text = ""
        self._ts: str | None = None
        self._finished = asyncio.Event()
        self._task = asyncio.create_task(self._show())

    def add(self, piece: str) -> None:
        """Append a streamed piece; it is shown at the next edit."""
        self._text += piece

    async def finish(self) -> str | None:
        """Stop showing progress; the placeholder's ts, if one was posted (for the answer to reuse)."""
        self._finished.set()
        await self._task
        return self._ts

    async def _show(self) -> None:
        try:
            if await self._finished_within(self._timing.show_after_s) or not await self._turn():
                return
            posted = await self._client.chat_postMessage(
                **self._auth, channel=self._channel, thread_ts=self._thread, text=self._preview(self._text)
            )
            self._ts = posted.get("ts")
            shown = self._text
            while self._ts is not None and not await self._finished_within(self._timing.update_every_s):
                if self._text != shown and await self._turn():
                    shown = self._text
                    await self._client.chat_update(
                        **self._auth, channel=self._channel, ts=self._ts, text=self._preview(shown)
                    )
        except Exception as error:  # noqa: BLE001 - progress is best effort; the answer is delivered anyway
            log.warning("progress message in %s not shown (%s)", self._channel, error)

    async def _turn(self) -> bool:
        """Wait for a turn at the shared call rate; False if the answer came first."""
        turn = asyncio.ensure_future(self._rate.turn())
        finished = asyncio.ensure_future(self._finished.wait())
        await asyncio.wait((turn, finished), return_when=asyncio.FIRST_COMPLETED)
        for waiting in (turn, finished):
            waiting.cancel()
        return turn.done() and not turn.cancelled() and not self._finished.is_set()

    async def _finished_within(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._finished.wait(), seconds)
        return self._finished.is_set()

    @staticmethod
    def _preview(text: str) -> str:
        if not text.strip():
            return PLACEHOLDER
        return split_for_slack(render_for_slack(text), MESSAGE_CHARS - len(STILL_WRITING))[0] + STILL_WRITING

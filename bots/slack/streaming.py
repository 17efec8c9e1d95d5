"""An answer streamed natively into one Slack message: chat.startStream, appendStream, stopStream.

Used in assistant threads, where Slack shows the "is thinking…" status until text arrives. The
stream starts once the answer has taken ``show_after_s`` and some text is there (a fast answer is
posted directly), and is appended to at most once every ``update_every_s``. The final reply ends
it: the rest of its text, the feedback buttons and the reply's metadata key (how a restart finds
the post) go into ``chat.stopStream``. A stream expires after a few minutes; when Slack then answers
``message_not_in_streaming_state``, or the final reply is not the streamed text continued (a skill
checked and changed its draft), the message is replaced with ``chat.update`` instead: one message
either way. A workspace without streaming (``chat.startStream`` refused) gets the reply posted
normally, and the sink stops trying (``unsupported``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.buttons import answer_blocks, end_blocks
from bots.slack.progress import CallRate, ProgressTiming
from conversation import Choice, Message

log = logging.getLogger(__name__)

EXPIRED = "message_not_in_streaming_state"


class NativeStream:
    """The streamed message of one answer; starts its own clock on creation (like ProgressMessage)."""

    def __init__(
        self,
        client: AsyncWebClient,
        message: Message,
        timing: ProgressTiming,
        rate: CallRate,
        *,
        auth: dict[str, Any] | None = None,
    ) -> None:
        """``auth``: the ``token`` argument of its calls (a team's token), if not the client's."""
        self._auth = auth or {}
        self.unsupported = False
        """True once Slack refused to start a stream (not ``EXPIRED``): post normally from now on."""
        self._client = client
        self._message = message
        self._timing = timing
        self._rate = rate
        self._text = ""
        self._sent = ""
        self._ts: str | None = None
        self._expired = False
        self._finished = asyncio.Event()
        self._task = asyncio.create_task(self._stream())

    def add(self, piece: str) -> None:
        """Append a generated piece; it is sent with the next append."""
        self._text += piece

    async def finish(self) -> str | None:
        """Stop appending; the streamed message's ts, if one was started."""
        self._finished.set()
        await self._task
        return self._ts

    async def complete(
        self, text: str, piece: str, metadata: dict[str, Any], *, whole: bool, choices: Sequence[Choice] = ()
    ) -> str | None:
        """End the stream with the reply (``text``; ``piece``: its first rendered piece).

        ``whole``: the piece is the reply's only one. Returns the message's ts, or None when no
        stream was started (then the reply is posted normally).
        """
        ts = await self.finish()
        if ts is None:
            return None
        channel = self._message.channel
        if whole and not self._expired and text.startswith(self._sent):
            try:
                await self._client.chat_stopStream(
                    **self._auth,
                    channel=channel,
                    ts=ts,
                    markdown_text=text[len(self._sent) :] or None,
                    blocks=end_blocks(choices),
                    metadata=metadata,
                )
                return ts
            except SlackApiError as error:
                if error.response.get("error") != EXPIRED:
                    raise
                log.info("stream %s in %s expired; replacing it with chat.update", ts, channel)
        await self._client.chat_update(
            **self._auth,
            channel=channel,
            ts=ts,
            text=piece,
            blocks=answer_blocks(piece, choices),
            metadata=metadata,
        )
        return ts

    async def _stream(self) -> None:
        try:
            if await self._finished_within(self._timing.show_after_s):
                return
            while not self._text.strip():
                if await self._finished_within(self._timing.update_every_s):
                    return
            await self._rate.turn()
            if self._finished.is_set():
                return
            if not await self._start():
                return
            while not await self._finished_within(self._timing.update_every_s):
                if self._text != self._sent and not await self._append():
                    return
        except Exception as error:  # noqa: BLE001 - streaming is best effort; the answer is delivered anyway
            log.warning("stream in %s not shown (%s)", self._message.channel, error)

    async def _start(self) -> bool:
        text, message = self._text, self._message
        try:
            started = await self._client.chat_startStream(
                **self._auth,
                channel=message.channel,
                thread_ts=message.thread,
                markdown_text=text,
                recipient_user_id=message.user,
                recipient_team_id=message.team or None,
            )
        except SlackApiError as error:
            log.warning("Slack refused chat.startStream (%s); answers are posted whole", error)
            self.unsupported = True
            return False
        self._ts, self._sent = str(started["ts"]), text
        return True

    async def _append(self) -> bool:
        text = self._text
        try:
            await self._client.chat_appendStream(
                **self._auth,
                channel=self._message.channel,
                ts=str(self._ts),
                markdown_text=text[len(self._sent) :],
            )
        except SlackApiError as error:
            if error.response.get("error") == EXPIRED:
                self._expired = True
                return False
            raise
        self._sent = text
        return True

    async def _finished_within(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._finished.wait(), seconds)
        return self._finished.is_set()

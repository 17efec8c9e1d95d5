"""The Slack ReplySink: replies posted where their message came from, in pieces Slack accepts."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bots.reply_keys import reply_key
from bots.slack.buttons import answer_blocks
from bots.slack.installs import TeamTokens
from bots.slack.posted import Posted, posted_replies, reply_metadata
from bots.slack.progress import CallRate, ProgressMessage, ProgressTiming
from bots.slack.render import render_reply, split_for_slack
from bots.slack.streaming import NativeStream
from conversation import Message, Reply

log = logging.getLogger(__name__)

_NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})
"""chat.postMessage errors for a slash command used where the bot is not a member; the command's
response_url still reaches that channel (for 30 minutes)."""
RATE_LIMIT_RETRIES = 5
THINKING = "is thinking…"


class SlackSink:
    """Posts each reply in its message's channel and thread; shows progress while an answer is late."""

    def __init__(
        self, client: AsyncWebClient, timing: ProgressTiming | None = None, tokens: TeamTokens | None = None
    ) -> None:
        """``tokens``: each team's bot token (OAuth installs); None: the client's own token."""
        self._tokens = tokens
        self._token_of: dict[str, str] = {}
        """Event id -> the bot token of its team, while the message is in progress here."""
        self._client = client
        self._timing = timing or ProgressTiming()
        self._progress_rate = CallRate(self._timing.calls_per_s)
        self._progress: dict[str, ProgressMessage | NativeStream] = {}
        self._streams_unsupported = False
        self._statuses: set[str] = set()
        """Assistant threads (channel, thread ts) showing "is thinking…"."""
        self._response_urls: dict[str, str] = {}
        self._accepted_here: set[str] = set()
        """Messages accepted by this process and not settled yet: their replies cannot be out yet."""

    def expect(self, message: Message, *, assistant_thread: bool = False, token: str | None = None) -> None:
        """``message`` was accepted: start the clock after which a placeholder shows progress.

        In an assistant thread the answer is streamed natively instead (where the workspace can).
        ``token``: the bot token of its team (Bolt's ``context.bot_token``), when installed by OAuth.
        """
        self._accepted_here.add(message.event_id)
        if token and self._tokens is not None:
            self._token_of[message.event_id] = token
        if assistant_thread and message.thread and not self._streams_unsupported:
            self._progress[message.event_id] = NativeStream(
                self._client, message, self._timing, self._progress_rate, auth=self._auth(message)
            )
        self._progress_of(message)

    async def show_status(self, message: Message, status: str = THINKING) -> None:
        """Show the assistant thread's status (Slack clears it when the bot posts there)."""
        self._statuses.add(message.thread)
        try:
            await self._client.assistant_threads_setStatus(
                **self._auth(message), channel_id=message.channel, thread_ts=message.thread, status=status
            )
        except SlackApiError as error:
            log.warning("status of assistant thread %s not set (%s)", message.thread, error)

    def remember_response_url(self, message: Message, response_url: str) -> None:
        """Keep a slash command's response_url, the way back when the bot is not in the channel."""
        self._response_urls[message.event_id] = response_url

    def forget(self, message: Message) -> None:
        """Drop what was kept for ``message`` (it will not be answered here)."""
        self._response_urls.pop(message.event_id, None)

    async def deliver(self, message: Message, reply: Reply) -> str | None:
        """Post the reply (the first piece into the placeholder, if one is showing).

        The first piece of an answer (not of a notice) carries the 👍/👎 feedback buttons.

        Returns the ts of the first piece's message, the one users react to (None when it went
        through a slash command's response_url, which tells no ts). A reply to a message this
        process did not accept (redelivered after a restart) skips the pieces already posted.
        """
        await self._find_token(message)
        pieces = split_for_slack(render_reply(reply))
        if reply.ephemeral:  # for its asker only: never into the public placeholder (settled removes it)
            for piece in pieces:
                await self._post(message, piece, ephemeral=True)
            return None
        keys = [reply_key(message.event_id, number, reply.text) for number in range(len(pieces))]
        posted = (
            Posted()
            if message.event_id in self._accepted_here
            else await posted_replies(self._client, message, self._auth(message))
        )
        progress = self._progress.pop(message.event_id, None)
        stream = progress if isinstance(progress, NativeStream) else None
        placeholder = await progress.finish() if progress is not None and stream is None else None
        first_ts: str | None = None
        for number, (piece, key) in enumerate(zip(pieces, keys, strict=True)):
            streamed = None
            if stream is not None and number == 0 and key not in posted.keys:
                text, whole = reply.text, len(pieces) == 1
                streamed = await stream.complete(
                    text, piece, reply_metadata(key), whole=whole, choices=reply.choices
                )
                self._streams_unsupported = self._streams_unsupported or stream.unsupported
            orphan = None
            if number == 0 and key not in posted.keys and streamed is None and placeholder is None:
                orphan = posted.adopt(piece, reply.text)
            if key in posted.keys:
                ts: str | None = posted.keys[key]
            elif streamed is not None:
                ts = streamed
            elif orphan is not None:
                ts = await self._take_over(message, orphan, piece, key, reply)
            elif number == 0 and placeholder is not None:
                await self._client.chat_update(
                    **self._auth(message),
                    channel=message.channel,
                    ts=placeholder,
                    text=piece,
                    metadata=reply_metadata(key),
                    blocks=None if reply.notice else answer_blocks(piece, reply.choices),
                )
                ts = placeholder
            else:
                blocks = answer_blocks(piece, reply.choices) if number == 0 and not reply.notice else None
                ts = await self._post(message, piece, key=key, blocks=blocks)
            first_ts = ts if number == 0 else first_ts
        if stream is not None:
            await stream.finish()
        return first_ts

    async def _take_over(self, message: Message, orphan: str, piece: str, key: str, reply: Reply) -> str:
        """Turn a post a crash left (a "…" placeholder or an unfinished stream) into the answer."""
        with contextlib.suppress(SlackApiError):  # a stream still open is ended first
            await self._client.chat_stopStream(**self._auth(message), channel=message.channel, ts=orphan)
        await self._client.chat_update(
            **self._auth(message),
            channel=message.channel,
            ts=orphan,
            text=piece,
            metadata=reply_metadata(key),
            blocks=None if reply.notice else answer_blocks(piece, reply.choices),
        )
        log.info("reply to %s took over post %s left by a previous run", message.event_id, orphan)
        return orphan

    async def stream(self, message: Message, text: str) -> None:
        """Add a generated piece to the progress message."""
        self._progress_of(message).add(text)

    async def settled(self, message: Message) -> None:
        """Remove a placeholder no reply took over (the reply failed or there was none)."""
        self.forget(message)
        self._accepted_here.discard(message.event_id)
        if message.thread in self._statuses:
            self._statuses.discard(message.thread)
            await self.show_status(message, "")
            self._statuses.discard(message.thread)
        progress = self._progress.pop(message.event_id, None)
        placeholder = await progress.finish() if progress is not None else None
        if placeholder is not None:
            try:
                await self._client.chat_delete(**self._auth(message), channel=message.channel, ts=placeholder)
            except SlackApiError as error:
                log.warning("placeholder %s in %s not deleted (%s)", placeholder, message.channel, error)
        self._token_of.pop(message.event_id, None)

    async def tell(self, message: Message, text: str) -> None:
        """Show ``text`` to the message's author only (a problem with what they sent)."""
        auth = self._auth(message)
        if not auth and self._tokens is not None and (token := await self._tokens.token(message.team)):
            auth = {"token": token}
        try:
            await self._client.chat_postEphemeral(
                **auth,
                channel=message.channel,
                user=message.user,
                thread_ts=message.thread or None,
                text=text,
            )
        except SlackApiError as error:
            log.warning("could not tell %s in %s: %r (%s)", message.user, message.channel, text, error)

    async def aclose(self) -> None:
        """Stop every progress message (replies still owed stay in the engine's outbox)."""
        progress, self._progress = list(self._progress.values()), {}
        for shown in progress:
            await shown.finish()

    def _auth(self, message: Message) -> dict[str, Any]:
        """The ``token`` argument for calls about ``message`` (none: the client's own token)."""
        token = self._token_of.get(message.event_id)
        return {} if token is None else {"token": token}

    async def _find_token(self, message: Message) -> None:
        """Look up the team's bot token for a message not in progress here (e.g. after a restart)."""
        if self._tokens is None or message.event_id in self._token_of:
            return
        token = await self._tokens.token(message.team)
        if token is None:
            raise LookupError(f"no Slack installation for team {message.team!r}: the reply waits")
        self._token_of[message.event_id] = token

    def _progress_of(self, message: Message) -> ProgressMessage | NativeStream:
        progress = self._progress.get(message.event_id)
        if progress is None:
            progress = ProgressMessage(
                self._client,
                message.channel,
                message.thread,
                self._timing,
                self._progress_rate,
                auth=self._auth(message),
            )
            self._progress[message.event_id] = progress
        return progress

    async def _post(
        self,
        message: Message,
        text: str,
        *,
        ephemeral: bool = False,
        key: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> str | None:
        """Post ``text`` (reply piece ``key``, shown as ``blocks`` when given).

        Returns its ts, or None when it has none users can rate.
        """
        try:
            if ephemeral:
                await self._client.chat_postEphemeral(
                    **self._auth(message),
                    channel=message.channel,
                    user=message.user,
                    thread_ts=message.thread or None,
                    text=text,
                )
                return None
            posted = await self._client.chat_postMessage(
                **self._auth(message),
                channel=message.channel,
                thread_ts=message.thread or None,
                text=text,
                metadata=None if key is None else reply_metadata(key),
                blocks=blocks,
            )
            return str(posted["ts"])
        except SlackApiError as error:
            response_url = self._response_urls.get(message.event_id)
            if response_url is None or error.response.get("error") not in _NOT_A_MEMBER:
                raise
            await _respond(response_url, text, "ephemeral" if ephemeral else "in_channel")
            return None


async def _respond(response_url: str, text: str, response_type: str) -> None:
    webhook = AsyncWebhookClient(
        response_url, retry_handlers=[AsyncRateLimitErrorRetryHandler(RATE_LIMIT_RETRIES)]
    )
    response = await webhook.send(text=text, response_type=response_type, replace_original=False)
    if response.status_code != 200:
        raise ConnectionError(f"response_url refused the reply: {response.status_code} {response.body}")

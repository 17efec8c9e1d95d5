"""Delivers chatwright replies to Discord: a channel, thread or DM, or a slash command's follow-up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import discord

from bots.discord.buttons import reply_view
from bots.discord.commands import is_private
from bots.discord.events import answered_privately, source_message_id
from bots.discord.live import LiveMessage
from bots.discord.paging import paginate
from bots.reply_keys import reply_key
from conversation import Message, Reply

log = logging.getLogger(__name__)

EDIT_INTERVAL_S = 1.0
TYPING_REFRESH_S = 8.0
"""Discord shows "typing…" for 10 s after each trigger."""
INTERACTION_TOKEN_TTL_S = 15 * 60.0
"""How long Discord accepts follow-ups for an interaction."""
EXPIRED_TOKEN_STATUSES = (401, 404)
"""Invalid Webhook Token / Unknown Webhook: the interaction can no longer be followed up."""
ACK_WAIT_S = 10.0
CONNECT_WAIT_S = 60.0
"""How long a reply (e.g. one left unsent by a previous run) waits for the client to log in."""
NO_VIEW: Any = discord.utils.MISSING
"""discord.py's "no components" for ``send`` (which does not take None)."""
QUIET_MENTIONS = discord.AllowedMentions(everyone=False, users=False, roles=False, replied_user=True)
"""Model output never pings anyone; only the user being answered is notified."""


@dataclass(slots=True)
class PendingCommand:
    """A slash command whose answer goes to its interaction's follow-up."""

    interaction: discord.Interaction[discord.Client]
    received: float = field(default_factory=time.monotonic)
    acknowledged: asyncio.Event = field(default_factory=asyncio.Event)
    deferred: bool = False

    @property
    def expired(self) -> bool:
        """True once Discord no longer accepts follow-ups."""
        return time.monotonic() - self.received > INTERACTION_TOKEN_TTL_S


class DiscordSink:
    """The ReplySink for Discord; also shows "typing…" (or "thinking…") while the engine works.

    The adapter calls ``expect`` before submitting a message, then ``acknowledge`` once the engine
    accepted it (or ``refuse``/``forget`` when it did not).
    """

    def __init__(self, client: discord.Client, private: frozenset[str] = frozenset()) -> None:
        """``private``: the commands answered ephemerally (``commands.private_commands``)."""
        self.edit_interval_s = EDIT_INTERVAL_S
        self._client = client
        self._private = private
        self._commands: dict[str, PendingCommand] = {}
        self._typing: dict[str, asyncio.Task[None] | None] = {}
        self._live: dict[str, LiveMessage] = {}

    # -- the adapter's side ---------------------------------------------------------------

    def expect(
        self, message: Message, interaction: discord.Interaction[discord.Client] | None = None
    ) -> bool:
        """Get ready for ``message`` (a slash command when ``interaction`` is given).

        False when ``message`` is already in progress (a gateway replay): nothing is changed then.
        """
        if message.event_id in self._typing or message.event_id in self._commands:
            return False
        if interaction is None:
            self._typing[message.event_id] = None
            return True
        for event_id in [key for key, pending in self._commands.items() if pending.expired]:
            del self._commands[event_id]
        self._commands[message.event_id] = PendingCommand(interaction)
        return True

    async def acknowledge(self, message: Message) -> None:
        """The engine accepted ``message``: defer its command (Discord's 3 s ack), or start typing."""
        pending = self._commands.get(message.event_id)
        if pending is None:
            if message.event_id in self._typing:
                self._typing[message.event_id] = asyncio.create_task(self._keep_typing(message))
            return
        try:
            await pending.interaction.response.defer(
                thinking=True, ephemeral=is_private(pending.interaction, self._private)
            )
            pending.deferred = True
        except discord.HTTPException as error:
            log.warning(
                "could not defer Discord command %s (%s); answering in its channel", message.event_id, error
            )
        finally:
            pending.acknowledged.set()

    async def refuse(self, message: Message, sentence: str) -> None:
        """Answer a message the engine could not accept with one sentence, then forget it."""
        pending = self._commands.get(message.event_id)
        try:
            if pending is not None:
                await pending.interaction.response.send_message(sentence, ephemeral=True)
            else:
                await self._channel_of(message).send(sentence, allowed_mentions=QUIET_MENTIONS)
        finally:
            self.forget(message)

    def forget(self, message: Message) -> None:
        """Drop what ``expect`` set up (the engine did not accept the message)."""
        self._commands.pop(message.event_id, None)
        self._stop_typing(message.event_id)

    # -- ReplySink ------------------------------------------------------------------------

    async def deliver(self, message: Message, reply: Reply) -> str | None:
        """Send ``reply`` in pages of at most 2,000 characters; returning means Discord took them all.

        Returns the id of the first page's message (the one reactions rate). Pages posted in a
        channel carry nonces (see ``_post_first``), so a reply delivered again after a crash, within
        the few minutes Discord remembers nonces, is not posted twice.
        """
        await self._until_connected()
        pages = [page for page in paginate(reply.text) if page.strip()]
        view = reply_view(reply)
        first_id: int | None = None
        pending = self._commands.get(message.event_id)
        if pending is not None and not pending.expired:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(pending.acknowledged.wait(), ACK_WAIT_S)
            if pending.deferred:
                first_id, pages = await self._follow_up(pending, pages, view)
        if pages and answered_privately(message, self._private):
            return str(first_id or await self._send_privately(message, reply, pages))
        live = self._live.pop(message.event_id, None)
        posted = None if live is None else await live.finish()
        self._stop_typing(message.event_id)
        for number, page in enumerate(pages):
            if number == 0 and posted is not None:
                sent = await posted.edit(content=page, view=view)
            elif number == 0:
                sent = await self._post_first(message, reply, page, view)
            else:
                nonce = reply_key(message.event_id, number, reply.text)
                sent = await self._post(message, page, first=False, nonce=nonce)
            first_id = first_id or sent.id
        return None if first_id is None else str(first_id)

    async def stream(self, message: Message, text: str) -> None:
        """Show generated text by posting, then editing, one message (not for slash commands)."""
        if message.event_id in self._commands:
            return
        live = self._live.get(message.event_id)
        if live is None:
            self._stop_typing(message.event_id)

            async def send_first(preview: str) -> discord.Message:
                return await self._post(message, preview, first=True, nonce=reply_key(message.event_id))

            live = self._live[message.event_id] = LiveMessage(send_first, self.edit_interval_s)
        live.append(text)

    async def settled(self, message: Message) -> None:
        """Stop typing and live updates for ``message``."""
        self._stop_typing(message.event_id)
        live = self._live.pop(message.event_id, None)
        if live is not None:
            await live.finish()

    # -- Discord calls --------------------------------------------------------------------

    async def _follow_up(
        self, pending: PendingCommand, pages: list[str], view: discord.ui.View | None
    ) -> tuple[int | None, list[str]]:
        """Send pages as follow-ups, ``view`` under the first.

        Returns the first one's id, and the pages left if the token failed.
        """
        first_id = None
        for number, page in enumerate(pages):
            try:
                sent = await pending.interaction.followup.send(
                    page,
                    allowed_mentions=QUIET_MENTIONS,
                    wait=True,
                    ephemeral=is_private(pending.interaction, self._private),
                    view=view if number == 0 and view is not None else NO_VIEW,
                )
            except discord.HTTPException as error:
                if error.status not in EXPIRED_TOKEN_STATUSES:
                    raise
                log.warning("interaction follow-up refused (%s); the rest goes to the channel", error)
                return first_id, pages[number:]
            first_id = first_id or sent.id
        return first_id, []

    async def _send_privately(self, message: Message, reply: Reply, pages: list[str]) -> int:
        """Post a private answer in its user's DMs, when its interaction can no longer carry it.

        That happens when the token expired (15 minutes, or a restart in between) or the command
        could not be deferred; the command's channel would show the answer to everyone.
        """
        channel = await self._client.create_dm(discord.Object(id=int(message.user)))
        first_id = None
        for number, page in enumerate(pages):
            nonce = reply_key(message.event_id, number, reply.text)
            sent = await channel.send(page, allowed_mentions=QUIET_MENTIONS, nonce=nonce)
            first_id = first_id or sent.id
        log.info("answered private command %s in the user's DMs", message.event_id)
        return first_id or 0

    async def _post_first(
        self, message: Message, reply: Reply, page: str, view: discord.ui.View | None = None
    ) -> discord.Message:
        """Post a reply's first page under the nonce of its message, the one a streamed preview had.

        Discord creates the message, or, when one was already posted under that nonce (before a
        crash), returns it: if it shows this page (or a preview of it, which is then completed)
        nothing is posted again. A message showing something else is an earlier reply of the same
        message; the page is then posted under a nonce of its own.
        """
        sent = await self._post(message, page, first=True, nonce=reply_key(message.event_id), view=view)
        if sent.content == page:
            return sent
        if sent.content.strip() and page.startswith(sent.content):
            return await sent.edit(content=page, view=view)
        nonce = reply_key(message.event_id, 0, reply.text)
        return await self._post(message, page, first=True, nonce=nonce, view=view)

    async def _post(
        self, message: Message, text: str, *, first: bool, nonce: str, view: discord.ui.View | None = None
    ) -> discord.Message:
        """Post ``text`` where ``message`` was said; the first page replies to it in guild channels."""
        source = source_message_id(message.event_id)
        reference = None
        if first and message.team and source is not None:
            target = int(message.thread or message.channel)
            reference = discord.MessageReference(
                message_id=source, channel_id=target, fail_if_not_exists=False
            )
        channel = self._channel_of(message)
        buttons = NO_VIEW if view is None else view
        if reference is None:
            return await channel.send(text, allowed_mentions=QUIET_MENTIONS, nonce=nonce, view=buttons)
        return await channel.send(
            text, allowed_mentions=QUIET_MENTIONS, reference=reference, nonce=nonce, view=buttons
        )

    async def _until_connected(self) -> None:
        async with asyncio.timeout(CONNECT_WAIT_S):
            while not self._client.is_ready():
                await asyncio.sleep(0.05)

    def _channel_of(self, message: Message) -> discord.PartialMessageable:
        """The thread, channel or DM channel to answer in (no cache or lookup needed)."""
        return self._client.get_partial_messageable(int(message.thread or message.channel))

    async def _keep_typing(self, message: Message) -> None:
        channel = self._channel_of(message)
        while True:
            try:
                await channel.typing()
            except discord.HTTPException as error:
                log.debug("typing indicator for %s failed: %s", message.event_id, error)
                return
            await asyncio.sleep(TYPING_REFRESH_S)

    def _stop_typing(self, event_id: str) -> None:
        task = self._typing.pop(event_id, None)
        if task is not None:
            task.cancel()

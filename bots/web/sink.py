"""Hands replies to the browser request waiting for them."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from bots.web.markdown import render_markdown
from conversation import Message, Reply

Event = dict[str, Any]


class NoBrowserWaiting(Exception):
    """The tab that asked is gone; the reply stays in the outbox and in the history."""


class WebChatSink:
    """One queue of events per message a browser request is waiting on."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Queue[Event | None]] = {}

    def open(self, event_id: str) -> asyncio.Queue[Event | None]:
        """Start waiting for the events of ``event_id``; None on the queue means settled.

        A request that is already waiting for ``event_id`` keeps its queue: a duplicate
        post gets a queue of its own that nothing feeds (and a 409 from the engine).
        """
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self._waiting.setdefault(event_id, queue)
        return queue

    def close(self, event_id: str, queue: asyncio.Queue[Event | None]) -> None:
        """Stop waiting (the request that opened ``queue`` ended); other requests' queues stay."""
        if self._waiting.get(event_id) is queue:
            del self._waiting[event_id]

    async def deliver(self, message: Message, reply: Reply) -> str:
        """Pass a whole reply, rendered, to the waiting request; returns the reply's id for votes.

        The id is random, so only the tab that was shown the reply can vote on it.
        """
        queue = self._waiting.get(message.event_id)
        if queue is None:
            raise NoBrowserWaiting(message.event_id)
        ref = uuid.uuid4().hex
        queue.put_nowait(
            {
                "type": "reply",
                "ref": ref,
                "text": reply.text,
                "html": render_markdown(reply.text),
                "skill": reply.skill,
                "data": reply.data,
                "notice": reply.notice,
            }
        )
        return ref

    async def stream(self, message: Message, text: str) -> None:
        """Pass a piece of text as it is generated."""
        queue = self._waiting.get(message.event_id)
        if queue is not None:
            queue.put_nowait({"type": "token", "text": text})

    async def settled(self, message: Message) -> None:
        """End the waiting request's stream."""
        queue = self._waiting.get(message.event_id)
        if queue is not None:
            queue.put_nowait(None)

"""CollectingSink: a ReplySink that keeps everything it is handed, for assertions (``chatwright.testing``)."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from conversation import Message, Reply


class CollectingSink:
    """Records delivered replies, streamed pieces and settled messages; can be told to refuse."""

    def __init__(self) -> None:
        self.replies: list[tuple[Message, Reply]] = []
        self.pieces: dict[str, list[str]] = defaultdict(list)
        self.settled_ids: list[str] = []
        self.refuse = False
        """When True, ``deliver`` raises, as a platform that is down would."""
        self.changed = asyncio.Event()

    async def deliver(self, message: Message, reply: Reply) -> None:
        """Keep the reply (or refuse it)."""
        if self.refuse:
            raise ConnectionError("platform refused the reply")
        self.replies.append((message, reply))
        self.changed.set()

    async def stream(self, message: Message, text: str) -> None:
        """Keep the piece."""
        self.pieces[message.event_id].append(text)

    async def settled(self, message: Message) -> None:
        """Note the message as settled."""
        self.settled_ids.append(message.event_id)
        self.changed.set()

    def texts_for(self, event_id: str) -> list[str]:
        """The texts of every reply delivered for ``event_id``."""
        return [reply.text for message, reply in self.replies if message.event_id == event_id]

    async def wait_for(self, count: int, timeout: float = 10.0) -> None:
        """Wait until at least ``count`` replies were delivered."""
        async with asyncio.timeout(timeout):
            while len(self.replies) < count:
                self.changed.clear()
                await self.changed.wait()

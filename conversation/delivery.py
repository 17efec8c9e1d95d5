"""What an adapter gives the engine so replies can reach its platform."""

from __future__ import annotations

from typing import Protocol

from conversation.types import Message, Reply


class ReplySink(Protocol):
    """Delivers replies for one platform. ``deliver`` returning means the platform accepted it."""

    async def deliver(self, message: Message, reply: Reply) -> None:
        """Send one reply to where ``message`` came from; raise if the platform refused it."""
        ...

    async def stream(self, message: Message, text: str) -> None:
        """Show a piece of a reply still being generated (may do nothing)."""
        ...

    async def settled(self, message: Message) -> None:
        """Every reply of this attempt at ``message`` has been handed over (may do nothing)."""
        ...

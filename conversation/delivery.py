"""What an adapter gives the engine so replies can reach its platform."""

from __future__ import annotations

from typing import Protocol

from conversation.types import Message, Reply


class ReplySink(Protocol):
    """Delivers replies for one platform. ``deliver`` returning means the platform accepted it."""

    async def deliver(self, message: Message, reply: Reply) -> str | None:
        """Send one reply to where ``message`` came from; raise if the platform refused it.

        Returns the platform's id of the posted message (Slack ``ts``, Discord message id),
        which the engine stores so reactions on it can be recorded as feedback; None when
        the platform has no such id.
        """
        ...

    async def stream(self, message: Message, text: str) -> None:
        """Show a piece of a reply still being generated (may do nothing)."""
        ...

    async def settled(self, message: Message) -> None:
        """Every reply of this attempt at ``message`` has been handed over (may do nothing)."""
        ...

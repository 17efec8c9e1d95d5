"""What a platform adapter offers the runner: HTTP routes to mount, and a start/stop life."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from starlette.routing import BaseRoute


class PlatformAdapter(Protocol):
    """A platform connection (Slack, Discord, …) sharing the one ASGI server and the engine.

    An adapter may also report its connection's state (``bots.health.ReportsHealth``): /healthz
    and /readyz then list it.
    """

    platform: str

    def routes(self) -> Sequence[BaseRoute]:
        """HTTP endpoints to mount on the shared server (may be empty)."""
        ...

    async def start(self) -> None:
        """Connect to the platform.

        The constructor already registered the adapter's reply sink with the engine, so replies
        left unsent by a previous run are delivered when the engine starts.
        """
        ...

    async def stop(self) -> None:
        """Disconnect cleanly."""
        ...

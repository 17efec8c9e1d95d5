"""How an adapter's connection is doing, as ``/healthz`` and ``/readyz`` report it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable


class AdapterState(StrEnum):
    """Where an adapter's connection to its platform stands."""

    STARTING = "starting"
    """Not connected yet (logging in, first connection)."""
    UP = "up"
    """Connected: events arrive."""
    RECONNECTING = "reconnecting"
    """The connection ended and is being re-established (with backoff)."""
    DOWN = "down"
    """The connection ended for good (e.g. a revoked token): only a restart can help."""


@dataclass(frozen=True, slots=True)
class Health:
    """An adapter's state and, when it is not up, one sentence about why."""

    state: AdapterState
    detail: str = ""

    def as_json(self) -> dict[str, str]:
        """The state (and detail, when there is one) for a health endpoint."""
        return {"state": self.state.value, **({"detail": self.detail} if self.detail else {})}


@runtime_checkable
class ReportsHealth(Protocol):
    """An adapter that can tell how its connection is doing (an optional part of PlatformAdapter)."""

    def health(self) -> Health:
        """The connection's state now."""
        ...

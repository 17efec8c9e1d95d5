"""Platform-neutral message types: what adapters translate to and from."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

_SCOPE_FIELDS = ("platform", "team", "channel", "thread", "user")


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a conversation lives: platform x team x channel x thread x user.

    Context, state and serialisation are all per scope; two scopes never share text.
    """

    platform: str
    team: str
    channel: str
    thread: str
    user: str

    @property
    def key(self) -> str:
        """A stable, reversible string key (each part percent-encoded, joined by '/')."""
        return "/".join(quote(getattr(self, name), safe="") for name in _SCOPE_FIELDS)

    @classmethod
    def from_key(cls, key: str) -> Scope:
        """Inverse of :attr:`key`."""
        parts = key.split("/")
        if len(parts) != len(_SCOPE_FIELDS):
            raise ValueError(f"not a scope key: {key!r}")
        return cls(*(unquote(part) for part in parts))


@dataclass(frozen=True, slots=True)
class Message:
    """One incoming user message, as every adapter hands it to the engine."""

    platform: str
    user: str
    text: str
    event_id: str
    channel: str = "dm"
    team: str = ""
    thread: str = ""
    timestamp: float = field(default_factory=time.time)

    @property
    def scope(self) -> Scope:
        """The conversation this message belongs to."""
        return Scope(self.platform, self.team, self.channel, self.thread, self.user)

    def to_record(self) -> dict[str, Any]:
        """A JSON-serialisable form, stored in the inbox."""
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Message:
        """Inverse of :meth:`to_record`."""
        return cls(**record)


@dataclass(frozen=True, slots=True)
class Reply:
    """One outgoing answer: text, plus optional structured data and the skill that made it."""

    text: str
    skill: str = ""
    data: dict[str, Any] | None = None
    notice: bool = False
    """True for system notices (backend down, bad input) rather than answers."""

    def to_record(self) -> dict[str, Any]:
        """A JSON-serialisable form, stored in the outbox."""
        return {"text": self.text, "skill": self.skill, "data": self.data, "notice": self.notice}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Reply:
        """Inverse of :meth:`to_record`."""
        return cls(**record)


@dataclass(frozen=True, slots=True)
class Turn:
    """One stored utterance of a conversation."""

    role: str  # "user" or "assistant"
    text: str

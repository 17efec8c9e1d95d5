"""Platform-neutral message types: what adapters translate to and from."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

_SCOPE_FIELDS = ("platform", "team", "channel", "thread", "user")


def _escape(part: str) -> str:
    return part.replace("%", "%25").replace("/", "%2F") if "%" in part or "/" in part else part


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
    key: str = field(init=False, repr=False, compare=False)
    """A stable, reversible string key: the parts joined by '/', each with '%' and '/' escaped."""

    def __post_init__(self) -> None:
        parts = (self.platform, self.team, self.channel, self.thread, self.user)
        object.__setattr__(self, "key", "/".join(map(_escape, parts)))


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

    scope: Scope = field(init=False, repr=False, compare=False)
    """The conversation this message belongs to."""

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "scope", Scope(self.platform, self.team, self.channel, self.thread, self.user)
        )

    def to_record(self) -> dict[str, Any]:
        """A JSON-serialisable form, stored in the inbox."""
        return {name: getattr(self, name) for name in _MESSAGE_FIELDS}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Message:
        """Inverse of :meth:`to_record`."""
        return cls(**record)


_MESSAGE_FIELDS = ("platform", "user", "text", "event_id", "channel", "team", "thread", "timestamp")


@dataclass(frozen=True, slots=True)
class Choice:
    """An answer the person may give with one press instead of typing it.

    Platforms with buttons (Discord, Slack) show one per choice; pressing it sends ``text`` as the
    person's message in the same conversation, so the skill reads it as if it had been typed.
    """

    label: str
    text: str
    style: str = "secondary"
    """"primary", "secondary" or "danger" (how prominent the button is)."""


@dataclass(frozen=True, slots=True)
class Reply:
    """One outgoing answer: text, plus optional structured data and the skill that made it."""

    text: str
    skill: str = ""
    data: dict[str, Any] | None = None
    notice: bool = False
    """True for system notices (backend down, bad input) rather than answers."""
    ephemeral: bool = False
    """Shown to the asking user only, where the platform can (admin and privacy commands)."""
    choices: tuple[Choice, ...] = ()
    """Answers offered as buttons (e.g. Place / Cancel under an order summary); typing works too."""

    def to_record(self) -> dict[str, Any]:
        """A JSON-serialisable form, stored in the outbox."""
        record: dict[str, Any] = {"text": self.text, "skill": self.skill, "data": self.data}
        record["notice"] = self.notice
        if self.ephemeral:
            record["ephemeral"] = True
        if self.choices:
            record["choices"] = [[c.label, c.text, c.style] for c in self.choices]
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Reply:
        """Inverse of :meth:`to_record`."""
        choices = tuple(Choice(*choice) for choice in record.get("choices", ()))
        return cls(**{**record, "choices": choices})

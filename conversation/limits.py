"""Per-user fairness at the door: caps on a user's and a scope's waiting messages, a token bucket.

A message over a limit is refused before it is accepted (``OverLimit``, a ``BadInput``): nothing
is committed, the adapter shows the notice, and the person sends it again later. So no accepted
message is ever dropped, and a flood costs the inbox and the model nothing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from conversation.errors import BadInput
from conversation.types import Message

LOCAL_SURFACES = frozenset({"cli", "console", "jsonl", "eval"})
"""Platforms only the operator reaches (the command line, scripts, evaluations): never limited."""
PRUNE_EVERY = 1024
"""Admissions between sweeps of the buckets of users who are idle and have nothing waiting."""


class OverLimit(BadInput):
    """Refused, not accepted: the sender has too many messages waiting or sends too fast."""

    def __init__(self, text: str, *, already_told: bool) -> None:
        super().__init__(text)
        self.already_told = already_told
        """The sender was refused before and not admitted since: an adapter may stay quiet."""


@dataclass(frozen=True, slots=True)
class UserQuota:
    """The limits (from Settings: user_max_queued, scope_max_queued, user_rate_per_minute, user_burst)."""

    max_queued_per_user: int = 5
    max_queued_per_scope: int = 20
    rate_per_minute: float = 30.0
    burst: int = 10


@dataclass(slots=True)
class _Sender:
    tokens: float
    filled_at: float
    waiting: int = 0
    told: bool = False


@dataclass(slots=True)
class Admission:
    """Counts each sender's and scope's accepted, unanswered messages and meters their rate.

    The engine calls ``admit`` before accepting a message, ``settle`` once this process stops
    waiting on it (answered, refused as a duplicate, or handed elsewhere).
    """

    quota: UserQuota
    clock: Callable[[], float] = time.monotonic
    _senders: dict[str, _Sender] = field(default_factory=dict)
    _scopes: dict[str, int] = field(default_factory=dict)
    _counted: dict[str, tuple[str, str]] = field(default_factory=dict)
    """event id -> (sender, scope) of the messages admitted and not settled."""
    _admitted: int = 0

    def admit(self, message: Message) -> bool:
        """Count ``message`` as waiting and take a token, or raise OverLimit with the notice.

        Returns False, counting nothing, for local surfaces and for an event already counted.
        """
        if message.platform in LOCAL_SURFACES or message.event_id in self._counted:
            return False
        sender_key = f"{message.platform}/{message.team}/{message.user}"
        now = self.clock()
        sender = self._senders.get(sender_key) or _Sender(float(self.quota.burst), now)
        self._senders[sender_key] = sender
        per_second = self.quota.rate_per_minute / 60
        sender.tokens = min(self.quota.burst, sender.tokens + (now - sender.filled_at) * per_second)
        sender.filled_at = now
        refusal = self._refusal(sender, message.scope.key, per_second)
        if refusal:
            told, sender.told = sender.told, True
            raise OverLimit(refusal, already_told=told)
        sender.tokens -= 1
        sender.waiting += 1
        sender.told = False
        self._scopes[message.scope.key] = self._scopes.get(message.scope.key, 0) + 1
        self._counted[message.event_id] = (sender_key, message.scope.key)
        self._admitted += 1
        if self._admitted % PRUNE_EVERY == 0:
            self._prune(now)
        return True

    def settle(self, message: Message) -> None:
        """Stop counting ``message`` (answered, or no longer waited on here); unknown ones are ignored."""
        counted = self._counted.pop(message.event_id, None)
        if counted is None:
            return
        sender_key, scope_key = counted
        self._senders[sender_key].waiting -= 1
        left = self._scopes[scope_key] - 1
        if left:
            self._scopes[scope_key] = left
        else:
            del self._scopes[scope_key]

    def _refusal(self, sender: _Sender, scope_key: str, per_second: float) -> str:
        """The notice for a message over a limit, or "" when it may come in."""
        if sender.waiting >= self.quota.max_queued_per_user:
            return (
                f"You have {sender.waiting} messages still waiting for an answer. This one was not "
                "taken; please send it again once they are answered."
            )
        if self._scopes.get(scope_key, 0) >= self.quota.max_queued_per_scope:
            return (
                "This conversation has too many messages waiting for an answer. This one was not "
                "taken; please send it again once they are answered."
            )
        if sender.tokens < 1:
            wait_s = math.ceil((1 - sender.tokens) / per_second)
            return (
                f"You are sending messages faster than I can take them. This one was not taken; "
                f"please send it again in {wait_s} s."
            )
        return ""

    def _prune(self, now: float) -> None:
        """Forget senders with nothing waiting whose bucket has refilled (they look like newcomers)."""
        full_after = self.quota.burst * 60 / self.quota.rate_per_minute
        self._senders = {
            key: sender
            for key, sender in self._senders.items()
            if sender.waiting or now - sender.filled_at < full_after
        }

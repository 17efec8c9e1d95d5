"""Which channel threads the bot is talking in, known before its first answer there is stored."""

from __future__ import annotations

from collections import OrderedDict

from conversation import Scope

CAPACITY = 10_000


class ConversationThreads:
    """Scopes (one user in one channel thread) the bot accepted a message in, most recent kept.

    A follow-up without a mention is for the bot when its user talks to the bot in that thread.
    The stored history says so only once the first answer is stored; this remembers it from the
    moment the mention is accepted, with no API or database call per message. It is per process:
    after a restart, the stored history answers again once the replayed mention is answered.
    """

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._scopes: OrderedDict[str, None] = OrderedDict()

    def remember(self, scope: Scope) -> None:
        """The bot accepted a message of ``scope``; forget the oldest beyond the capacity."""
        self._scopes[scope.key] = None
        self._scopes.move_to_end(scope.key)
        if len(self._scopes) > self._capacity:
            self._scopes.popitem(last=False)

    def __contains__(self, scope: Scope) -> bool:
        return scope.key in self._scopes

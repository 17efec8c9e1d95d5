"""Per-scope conversation context held in RAM, loaded from storage on first use."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

from conversation.llm.base import ChatMessage, Role
from skills.base import History, render_prompt
from storage import Ledger, ScopeSnapshot, ScopeStateRecord
from storage.user_data import UserRef

MAX_TURNS_KEPT = 200
"""Turns of one scope kept in RAM (the token budget usually trims far earlier)."""


@dataclass(slots=True)
class ScopeContext:
    """The recent turns and open dialogue of one scope. Only this scope's text is ever here."""

    turns: list[ChatMessage]
    state: ScopeStateRecord
    history_start: int = 0
    """Index of the oldest turn still in the prompt. It moves in jumps, not one turn at a
    time, so the prompt prefix stays the same for several turns and the model's cached
    prefix can be reused."""
    _token_counts: list[int] = field(default_factory=list)
    """Each turn's token count, computed once per turn."""
    _window_tokens: int = 0
    """The tokens of the counted turns from ``history_start`` on (kept, not summed each turn)."""
    _text: str = ""
    _text_from: int = -1
    _text_to: int = 0
    """``_text`` is the prompt text of ``turns[_text_from:_text_to]``: extended as turns come,
    redone when the window's start moves (-1: not made yet)."""

    def history(self, count_tokens: Callable[[str], int], budget: int) -> History:
        """The turns that fit in ``budget`` tokens; when over, drop old turns to half the budget."""
        for turn in self.turns[len(self._token_counts) :]:
            tokens = count_tokens(turn.content)
            self._token_counts.append(tokens)
            self._window_tokens += tokens
        if self._window_tokens > budget:
            while self.history_start < len(self.turns) and self._window_tokens > budget // 2:
                self._window_tokens -= self._token_counts[self.history_start]
                self.history_start += 1
        return History(self.turns[self.history_start :], self._window_text())

    def _window_text(self) -> str:
        start, end = self.history_start, len(self.turns)
        if self._text_from != start:
            self._text = render_prompt(self.turns[start:])
        elif self._text_to < end:
            added = render_prompt(self.turns[self._text_to :])
            self._text = f"{self._text}\n{added}" if self._text else added
        self._text_from, self._text_to = start, end
        return self._text

    def record(self, new_turns: Sequence[ChatMessage], state: ScopeStateRecord | None) -> None:
        """Append a finished exchange and the new dialogue state."""
        self.turns.extend(new_turns)
        if state is not None:
            self.state = state
        overflow = len(self.turns) - MAX_TURNS_KEPT
        if overflow > 0:
            self._window_tokens -= sum(self._token_counts[self.history_start : overflow])
            del self.turns[:overflow]
            del self._token_counts[:overflow]
            self.history_start = max(0, self.history_start - overflow)
            self._text_from -= overflow  # below 0 when turns of the text were dropped: redone
            self._text_to -= overflow


class ContextCache:
    """An LRU of ScopeContext by scope key; misses load from the ledger off the event loop."""

    def __init__(self, ledger: Ledger, capacity: int = 10_000) -> None:
        self._ledger = ledger
        self._capacity = capacity
        self._contexts: OrderedDict[str, ScopeContext] = OrderedDict()

    async def get(self, scope_key: str) -> ScopeContext:
        """The context of ``scope_key``. Callers hold the scope's lock, so loads never race."""
        context = self._contexts.get(scope_key)
        if context is None:
            snapshot = await asyncio.to_thread(self._ledger.load_scope, scope_key, MAX_TURNS_KEPT)
            return self.put(scope_key, snapshot)
        self._contexts.move_to_end(scope_key)
        return context

    def put(self, scope_key: str, snapshot: ScopeSnapshot) -> ScopeContext:
        """Cache ``snapshot`` (at most ``MAX_TURNS_KEPT`` turns) as the context of ``scope_key``."""
        context = self._contexts[scope_key] = ScopeContext(as_turns(snapshot.turns), snapshot.state)
        self._contexts.move_to_end(scope_key)
        while len(self._contexts) > self._capacity:
            self._contexts.popitem(last=False)
        return context

    def forget(self, scope_key: str) -> None:
        """Drop the cached context of ``scope_key`` (another process may have changed it)."""
        self._contexts.pop(scope_key, None)

    def forget_user(self, user: UserRef) -> None:
        """Drop the cached context of every scope of ``user`` (their stored turns were deleted)."""
        for key in [key for key in self._contexts if user.owns(key)]:
            del self._contexts[key]


def as_turns(rows: Sequence[tuple[str, str]]) -> list[ChatMessage]:
    """Stored (role, text) rows as chat messages."""
    return [ChatMessage(cast(Role, role), text) for role, text in rows]

"""A RAM cache of model states (KV caches) per conversation, bounded by bytes, least recently used out.

It lets turn N of a conversation skip re-reading turns 1..N-1 after other conversations
used the model in between.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

S = TypeVar("S")


def common_prefix_length(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading tokens ``a`` and ``b`` share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


@dataclass(frozen=True, slots=True)
class CachedState(Generic[S]):
    """A saved model state and the tokens whose keys and values it holds."""

    tokens: tuple[int, ...]
    state: S
    size_bytes: int


class ConversationStateCache(Generic[S]):
    """Model states keyed by conversation id; holds at most ``capacity_bytes`` (0 disables it)."""

    def __init__(self, capacity_bytes: int) -> None:
        self.capacity_bytes = capacity_bytes
        self._entries: OrderedDict[str, CachedState[S]] = OrderedDict()
        self._total_bytes = 0

    @property
    def total_bytes(self) -> int:
        """Bytes held by all saved states."""
        return self._total_bytes

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, conversation: str, tokens: Sequence[int], state: S, size_bytes: int) -> None:
        """Save the state of ``conversation``, replacing its previous one and evicting the least recent."""
        self.discard(conversation)
        if size_bytes > self.capacity_bytes:
            return
        self._entries[conversation] = CachedState(tuple(tokens), state, size_bytes)
        self._total_bytes += size_bytes
        while self._total_bytes > self.capacity_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._total_bytes -= evicted.size_bytes

    def get(self, conversation: str) -> CachedState[S] | None:
        """The saved state of ``conversation`` (now the most recently used), or None."""
        entry = self._entries.get(conversation)
        if entry is not None:
            self._entries.move_to_end(conversation)
        return entry

    def discard(self, conversation: str) -> None:
        """Forget the state of ``conversation`` if there is one."""
        entry = self._entries.pop(conversation, None)
        if entry is not None:
            self._total_bytes -= entry.size_bytes

    def clear(self) -> None:
        """Forget every saved state."""
        self._entries.clear()
        self._total_bytes = 0

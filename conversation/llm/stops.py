"""Stop sequences cut out of streamed text, without handing out what may be the start of one."""

from __future__ import annotations

from collections.abc import Sequence


class StopScanner:
    """Cuts streamed text at the first stop sequence, holding back what may be the start of one."""

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = [stop for stop in stops if stop]
        self.text = ""
        self.released = 0
        self.stopped = False

    def feed(self, piece: str) -> str:
        """Add generated text; return the part that is now safe to hand out."""
        self.text += piece
        hits = [i for stop in self.stops if (i := self.text.find(stop, self.released)) >= 0]
        if hits:
            self.stopped = True
            return self._release(min(hits))
        return self._release(len(self.text) - self._partial_stop_length())

    def flush(self) -> str:
        """The held-back rest, once generation ended without a stop sequence."""
        return self._release(len(self.text))

    @property
    def result(self) -> str:
        """All text handed out so far: the completion without its stop sequence."""
        return self.text[: self.released]

    def _release(self, end: int) -> str:
        piece, self.released = self.text[self.released : end], end
        return piece

    def _partial_stop_length(self) -> int:
        pending = len(self.text) - self.released
        longest = 0
        for stop in self.stops:
            for k in range(min(len(stop) - 1, pending), longest, -1):
                if self.text.endswith(stop[:k]):
                    longest = k
                    break
        return longest

"""What a chat answer must not claim: that something was (or will be) done that no skill did.

A small model asked to chat will say "I'll place the order for you" although chat places
nothing. The frames (grammar) are here; the words are language data
(``conversation/language/en/claims.toml``).
"""

from __future__ import annotations

from conversation.language import GAP, Frame, Phrases, phrase_book, said


class ClaimCheck:
    """Finds an answer's claims to have done, or to be about to do, an action."""

    def __init__(self, locale: str = "en") -> None:
        book = phrase_book("claims", locale)
        self._frames: list[Phrases] = [
            Frame(book["speakers"], book["doings"], book["acts_done"]),
            Frame(book["speakers"], book["doings"], book["acts"], GAP, book["things"]),
            Frame(book["owned_things"], book["being"], book["states"]),
            Phrases(book["stalling"]),
        ]

    def claims(self, answer: str) -> bool:
        """Whether ``answer`` claims an action done or under way."""
        text = said(answer)
        return any(frame.search(text) for frame in self._frames)

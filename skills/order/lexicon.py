"""A message as tokens over one menu: items, toppings, sizes, quantities, generic nouns, words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from conversation.language import normalise, phrase_book
from skills.order.menu import Menu, item_phrases, topping_phrases, with_plurals, words

TokenKind = Literal["item", "topping", "size", "number", "noun", "plain", "word", "stop"]
MAX_QUANTITY = 20
_WORDS = phrase_book("order")
SIZE_WORDS = {phrase: size for size, phrases in _WORDS["sizes"].items() for phrase in phrases}
NUMBER_WORDS: dict[str, int] = _WORDS["numbers"]
PLAIN_PHRASES: list[str] = _WORDS["lists"]["plain"]
STOP_WORDS = frozenset(_WORDS["lists"]["stops"])
"""Words that end one phrase of a list the way a comma does."""
QUANTITY_MARK = "x"
"""Said with a number, not instead of one: "3x", "3 x", "x2"."""


@dataclass(frozen=True, slots=True)
class Token:
    """One unit of a message: a menu phrase with its canonical value, a word, or a stop."""

    kind: TokenKind
    value: str
    """Item or topping name, size, quantity (as digits), noun, the word itself, or the stop mark."""
    said: str = ""
    """The words as said (for a menu phrase or a quantity)."""
    plural: bool = False
    """An item named in the plural ("the cokes": every coke)."""


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text`` (for word lists written as prose)."""
    return frozenset(text.split())


class Lexicon:
    """The phrases of one menu and of ordering in general, matched longest first."""

    def __init__(self, menu: Menu) -> None:
        self.menu = menu
        entries: list[tuple[str, TokenKind, str]] = []
        entries += [(word, "number", str(n)) for word, n in NUMBER_WORDS.items()]
        entries += [(str(n), "number", str(n)) for n in range(1, MAX_QUANTITY + 1)]
        entries += [(word, "size", size) for word, size in SIZE_WORDS.items()]
        entries += [(phrase, "plain", "plain") for phrase in PLAIN_PHRASES]
        nouns = {item.head for item in menu.items if item.head}
        entries += [(phrase, "noun", noun) for noun in nouns for phrase in with_plurals([noun])]
        for topping in menu.toppings:
            entries += [(phrase, "topping", topping.name) for phrase in topping_phrases(topping)]
        for item in menu.items:
            entries += [(phrase, "item", item.name) for phrase in item_phrases(item)]
        self.phrases = {tuple(phrase.split()): (kind, value) for phrase, kind, value in entries}
        singular = {words(n).strip() for i in menu.items for n in [i.name, i.label, *i.aliases]}
        self.plurals = {phrase for i in menu.items for phrase in item_phrases(i)} - singular
        self.longest = max(len(phrase) for phrase in self.phrases)

    def tokenise(self, text: str) -> list[Token]:
        """The message's tokens, menu phrases matched longest first at each position."""
        pieces = _pieces(text)
        tokens: list[Token] = []
        at = 0
        while at < len(pieces):
            for size in range(min(self.longest, len(pieces) - at), 0, -1):
                phrase = tuple(pieces[at : at + size])
                if phrase in self.phrases:
                    kind, value = self.phrases[phrase]
                    said = " ".join(phrase)
                    tokens.append(Token(kind, value, said, kind == "item" and said in self.plurals))
                    at += size
                    break
            else:
                piece = pieces[at]
                stop = not piece.isalnum() or piece in STOP_WORDS
                tokens.append(Token("stop", piece) if stop else Token("word", piece))
                at += 1
        return tokens


def _pieces(text: str) -> list[str]:
    """Words, numbers and punctuation; the "x" of "3x" and "x 2" left out."""
    pieces = re.findall(r"[a-z]+|[0-9]+|[,.;:!?()/]", normalise(text))

    def counting(at: int) -> bool:
        return any(0 <= near < len(pieces) and pieces[near].isdigit() for near in (at - 1, at + 1))

    return [piece for at, piece in enumerate(pieces) if piece != QUANTITY_MARK or not counting(at)]


def segments(tokens: list[Token]) -> list[list[Token]]:
    """The tokens split at stops (punctuation, "and", "then"...), empty parts left out."""
    parts: list[list[Token]] = [[]]
    for token in tokens:
        if token.kind == "stop":
            parts.append([])
        else:
            parts[-1].append(token)
    return [part for part in parts if part]

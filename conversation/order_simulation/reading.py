"""How the simulated customer reads a bot reply: what it asks, which item it names, its total."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Literal

from conversation.order_simulation.phrasebook import Cues
from skills.order import Menu
from skills.order.menu import plural

ReplyKind = Literal[
    "placed", "confirm", "address", "fulfilment", "size", "toppings", "anything_else", "other"
]
_KINDS: tuple[ReplyKind, ...] = (
    "placed",
    "confirm",
    "address",
    "fulfilment",
    "size",
    "toppings",
    "anything_else",
)
"""Tried in this order: a summary asking to confirm may also name sizes and toppings."""
_AMOUNT = re.compile(r"\d+(?:[.,]\d{1,2})?")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+|\n+")


def classify(text: str, cues: Cues) -> ReplyKind:
    """What the reply asks of the customer, by the first kind whose cue phrase it contains.

    Sizes and toppings count only in a question: a menu listed after "didn't find" asks nothing.
    """
    lowered = text.lower()
    questions = " ".join(s for s in _SENTENCE_END.split(lowered) if "?" in s)
    for kind in _KINDS:
        where = questions if kind in ("size", "toppings") else lowered
        if any(phrase in where for phrase in getattr(cues, kind)):
            return kind
    return "other"


def question(text: str, kind: ReplyKind, cues: Cues) -> str:
    """The sentence of the reply that asks the ``kind`` question (the whole reply if none does).

    "Added a medium sprite. What size for the fries?" asks about the fries, not the sprite.
    """
    phrases: list[str] = getattr(cues, kind, [])
    for sentence in _SENTENCE_END.split(text):
        if any(phrase in sentence.lower() for phrase in phrases):
            return sentence
    return text


def not_understood(text: str, cues: Cues) -> bool:
    """Whether the reply says the bot did not understand ("didn't catch", "didn't find")."""
    lowered = text.lower()
    return any(phrase in lowered for phrase in cues.not_understood)


def stated_total(text: str, cues: Cues) -> Decimal | None:
    """The first amount after a "total" cue, if the reply gives one."""
    lowered = text.lower()
    for cue in cues.total:
        at = lowered.rfind(cue)
        if at >= 0 and (amount := _AMOUNT.search(lowered, at)) is not None:
            return Decimal(amount.group().replace(",", "."))
    return None


def names_of(menu: Menu, item_name: str) -> list[str]:
    """Every way the bot may name an item: name, label, aliases and their plurals, lower case."""
    item = menu.item(item_name)
    names = [name.lower() for name in (item.name, item.label, *item.aliases)]
    return list(dict.fromkeys([*names, *map(plural, names)]))


def first_mentioned(text: str, candidates: Mapping[str, Sequence[str]]) -> str | None:
    """The candidate (by key) whose names occur earliest in ``text`` as whole words."""
    lowered = text.lower()
    best: tuple[int, str] | None = None
    for key, names in candidates.items():
        for name in names:
            found = re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", lowered)
            if found is not None and (best is None or found.start() < best[0]):
                best = (found.start(), key)
    return None if best is None else best[1]

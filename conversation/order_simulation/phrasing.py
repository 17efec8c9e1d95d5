"""Turning goal lines into the words one customer uses: names, counts, sizes, toppings, fillers."""

from __future__ import annotations

import random
import re

from conversation.order_simulation.goals import GoalLine
from conversation.order_simulation.phrasebook import Phrasebook
from skills.order import Menu
from skills.order.menu import plural

_VOWEL = re.compile(r"^[aeiou]", re.IGNORECASE)


class Phrasing:
    """One customer's way of saying things, drawn from the phrasebook by ``rng``.

    Each item keeps the name the customer first picked for it, as people do; ``other_words``
    also uses counts and sizes in other words ("a couple of", "big").
    """

    def __init__(self, phrasebook: Phrasebook, menu: Menu, rng: random.Random, other_words: bool) -> None:
        self.book = phrasebook
        self.menu = menu
        self.rng = rng
        self.other_words = other_words
        self._names: dict[str, str] = {}

    def say(self, templates: list[str], **slots: str) -> str:
        """A random template filled with ``slots``, in the customer's casual style."""
        return self.casual(self.rng.choice(templates).format(**slots))

    def casual(self, text: str) -> str:
        """Maybe a polite prefix or suffix, maybe all lower case."""
        wording = self.book.wording
        if self.rng.random() < wording.polite / 2:
            text = self.rng.choice(wording.prefixes) + text
        elif self.rng.random() < wording.polite / 2 and not text.endswith("?"):
            text += self.rng.choice(wording.suffixes)
        return text.lower() if self.rng.random() < wording.lower_case else text

    def items(self, lines: list[GoalLine], detail: bool) -> str:
        """Several items in one phrase: "a large pepperoni pizza, two cokes and a water"."""
        phrases = [self.item(line, detail) for line in lines]
        if len(phrases) == 1:
            return phrases[0]
        return ", ".join(phrases[:-1]) + self.rng.choice(self.book.adding.last_joiner) + phrases[-1]

    def item(self, line: GoalLine, detail: bool = True) -> str:
        """One line with its count, and with its size and toppings when ``detail``."""
        size = f"{self.size(line.size)} " if detail and line.size else ""
        name = self.name(line)
        phrase = f"{self.count(line.quantity, size + name)} {size}{name}"
        if detail and line.toppings:
            phrase += self.rng.choice(self.book.details.toppings_joiner) + self.toppings(line.toppings)
        return phrase

    def name(self, line: GoalLine) -> str:
        """The item's name as this customer calls it, plural for more than one."""
        if line.item not in self._names:
            self._names[line.item] = self.rng.choice(self._names_of(line.item))
        chosen = self._names[line.item]
        return plural(chosen) if line.quantity > 1 else chosen

    def count(self, quantity: int, following: str) -> str:
        """A count as written before ``following``: "a", "an", "2", "two", "a couple of"."""
        choices = list(self.book.wording.counts.get(quantity, [str(quantity)]))
        if self.other_words:
            choices += self.book.wording.other_counts.get(quantity, [])
        chosen = self.rng.choice(choices)
        return "an" if chosen == "a" and _VOWEL.match(following) else chosen

    def size(self, size: str | None) -> str:
        """A size as this customer says it."""
        if size is None:
            return ""
        others = self.book.wording.other_sizes.get(size, []) if self.other_words else []
        return self.rng.choice([size, size, *others])

    def toppings(self, toppings: tuple[str, ...]) -> str:
        """Toppings by name or alias: "mushrooms and sausage"."""
        named = [self.rng.choice([t, *self.menu.topping(t).aliases]) for t in toppings]
        return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]

    def _names_of(self, item_name: str) -> list[str]:
        """Names a customer may use: label and aliases, and the bare name unless it names a topping."""
        item = self.menu.item(item_name)
        names = [item.label, *item.aliases]
        topping_words = " ".join(t.name.lower() for t in self.menu.toppings)
        if item.head and item.name.lower() not in topping_words:
            names.append(item.name)
        return list(dict.fromkeys(names))

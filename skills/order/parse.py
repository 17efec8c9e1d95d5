"""The deterministic item parser: lines with quantities, sizes and toppings from a message's tokens."""

from __future__ import annotations

from dataclasses import dataclass, field

from skills.order.lexicon import Token, segments, word_set
from skills.order.menu import Menu

ANCHORS = word_set(
    "a an some any another get have like want order take with more sell serve carry offer stock got need"
)
"""Words after which a customer names a thing: what follows, if not on the menu, is refused by name."""
NOT_THINGS = word_set(
    """i me my we us our you your it its they them their he she this that these those there here
    the a an some any what which who how why when where is are was be been am do does did can could
    would should will shall may might must not no yes ok okay please thanks thank too also just only
    then now today tonight first all everything anything something nothing else more less one ones
    order orders ordering pickup delivery address size sizes topping toppings menu thing things stuff
    minute second moment question look try go bit lot few little chance favour favor break day time
    good great nice think idea sec while way kind sort type for of to in on at from by as so if and
    get have like want take make see know say tell give need put add sure though actually really
    again instead lunch dinner breakfast meal food drink drinks side sides extra extras same usual"""
)
"""Words that never name a dish the customer wants (so "a minute", "the usual" are not refused)."""

FILLERS = {
    "the",
    "please",
    "too",
    "then",
    "also",
    "thanks",
    "now",
    "today",
    "instead",
    "as",
    "well",
    "for",
    "me",
}
FILLERS |= {"pls", "plz", "tonight", "again", "maybe", "just", "only", "of", "my", "some", "any", "extra"}
"""Words around a thing's name that are left out of it ("a calzone too, please" -> "calzone")."""


@dataclass
class ParsedLine:
    """One item named in a message: ``toppings`` None when not said, [] when said plain."""

    name: str
    size: str | None = None
    toppings: list[str] | None = None
    quantity: int = 1
    counted: bool = False
    """The quantity was said as a number ("two cokes"), not just "a coke"."""


@dataclass
class Parsed:
    """What a message says about items: new lines, loose answers, things not on the menu."""

    lines: list[ParsedLine] = field(default_factory=list)
    size: str | None = None
    """A size said with no item to go on (an answer to "what size?")."""
    toppings: list[str] = field(default_factory=list)
    """Toppings said with no item of this message to go on (an answer, or for an earlier item)."""
    plain: bool = False
    """"no toppings" said with no item of this message to go on."""
    unknown: list[str] = field(default_factory=list)
    """Things named as if ordered that are not on the menu ("calzone", "hawaiian pizza")."""
    unnamed: list[str] = field(default_factory=list)
    """Generic nouns ordered without saying which ("a large pizza")."""
    count: int | None = None
    """A number said with no item after it ("actually just two")."""


def parse_items(menu: Menu, tokens: list[Token]) -> Parsed:
    """Read every item line of ``tokens`` (edits and references already taken out)."""
    parser = _ItemParser(menu)
    for at, token in enumerate(tokens):
        parser.take(token, _ahead(tokens[at + 1 :]))
    parser.end_phrase()
    parser.result.unknown = unknown_things(tokens)
    return parser.result


class _ItemParser:
    """Reads tokens left to right; a quantity and a size wait for the item they come before."""

    def __init__(self, menu: Menu) -> None:
        self.menu = menu
        self.result = Parsed()
        self.quantity: int | None = None
        self.counted = False
        self.size: str | None = None
        self.current: ParsedLine | None = None
        """The topped line that toppings, "plain" and late sizes go on."""
        self.group: ParsedLine | None = None
        """The last line of several topped items, from which "one with ..." splits one off."""
        self.last: ParsedLine | None = None
        """The line named last, which a size said after it ("sprites, large ones") goes on."""
        self.previous = "stop"

    def take(self, token: Token, ahead: str) -> None:
        """Use one token; ``ahead`` (the kind of what follows, past sizes) decides what it goes with."""
        self._take(token, ahead)
        self.previous = token.kind

    def _take(self, token: Token, ahead: str) -> None:
        if token.kind == "number" and token.said == "one" and self.group and ahead not in ("item", "noun"):
            self._one_of_group(self.group)
        elif token.kind == "number":
            self.quantity = int(token.value)
            self.counted = token.said not in ("a", "an")
        elif token.kind == "size":
            self._size(token.value, ahead)
        elif token.kind == "item":
            self._item(token.value)
        elif token.kind == "topping":
            self._topping(token.value)
        elif token.kind == "plain":
            if self.current is not None:
                self.current.toppings = []
            else:
                self.result.plain = True
        elif token.kind == "noun" and self.previous in ("number", "size"):
            self.result.unnamed.append(token.value)
        elif token.kind == "stop":
            self.end_phrase()
        elif token.value in ("other", "rest", "others") and self.group is not None:
            self.current = self.group

    def end_phrase(self) -> None:
        """A phrase ends: a count no item took is a bare count ("just two")."""
        if self.quantity is not None and self.counted:
            self.result.count = self.quantity
        self.quantity, self.size, self.counted = None, None, False

    def _size(self, size: str, ahead: str) -> None:
        if ahead in ("item", "noun"):
            self.size = size
            return
        last = self.last
        if last is not None and last.size is None and size in self.menu.item(last.name).sizes:
            last.size = size
        elif not self.result.lines:
            self.result.size = size

    def _item(self, name: str) -> None:
        item = self.menu.item(name)
        size = self.size if self.size in item.sizes else item.single_size
        line = ParsedLine(name, size, None if item.takes_toppings else [], self.quantity or 1, self.counted)
        self.result.lines.append(line)
        self.last = line
        if item.takes_toppings:
            self.current = line
            self.group = line if line.quantity > 1 else None
        self.quantity, self.size, self.counted = None, None, False

    def _topping(self, name: str) -> None:
        if self.current is None:
            self.result.toppings = self.menu.in_menu_order([*self.result.toppings, name])
        else:
            self.current.toppings = self.menu.in_menu_order([*(self.current.toppings or []), name])

    def _one_of_group(self, group: ParsedLine) -> None:
        """A "one with mushrooms" after "three pizzas": one of the group becomes a line of its own."""
        if group.quantity == 1:
            self.current = self.last = group
            return
        group.quantity -= 1
        one = ParsedLine(group.name, group.size, None, 1)
        self.result.lines.insert(self.result.lines.index(group), one)
        self.current = self.last = one


def _ahead(rest: list[Token]) -> str:
    """The kind of the first token after any sizes ("stop" at the end)."""
    return next((t.kind for t in rest if t.kind != "size"), "stop")


def unknown_things(tokens: list[Token]) -> list[str]:
    """Names of things asked for that are not on the menu, found after an anchor word.

    In each part of the message, what follows its last anchor ("a", "some", "get", "with" ...)
    is a thing not on the menu when it holds no menu phrase and only words that can name a dish;
    "<word> pizza" with an unknown word counts too.
    """
    found: list[str] = []
    for part in segments(tokens):
        for at in range(1, len(part)):
            before = part[at - 1]
            if part[at].kind == "noun" and before.kind == "word" and _could_be_dish(before.value):
                found.append(f"{before.value} {part[at].value}")
        anchors = [at for at, t in enumerate(part) if t.kind == "number" or t.value in ANCHORS]
        if not anchors:
            continue
        rest = [t for t in part[anchors[-1] + 1 :] if t.kind != "size" and t.value not in FILLERS]
        names = [t.value for t in rest]
        if rest and len(rest) <= 3 and all(t.kind == "word" and _could_be_dish(t.value) for t in rest):
            found.append(" ".join(names))
    return list(dict.fromkeys(found))


def _could_be_dish(word: str) -> bool:
    return word.isalpha() and len(word) > 2 and word not in NOT_THINGS

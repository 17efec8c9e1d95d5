"""What a simulated customer wants: random goals drawn from any menu, reproducible by seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any, Literal

from conversation.order_simulation.phrasebook import Addresses
from skills.order import Menu

ChangeKind = Literal["resize", "swap", "quantity"]
MAX_LINES = 4
MAX_QUANTITY = 3
MAX_TOPPINGS = 2


@dataclass(frozen=True, slots=True)
class GoalLine:
    """Some units of one item: size None for a single-size item, toppings only where they go."""

    item: str
    quantity: int
    size: str | None
    toppings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Change:
    """The customer first asks for ``before``, then changes it into the goal's line ``line``."""

    kind: ChangeKind
    line: int
    before: GoalLine


@dataclass(frozen=True, slots=True)
class Goal:
    """One order a customer wants, and what happens on the way there."""

    number: int
    lines: tuple[GoalLine, ...]
    """What the stored order must hold (after any change)."""
    fulfilment: Literal["pickup", "delivery"]
    address: str | None
    change: Change | None = None
    extra: GoalLine | None = None
    """An item first added, then removed."""
    asks_total: bool = False
    digression: str | None = None
    """The skill a mid-order request is for ("translate", "proofread", "help")."""

    @property
    def events(self) -> int:
        """How many detours the conversation takes (each costs at least one turn)."""
        return sum([self.change is not None, self.extra is not None, self.asks_total, bool(self.digression)])

    def to_record(self) -> dict[str, Any]:
        """A JSON-serialisable form, for the failures file."""
        record: dict[str, Any] = {
            "number": self.number,
            "lines": [_line_record(line) for line in self.lines],
            "fulfilment": self.fulfilment,
            "address": self.address,
        }
        if self.change is not None:
            record["change"] = {
                "kind": self.change.kind,
                "line": self.change.line,
                "before": _line_record(self.change.before),
            }
        if self.extra is not None:
            record["extra_then_removed"] = _line_record(self.extra)
        return record | {"asks_total": self.asks_total, "digression": self.digression}


def draw_goals(menu: Menu, count: int, seed: int, addresses: Addresses, digressions: list[str]) -> list[Goal]:
    """``count`` goals on ``menu``; the same seed and menu give the same goals."""
    rng = random.Random(f"order-goals-{seed}")
    return [draw_goal(menu, number, rng, addresses, digressions) for number in range(count)]


def draw_goal(
    menu: Menu, number: int, rng: random.Random, addresses: Addresses, digressions: list[str]
) -> Goal:
    """One random goal: 1-4 lines of distinct items, fulfilment, and optional detours."""
    names = rng.sample([item.name for item in menu.items], k=min(len(menu.items), rng.randint(1, MAX_LINES)))
    lines = tuple(_draw_line(menu, name, rng) for name in names)
    unused = [item.name for item in menu.items if item.name not in names]
    extra = None
    if unused and rng.random() < 0.3:
        extra = _draw_line(menu, unused.pop(rng.randrange(len(unused))), rng, quantity=1)
    fulfilment: Literal["pickup", "delivery"] = rng.choice(["pickup", "delivery"])
    address = _draw_address(rng, addresses) if fulfilment == "delivery" else None
    return Goal(
        number=number,
        lines=lines,
        fulfilment=fulfilment,
        address=address,
        change=_draw_change(menu, lines, unused, rng) if rng.random() < 0.4 else None,
        extra=extra,
        asks_total=rng.random() < 0.25,
        digression=rng.choice(digressions) if digressions and rng.random() < 0.3 else None,
    )


def _draw_line(menu: Menu, name: str, rng: random.Random, quantity: int | None = None) -> GoalLine:
    item = menu.item(name)
    size = rng.choice(list(item.sizes)) if len(item.sizes) > 1 else None
    toppings: tuple[str, ...] = ()
    if item.takes_toppings and menu.toppings:
        chosen = rng.sample(menu.toppings, k=min(len(menu.toppings), rng.randint(0, MAX_TOPPINGS)))
        toppings = tuple(menu.in_menu_order([t.name for t in chosen]))
    return GoalLine(name, quantity or rng.randint(1, MAX_QUANTITY), size, toppings)


def _draw_change(
    menu: Menu, lines: tuple[GoalLine, ...], unused: list[str], rng: random.Random
) -> Change | None:
    """A change that leads to one of ``lines``: the first kind (in random order) that fits."""
    index = rng.randrange(len(lines))
    line = lines[index]
    kinds: list[ChangeKind] = ["resize", "swap", "quantity"]
    rng.shuffle(kinds)
    for kind in kinds:
        before = _before(menu, line, kind, unused, rng)
        if before is not None:
            return Change(kind, index, before)
    return None


def _before(
    menu: Menu, line: GoalLine, kind: ChangeKind, unused: list[str], rng: random.Random
) -> GoalLine | None:
    if kind == "resize":
        others = [size for size in menu.item(line.item).sizes if size != line.size]
        return replace(line, size=rng.choice(others)) if line.size is not None and others else None
    if kind == "quantity":
        return replace(
            line, quantity=rng.choice([q for q in range(1, MAX_QUANTITY + 1) if q != line.quantity])
        )
    # A swap keeps the size; it has no toppings, so none are carried over or lost.
    if line.toppings:
        return None
    item = menu.item(line.item)
    fits = [
        name
        for name in unused
        if (other := menu.item(name)).kind == item.kind
        and (other.sizes.keys() == item.sizes.keys() if line.size is None else line.size in other.sizes)
    ]
    return replace(line, item=rng.choice(fits)) if fits else None


def _draw_address(rng: random.Random, addresses: Addresses) -> str:
    street, suffix = rng.choice(addresses.streets), rng.choice(addresses.suffixes)
    return f"{rng.randint(1, 199)} {street} {suffix}"


def _line_record(line: GoalLine) -> dict[str, Any]:
    return {"item": line.item, "quantity": line.quantity, "size": line.size, "toppings": list(line.toppings)}

"""The stored order against the goal, checked by code: items, sizes, toppings, counts, total, fulfilment.

The expected total is recomputed here from the menu (size price plus topping prices per unit);
the bot's prices are not trusted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Literal

from conversation.order_simulation.goals import Goal, GoalLine
from skills.order import Menu

FailureClass = Literal[
    "no order",
    "double order",
    "wrong items",
    "wrong quantity",
    "wrong size",
    "wrong toppings",
    "wrong total",
    "wrong fulfilment",
    "wrong address",
    "turn cap",
]
Unit = tuple[str, str, frozenset[str]]
"""One unit of an item: name, size, toppings."""


def expected_total(menu: Menu, lines: Iterable[GoalLine]) -> Decimal:
    """What the goal's lines cost by the menu."""
    return sum((line.quantity * _unit_price(menu, line) for line in lines), Decimal(0))


def minimum_turns(goal: Goal) -> int:
    """The fewest customer messages that can place the goal's order.

    One message with every item, one with the fulfilment (and address), one confirmation, and
    one per detour (change, removal, total question, digression).
    """
    return 3 + goal.events


def judge(menu: Menu, goal: Goal, orders: Sequence[dict[str, Any]], hit_turn_cap: bool) -> list[FailureClass]:
    """Every way the stored ``orders`` (their JSON) miss the goal; empty when the order is right."""
    if not orders:
        return ["turn cap", "no order"] if hit_turn_cap else ["no order"]
    failures: list[FailureClass] = ["double order"] if len(orders) > 1 else []
    order = orders[-1]
    failures += _item_failures(_expected_units(goal), _stored_units(menu, order))
    if Decimal(str(order.get("total"))) != expected_total(menu, goal.lines):
        failures.append("wrong total")
    fulfilment = order.get("fulfilment") or {}
    if fulfilment.get("type") != goal.fulfilment:
        failures.append("wrong fulfilment")
    elif goal.address is not None and _address(fulfilment.get("address")) != _address(goal.address):
        failures.append("wrong address")
    return failures


def _item_failures(expected: Counter[Unit], stored: Counter[Unit]) -> list[FailureClass]:
    """The first level at which the units differ: names, counts per name, sizes, then toppings."""
    if expected == stored:
        return []
    names, stored_names = _per_name(expected), _per_name(stored)
    if set(names) != set(stored_names):
        return ["wrong items"]
    if names != stored_names:
        return ["wrong quantity"]
    sized = Counter((name, size) for (name, size, _), n in expected.items() for _ in range(n))
    stored_sized = Counter((name, size) for (name, size, _), n in stored.items() for _ in range(n))
    return ["wrong size"] if sized != stored_sized else ["wrong toppings"]


def _per_name(units: Counter[Unit]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for (name, _, _), n in units.items():
        counts[name] += n
    return counts


def _expected_units(goal: Goal) -> Counter[Unit]:
    return Counter(
        {(line.item, line.size or "", frozenset(line.toppings)): line.quantity for line in goal.lines}
    )


def _stored_units(menu: Menu, order: dict[str, Any]) -> Counter[Unit]:
    """A single-size item counts as having no size, as in the goal."""
    single = {item.name for item in menu.items if item.single_size is not None}
    return Counter(
        (
            name := str(entry.get("name")),
            "" if name in single else str(entry.get("size") or ""),
            frozenset(entry.get("toppings") or ()),
        )
        for entry in order.get("items", [])
    )


def _unit_price(menu: Menu, line: GoalLine) -> Decimal:
    item = menu.item(line.item)
    size = line.size or next(iter(item.sizes))
    return item.sizes[size] + sum((menu.topping(t).price for t in line.toppings), Decimal(0))


def _address(text: object) -> str:
    """Lower case words only: "14 alder lane" for "14, Alder Lane."."""
    return " ".join(re.findall(r"[a-z0-9]+", str(text or "").lower()))

"""The open order as plain JSON-serialisable data, and everything priced from it by the menu."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from skills.order.menu import Menu, money

Stage = Literal["items", "clarify", "fulfilment", "address", "confirm"]


class LineItem(BaseModel):
    """One item of the draft; ``size``/``toppings`` are None until known (toppings: topped items only)."""

    name: str
    size: str | None = None
    toppings: list[str] | None = None

    @property
    def complete(self) -> bool:
        """Whether no slot is open: the size is known and toppings were said (or need not be)."""
        return self.size is not None and self.toppings is not None


class Fulfilment(BaseModel):
    """Pickup, or delivery to an address."""

    type: Literal["pickup", "delivery"]
    address: str | None = None


class OrderDraft(BaseModel):
    """An open order: the scope state of the order skill, kept between turns as plain JSON."""

    stage: Stage = "items"
    """What the bot asked last: items (anything else?), clarify, fulfilment, address, confirm."""
    items: list[LineItem] = Field(default_factory=list)
    """Everything named so far, in order; an item missing its size or toppings has open slots."""
    fulfilment: Fulfilment | None = None
    done: bool = False
    """The customer said that is all: never ask "anything else?" again."""

    @field_validator("stage", mode="before")
    @classmethod
    def _earlier_stage_names(cls, stage: object) -> object:
        return "items" if stage == "anything_else" else stage

    @model_validator(mode="before")
    @classmethod
    def _earlier_pending_items(cls, data: object) -> object:
        """State stored before items with open slots joined the order kept them apart, as "pending"."""
        if isinstance(data, dict) and "pending" in data:
            data = dict(data)
            data["items"] = [*data.get("items", []), *data.pop("pending")]
        return data

    @property
    def open_items(self) -> list[LineItem]:
        """The items with a slot still open, in the order they were named."""
        return [item for item in self.items if not item.complete]

    def to_state(self) -> dict[str, Any]:
        """The draft as a JSON-serialisable dict."""
        return self.model_dump(mode="json")


def price_order(menu: Menu, draft: OrderDraft) -> dict[str, Any]:
    """The order JSON of the draft's sized items, every price and the total computed from the menu.

    Toppings not yet said count as none; an item whose size is still open cannot be priced and
    is left out (``so_far`` says so).
    """
    items: list[dict[str, Any]] = []
    total = Decimal(0)
    for line in draft.items:
        entry = menu.item(line.name)
        if line.size is None and entry.single_size is None:
            continue
        size = line.size or entry.single_size or ""
        toppings = line.toppings or []
        price = _price(menu, line)
        total += price
        record: dict[str, Any] = {"kind": entry.kind, "name": line.name, "size": size}
        if entry.takes_toppings:
            record["toppings"] = list(toppings)
        items.append(record | {"price": float(price)})
    fulfilment = draft.fulfilment.model_dump(mode="json") if draft.fulfilment else None
    return {"items": items, "fulfilment": fulfilment, "total": float(total), "currency": menu.currency}


def order_total(menu: Menu, draft: OrderDraft) -> str:
    """The draft's total with its currency ("15.95 USD"), from the menu."""
    return f"{money(Decimal(str(price_order(menu, draft)['total'])))} {menu.currency}"


def _price(menu: Menu, line: LineItem) -> Decimal:
    """One sized item's price from the menu, toppings not yet said counted as none."""
    size = line.size or menu.item(line.name).single_size or ""
    return menu.price(line.name, size, line.toppings or [])


def so_far(menu: Menu, draft: OrderDraft) -> str:
    """Everything named so far with the running total; items whose size is open are counted apart."""
    if not draft.items:
        return "Your order is empty so far."
    unsized = [line for line in draft.items if line.size is None and menu.item(line.name).single_size is None]
    text = f"So far: {describe_lines(menu, draft.items)}"
    if len(unsized) == len(draft.items):
        return f"{text}; the price depends on the size you choose."
    text += f", {order_total(menu, draft)}"
    if unsized:
        text += f" plus the {describe_lines(menu, unsized)} once you choose the size"
    return text + "."


def describe_line(menu: Menu, item: LineItem) -> str:
    """One item in words: "large pepperoni pizza with mushrooms", "bottled water"."""
    entry = menu.item(item.name)
    size = "" if item.size in (None, entry.single_size) else f"{item.size} "
    extras = f" with {' and '.join(item.toppings)}" if item.toppings else ""
    return f"{size}{entry.label}{extras}"


def describe_lines(menu: Menu, items: list[LineItem]) -> str:
    """Items in words, equal ones counted: "2 x medium cheese pizza and large fries" (non-empty)."""
    counted = Counter(describe_line(menu, item) for item in items)
    named = [f"{n} x {line}" if n > 1 else line for line, n in counted.items()]
    return named[0] if len(named) < 2 else ", ".join(named[:-1]) + " and " + named[-1]


def fulfilment_text(fulfilment: Fulfilment | None) -> str:
    """The fulfilment in words: "pickup" or "delivery to <address>"."""
    if fulfilment is None or fulfilment.type == "pickup":
        return "pickup"
    return f"delivery to {fulfilment.address}" if fulfilment.address else "delivery"


def summary(menu: Menu, draft: OrderDraft) -> str:
    """Every line with its price (equal items counted), the total and the fulfilment, before confirming."""
    counted = Counter(describe_line(menu, item) for item in draft.items)
    prices = {describe_line(menu, item): _price(menu, item) for item in draft.items}
    lines = "\n".join(
        f"- {f'{n} x ' if n > 1 else ''}{named}: {money(prices[named] * n)}" for named, n in counted.items()
    )
    return (
        f"Here is your order for {fulfilment_text(draft.fulfilment)}:\n{lines}\n\n"
        f"Total: {order_total(menu, draft)}"
    )

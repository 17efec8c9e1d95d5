"""The open order as plain JSON-serialisable data, and everything priced from it by the menu."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from skills.order.menu import Menu, money

Stage = Literal["items", "clarify", "fulfilment", "address", "confirm"]


class LineItem(BaseModel):
    """One item of the draft; ``size``/``toppings`` are None until known (toppings: topped items only)."""

    name: str
    size: str | None = None
    toppings: list[str] | None = None


class Fulfilment(BaseModel):
    """Pickup, or delivery to an address."""

    type: Literal["pickup", "delivery"]
    address: str | None = None


class OrderDraft(BaseModel):
    """An open order: the scope state of the order skill, kept between turns as plain JSON."""

    stage: Stage = "items"
    """What the bot asked last: items (anything else?), clarify, fulfilment, address, confirm."""
    items: list[LineItem] = Field(default_factory=list)
    pending: list[LineItem] = Field(default_factory=list)
    """Items still missing a size or the answer about toppings, asked about one at a time."""
    fulfilment: Fulfilment | None = None
    done: bool = False
    """The customer said that is all: never ask "anything else?" again."""

    @field_validator("stage", mode="before")
    @classmethod
    def _earlier_stage_names(cls, stage: object) -> object:
        return "items" if stage == "anything_else" else stage

    def to_state(self) -> dict[str, Any]:
        """The draft as a JSON-serialisable dict."""
        return self.model_dump(mode="json")


def price_order(menu: Menu, draft: OrderDraft) -> dict[str, Any]:
    """The order JSON of a complete draft, every price and the total computed from the menu."""
    items: list[dict[str, Any]] = []
    total = Decimal(0)
    for line in draft.items:
        entry = menu.item(line.name)
        size = line.size or entry.single_size or ""
        toppings = line.toppings or []
        price = menu.price(line.name, size, toppings)
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
    """Every line with its price, the total and the fulfilment, as shown before confirming."""
    order = price_order(menu, draft)
    lines = "\n".join(
        f"- {describe_line(menu, item)}: {money(Decimal(str(priced['price'])))}"
        for item, priced in zip(draft.items, order["items"], strict=True)
    )
    return (
        f"Here is your order for {fulfilment_text(draft.fulfilment)}:\n{lines}\n"
        f"Total: {order_total(menu, draft)}"
    )

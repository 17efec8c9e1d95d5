"""The OrderBot dialogue as a deterministic state machine over a plain, JSON-serialisable draft."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from skills.order.extract import Extraction, parse_keywords, parse_size, parse_toppings
from skills.order.menu import Menu, money, words

Stage = Literal["items", "clarify", "fulfilment", "address", "anything_else", "confirm"]
Outcome = Literal["open", "confirmed", "cancelled"]

_CANCEL = re.compile(r" (cancel|never ?mind|forget it|start over) ")
_REMOVE = re.compile(r" (remove|delete|drop|take off|cancel|no more) ")
_DONE = re.compile(r" (no|nope|nothing( else)?|that s (all|it)|that is (all|it)|done|no thanks?( you)?) ")
_YES = re.compile(r" (yes|yeah|yep|sure|confirm(ed)?|correct|ok|okay|place it|go ahead) ")
_NO_TOPPINGS = re.compile(r" (no|none|plain|no toppings|nothing|as it is) ")
_PICKUP = re.compile(r" (pick ?up|collect|take ?away|takeout|carry ?out) ")
_DELIVERY = re.compile(r" (deliver|delivery|delivered) ")
_ADDRESS_AFTER = re.compile(
    r"\bdeliver(?:y|ed)?\b(?:\s+it)?\s+to\s+(?P<address>.{5,})", re.IGNORECASE | re.DOTALL
)
_ANYTHING_ELSE = 'Anything else? (Say "that\'s all" when you\'re done, or "cancel" to cancel the order.)'


class LineItem(BaseModel):
    """One item of the draft; ``size``/``toppings`` are None until known (toppings: pizzas only)."""

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
    items: list[LineItem] = Field(default_factory=list)
    pending: list[LineItem] = Field(default_factory=list)
    """Items still missing a size or the answer about toppings, asked about one at a time."""
    fulfilment: Fulfilment | None = None

    def to_state(self) -> dict[str, Any]:
        """The draft as a JSON-serialisable dict."""
        return self.model_dump(mode="json")


@dataclass(frozen=True, slots=True)
class Step:
    """What one turn of the dialogue produced."""

    text: str
    draft: OrderDraft
    outcome: Outcome = "open"
    order: dict[str, Any] | None = None


class OrderDialogue:
    """Greets, collects, clarifies, asks pickup/delivery, sums up, confirms; prices come from the menu."""

    def __init__(self, menu: Menu) -> None:
        self.menu = menu

    def welcome(self) -> str:
        """The first words of a new order."""
        return f"Hi, welcome to {self.menu.name}!"

    def greeting(self) -> str:
        """The first words of a new order, with the menu (when the customer has not ordered yet)."""
        return f"{self.welcome()} Here is our menu:\n{self.menu.describe()}\nWhat would you like?"

    def wants_items(self, draft: OrderDraft, text: str) -> bool:
        """Whether ``text`` should go through item extraction (not a control word, right stage)."""
        said = words(text)
        if draft.stage not in ("items", "anything_else", "confirm") or said.strip() in ("", "menu"):
            return False
        controls = (_CANCEL, _REMOVE, _DONE, _YES)
        return not any(c.search(said) for c in controls) or bool(parse_keywords(self.menu, text).items)

    def step(self, draft: OrderDraft, text: str, understood: Extraction | None = None) -> Step:
        """Advance the dialogue by one customer message; ``understood`` is the extraction, if made."""
        said = words(text)
        removing = _REMOVE.search(said) and parse_keywords(self.menu, text).items
        if removing:
            return self._remove(draft, text)
        if _CANCEL.search(said):
            return Step("Your order is cancelled. Come back any time!", OrderDraft(), "cancelled")
        if said.strip() == "menu":
            return Step(self.menu.describe(), draft)
        if draft.stage == "clarify":
            return self._clarify(draft, text)
        if draft.stage == "fulfilment" or (draft.items and _fulfilment_only(said, understood)):
            return self._fulfilment(draft, text)
        if draft.stage == "address":
            return self._address(draft, text)
        if understood is not None and (understood.items or understood.not_on_menu):
            return self._add(draft, understood)
        if draft.stage == "confirm" and _YES.search(said):
            order = price_order(self.menu, draft)
            total = money(Decimal(str(order["total"])))
            return Step(
                f"Thank you! Your order is placed: {total} {self.menu.currency}.", draft, "confirmed", order
            )
        if draft.stage == "confirm" and _DONE.search(said):
            draft.stage = "anything_else"
            return Step("No problem: what would you like to change?", draft)
        if _DONE.search(said):
            return self._advance(draft)
        if draft.stage == "anything_else" and _YES.search(said):
            return Step("What else would you like?", draft)
        return Step(f"Sorry, I didn't find that on our menu. We have:\n{self.menu.describe()}", draft)

    def _add(self, draft: OrderDraft, understood: Extraction) -> Step:
        added: list[LineItem] = []
        for found in understood.items:
            item = self.menu.item(found.name)
            size = found.size if found.size in item.sizes else item.single_size
            toppings = found.toppings or (None if item.kind == "pizza" else [])
            added += [LineItem(name=found.name, size=size, toppings=toppings) for _ in range(found.quantity)]
        refused = "".join(f"Sorry, we don't have {thing}. " for thing in understood.not_on_menu)
        complete = [i for i in added if i.size is not None and i.toppings is not None]
        draft.pending += [i for i in added if i not in complete]
        draft.items += complete
        if not added:
            return Step(refused + f"Here is what we have:\n{self.menu.describe()}", draft)
        if draft.pending:
            draft.stage = "clarify"
        counted = Counter(map(self._line, complete))
        named = ", ".join(f"{n} x {line}" if n > 1 else line for line, n in counted.items())
        done = f"Added {named}. " if complete else ""
        return Step(f"{refused}{done}{self._next_prompt(draft)}", draft)

    def _clarify(self, draft: OrderDraft, text: str) -> Step:
        item = draft.pending[0]
        options = self.menu.item(item.name).sizes
        size = parse_size(text)
        if item.size is None and size in options:
            item.size = size
        if item.toppings is None and item.size is not None:
            toppings = parse_toppings(self.menu, text)
            if toppings or _NO_TOPPINGS.search(words(text)):
                item.toppings = toppings
        if item.size is None or item.toppings is None:
            return Step(self._question(item), draft)
        draft.items.append(draft.pending.pop(0))
        if draft.pending:
            return Step(f"Added {self._line(item)}. {self._question(draft.pending[0])}", draft)
        draft.stage = "anything_else" if draft.fulfilment else "items"
        return Step(f"Added {self._line(item)}. {self._next_prompt(draft)}", draft)

    def _fulfilment(self, draft: OrderDraft, text: str) -> Step:
        said = words(text)
        if _PICKUP.search(said):
            draft.fulfilment = Fulfilment(type="pickup")
            return self._summary(draft)
        if _DELIVERY.search(said):
            address = _ADDRESS_AFTER.search(text)
            draft.fulfilment = Fulfilment(type="delivery")
            if address is None:
                draft.stage = "address"
                return Step("What is the delivery address?", draft)
            return self._address(draft, address.group("address"))
        return Step("Is that for pickup or delivery?", draft)

    def _address(self, draft: OrderDraft, text: str) -> Step:
        address = " ".join(text.split()).strip(" .")
        if len(address) < 5:
            return Step("Please give the full delivery address.", draft)
        draft.fulfilment = Fulfilment(type="delivery", address=address)
        return self._summary(draft)

    def _advance(self, draft: OrderDraft) -> Step:
        if not draft.items:
            draft.stage = "items"
            return Step(f"Your order is empty. What would you like?\n{self.menu.describe()}", draft)
        if draft.fulfilment is None:
            draft.stage = "fulfilment"
            return Step("Is that for pickup or delivery?", draft)
        draft.stage = "confirm"
        total = money(Decimal(str(price_order(self.menu, draft)["total"])))
        return Step(f"Shall I place your order for {total} {self.menu.currency}? (yes / no)", draft)

    def _summary(self, draft: OrderDraft) -> Step:
        draft.stage = "anything_else"
        order = price_order(self.menu, draft)
        lines = "\n".join(
            f"- {self._line(i)}: {money(Decimal(str(o['price'])))}"
            for i, o in zip(draft.items, order["items"], strict=True)
        )
        where = (
            "pickup"
            if draft.fulfilment is None or draft.fulfilment.type == "pickup"
            else (f"delivery to {draft.fulfilment.address}")
        )
        total = money(Decimal(str(order["total"])))
        return Step(
            f"Here is your order ({where}):\n{lines}\nTotal: {total} {self.menu.currency}\n" + _ANYTHING_ELSE,
            draft,
        )

    def _remove(self, draft: OrderDraft, text: str) -> Step:
        removed = []
        for target in parse_keywords(self.menu, text).items:
            for pool in (draft.pending, draft.items):
                match = next(
                    (i for i in reversed(pool) if i.name == target.name and target.size in (None, i.size)),
                    None,
                )
                if match is not None:
                    pool.remove(match)
                    removed.append(self._line(match))
                    break
        if not draft.pending and draft.stage == "clarify":
            draft.stage = "anything_else" if draft.fulfilment else "items"
        if not removed:
            return Step("That isn't in your order. " + self._next_prompt(draft), draft)
        return Step(f"Removed {', '.join(removed)}. " + self._next_prompt(draft), draft)

    def _next_prompt(self, draft: OrderDraft) -> str:
        if draft.pending:
            return self._question(draft.pending[0])
        if draft.fulfilment is not None:
            return self._summary(draft).text
        return _ANYTHING_ELSE

    def _question(self, item: LineItem) -> str:
        entry = self.menu.item(item.name)
        if item.size is None:
            sizes = ", ".join(f"{size} ({money(price)})" for size, price in entry.sizes.items())
            return f"What size would you like for the {entry.label}: {sizes}?"
        extras = ", ".join(f"{t.name} ({money(t.price)})" for t in self.menu.toppings)
        return f'Any toppings on the {item.size} {entry.label}? We have {extras}; or say "no toppings".'

    def _line(self, item: LineItem) -> str:
        entry = self.menu.item(item.name)
        size = "" if item.size in (None, entry.single_size) else f"{item.size} "
        extras = f" with {', '.join(item.toppings)}" if item.toppings else ""
        return f"{size}{entry.label}{extras}"


def _fulfilment_only(said: str, understood: Extraction | None) -> bool:
    """Pickup or delivery said outright, with no item (so an early "pickup" is not lost)."""
    return not (understood and understood.items) and bool(_PICKUP.search(said) or _DELIVERY.search(said))


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
        if entry.kind == "pizza":
            record["toppings"] = list(toppings)
        items.append(record | {"price": float(price)})
    fulfilment = draft.fulfilment.model_dump(mode="json") if draft.fulfilment else None
    return {"items": items, "fulfilment": fulfilment, "total": float(total), "currency": menu.currency}

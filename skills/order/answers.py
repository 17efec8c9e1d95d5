"""Questions answered from the menu without adding anything: prices, "do you have X?", the total."""

from __future__ import annotations

from skills.order.draft import OrderDraft, so_far
from skills.order.menu import Menu, money
from skills.order.parse import Parsed
from skills.order.reading import Reading


class MenuAnswers:
    """Answers a customer's question about the menu or the order so far; prices from the menu."""

    def __init__(self, menu: Menu) -> None:
        self.menu = menu

    def answer(self, reading: Reading, draft: OrderDraft) -> str:
        """The answer to the question ``reading`` holds (its ``question`` is set)."""
        if reading.question == "total":
            return so_far(self.menu, draft)
        parts = self._prices(reading.parsed, yes=reading.question == "availability")
        text = " ".join([*parts, self.refusals(reading.parsed)]).strip()
        if text:
            return text
        return f"Here is our menu:\n{self.menu.describe()}"

    def refusals(self, parsed: Parsed) -> str:
        """A "Sorry, we don't have X." for each thing not on the menu."""
        return " ".join(f"Sorry, we don't have {thing}." for thing in parsed.unknown)

    def which(self, noun: str) -> str:
        """The question for a generic noun ordered without a name ("a pizza")."""
        names = [item.name for item in self.menu.items if item.head == noun]
        listed = names[0] if len(names) < 2 else ", ".join(names[:-1]) + " or " + names[-1]
        return f"Which {noun} would you like: {listed}?"

    def _prices(self, parsed: Parsed, yes: bool) -> list[str]:
        opening = "yes, we have " if yes else ""
        parts = []
        for line in parsed.lines:
            item = self.menu.item(line.name)
            if line.size is not None and line.size in item.sizes and item.single_size is None:
                price = money(item.sizes[line.size])
                parts.append(
                    _sentence(f"{opening or 'a '}{line.size} {item.label}: {price} {self.menu.currency}.")
                )
            else:
                prices = ", ".join(f"{size} {money(price)}" for size, price in item.sizes.items())
                parts.append(_sentence(f"{opening}{item.label}: {prices} {self.menu.currency}."))
        for name in parsed.toppings + [t for line in parsed.lines for t in line.toppings or []]:
            topping = self.menu.topping(name)
            parts.append(
                _sentence(f"{opening}{topping.name}: {money(topping.price)} {self.menu.currency} extra.")
            )
        return parts


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]

"""The menu (from TOML) and everything priced from it: the model never sets a price."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from conversation.errors import ConfigError

Kind = Literal["pizza", "main", "side", "drink"]
SINGLE_SIZE = "regular"
SIZE_ORDER = ("large", "medium", "small", SINGLE_SIZE)


class MenuItem(BaseModel):
    """A dish or drink with its price per size."""

    kind: Kind
    name: str
    sizes: dict[str, Decimal] = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    noun: str | None = None
    """The word that follows the name ("pizza", "burger"); "pizza" for pizzas unless set."""
    topped: bool | None = None
    """Whether the menu's toppings go on it; pizzas and mains unless set."""

    @field_validator("sizes")
    @classmethod
    def _sizes_known(cls, sizes: dict[str, Decimal]) -> dict[str, Decimal]:
        unknown = set(sizes) - set(SIZE_ORDER)
        if unknown:
            raise ValueError(f"unknown sizes {sorted(unknown)}; use {', '.join(SIZE_ORDER)}")
        return dict(sorted(sizes.items(), key=lambda pair: SIZE_ORDER.index(pair[0])))

    @property
    def head(self) -> str | None:
        """The generic word for it ("pizza"), if it has one."""
        return self.noun or ("pizza" if self.kind == "pizza" else None)

    @property
    def label(self) -> str:
        """How the item is called in a sentence ("pepperoni pizza", "fries")."""
        return f"{self.name} {self.head}" if self.head else self.name

    @property
    def takes_toppings(self) -> bool:
        """Whether the customer is asked about toppings for it."""
        return self.topped if self.topped is not None else self.kind in ("pizza", "main")

    @property
    def single_size(self) -> str | None:
        """The only size, when there is just one (nothing to ask)."""
        return next(iter(self.sizes)) if len(self.sizes) == 1 else None


class Topping(BaseModel):
    """An extra on a pizza."""

    name: str
    price: Decimal
    aliases: list[str] = Field(default_factory=list)


class Menu(BaseModel):
    """What the restaurant sells, with prices; loaded from a TOML file."""

    name: str = "Pizzeria"
    currency: str = "USD"
    items: list[MenuItem] = Field(alias="item", min_length=1)
    toppings: list[Topping] = Field(alias="topping", default_factory=list)

    @model_validator(mode="after")
    def _names_unique(self) -> Menu:
        for names in ([i.name for i in self.items], [t.name for t in self.toppings]):
            if len(set(names)) != len(names):
                raise ValueError(f"names on the menu must be unique: {names}")
        return self

    def item(self, name: str) -> MenuItem:
        """The item called ``name`` (KeyError when it is not on the menu)."""
        for item in self.items:
            if item.name == name:
                return item
        raise KeyError(name)

    def topping(self, name: str) -> Topping:
        """The topping called ``name`` (KeyError when it is not on the menu)."""
        for topping in self.toppings:
            if topping.name == name:
                return topping
        raise KeyError(name)

    def price(self, name: str, size: str, toppings: list[str]) -> Decimal:
        """The price of one item: its size's price plus each topping's."""
        item = self.item(name)
        return item.sizes[size] + sum((self.topping(t).price for t in toppings), Decimal(0))

    def in_menu_order(self, toppings: list[str]) -> list[str]:
        """The toppings once each, in the order the menu lists them."""
        return [t.name for t in self.toppings if t.name in toppings]

    def sizes(self) -> list[str]:
        """Every size any item comes in, largest first."""
        used = {size for item in self.items for size in item.sizes}
        return [size for size in SIZE_ORDER if size in used]

    def describe(self) -> str:
        """The menu as plain text lines, for people and prompts."""
        lines = []
        for kind in ("pizza", "main", "side", "drink"):
            for item in (i for i in self.items if i.kind == kind):
                prices = ", ".join(f"{size} {money(price)}" for size, price in item.sizes.items())
                lines.append(f"- {item.label}: {prices}")
        if self.toppings:
            extras = ", ".join(f"{t.name} {money(t.price)}" for t in self.toppings)
            heads = sorted({i.head or i.name for i in self.items if i.takes_toppings})
            lines.append(f"- toppings ({', '.join(heads)} only): {extras}")
        return "\n".join(lines)


def item_phrases(item: MenuItem) -> list[str]:
    """Every way of naming ``item``: name, label, aliases, with their plurals."""
    return with_plurals([item.name, item.label, *item.aliases])


def topping_phrases(topping: Topping) -> list[str]:
    """Every way of naming ``topping``: name and aliases, with their plurals."""
    return with_plurals([topping.name, *topping.aliases])


def with_plurals(names: list[str]) -> list[str]:
    """The names as lower-case words, each followed by its plural ("sprite", "sprites")."""
    phrases = [words(name).strip() for name in names]
    return list(dict.fromkeys([*phrases, *(many for p in phrases if (many := plural(p)) != p)]))


def plural(phrase: str) -> str:
    """The plural of a name ("coke" -> "cokes", "fries" stays)."""
    if phrase.endswith("s"):
        return phrase
    if re.search(r"(x|ch|sh)$", phrase):
        return phrase + "es"
    if re.search(r"[^aeiou]y$", phrase):
        return phrase[:-1] + "ies"
    return phrase + "s"


def money(amount: Decimal) -> str:
    """An amount with two decimals."""
    return f"{amount:.2f}"


def words(text: str) -> str:
    """Lower-case text with each run of non-letters turned into one space, padded for word search."""
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()).strip() + " "


def load_menu(path: Path | None = None) -> Menu:
    """The menu in ``path``, or the default menu (the course's pizzeria) shipped with the skills."""
    try:
        if path is None:
            text = files("skills").joinpath("menu.toml").read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        data: dict[str, Any] = tomllib.loads(text)
        return Menu.model_validate(data)
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as error:
        raise ConfigError(f"The order menu {path or 'skills/menu.toml'} is not valid: {error}") from error

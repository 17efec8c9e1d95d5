"""Items from free text: the model under a menu-enum JSON schema, checked against the text.

A deterministic keyword parser takes over when the model gives nothing usable.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from conversation.llm.base import LLM, ChatMessage, Completion, GenerationOptions
from skills.order.menu import Menu, words
from skills.prompts import load_prompts

UNSPECIFIED = "unspecified"
MAX_QUANTITY = 20
MAX_LINES = 8
EXTRACTION_TOKENS = 200
SIZE_WORDS = {"large": "large", "big": "large", "medium": "medium", "small": "small", "regular": "regular"}
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
NUMBER_WORDS |= {"seven": 7, "eight": 8, "nine": 9, "ten": 10}


class ExtractedItem(BaseModel):
    """One menu item as understood from the customer's words (not yet priced)."""

    name: str
    size: str | None = None
    toppings: list[str] = Field(default_factory=list)
    quantity: int = Field(1, ge=1, le=MAX_QUANTITY)


class Extraction(BaseModel):
    """Everything understood from one message."""

    items: list[ExtractedItem] = Field(default_factory=list)
    not_on_menu: list[str] = Field(default_factory=list)


@dataclass
class ModelCall:
    """The extraction the model gave (None when unusable) and what to record of the call."""

    extraction: Extraction | None
    completion: Completion
    messages: list[ChatMessage] = field(default_factory=list)


def extraction_schema(menu: Menu) -> dict[str, Any]:
    """A JSON schema whose enums are the menu's names, sizes and toppings."""
    item = {
        "type": "object",
        "properties": {
            "name": {"enum": [i.name for i in menu.items]},
            "size": {"enum": [*menu.sizes(), UNSPECIFIED]},
            "toppings": {
                "type": "array",
                "items": {"enum": [t.name for t in menu.toppings]},
                "maxItems": len(menu.toppings),
            },
            "quantity": {"type": "integer"},
        },
        "required": ["name", "size", "toppings", "quantity"],
    }
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": item, "maxItems": MAX_LINES},
            "not_on_menu": {"type": "array", "items": {"type": "string", "maxLength": 40}, "maxItems": 4},
        },
        "required": ["items", "not_on_menu"],
    }


async def extract_with_model(llm: LLM, menu: Menu, text: str, conversation: str | None) -> ModelCall:
    """Ask the model (temperature 0, schema-constrained); keep only what the text supports."""
    prompts = load_prompts("order")
    messages = [
        ChatMessage("system", prompts["extract_system"].format(restaurant=menu.name, menu=menu.describe())),
        ChatMessage("user", prompts["extract_user"].format(text=text)),
    ]
    options = GenerationOptions(
        temperature=0.0,
        max_tokens=EXTRACTION_TOKENS,
        json_schema=extraction_schema(menu),
        conversation=conversation,
    )
    completion = await llm.complete(messages, options)
    try:
        raw = Extraction.model_validate_json(completion.text)
    except ValidationError:
        return ModelCall(None, completion, messages)
    return ModelCall(ground(menu, text, raw), completion, messages)


def ground(menu: Menu, text: str, raw: Extraction) -> Extraction:
    """Drop what the text does not mention: invented items, sizes, toppings and quantities.

    An item gets at most as many lines as the text names it ("two cheese pizzas" is one line
    of two, however often the model repeats it).
    """
    said = words(text)
    named = Counter(value for kind, value in _tokenise(menu, said) if kind == "item")
    topping_names = {t.name for t in menu.toppings}
    items = []
    for found in raw.items:
        if named[found.name] < 1:
            continue
        named[found.name] -= 1
        item = menu.item(found.name)
        size = found.size if found.size in item.sizes and _mentions(said, _size_phrases(found.size)) else None
        toppings = [
            t
            for t in found.toppings
            if item.kind == "pizza" and t in topping_names and _mentions(said, _topping_phrases(menu, t))
        ]
        quantity = found.quantity if _mentions(said, _number_phrases(found.quantity)) else 1
        items.append(ExtractedItem(name=found.name, size=size, toppings=toppings, quantity=quantity))
    missing = [thing for thing in raw.not_on_menu if thing.strip() and words(thing) in said]
    return Extraction(items=items, not_on_menu=missing)


def parse_keywords(menu: Menu, text: str) -> Extraction:
    """Items named in ``text`` by whole-word matching against the menu (no model)."""
    tokens = _tokenise(menu, words(text))
    items: list[ExtractedItem] = []
    size: str | None = None
    quantity = 1
    loose_toppings: list[str] = []
    for n, (kind, value) in enumerate(tokens):
        if kind == "number":
            quantity = min(int(value), MAX_QUANTITY)
        elif kind == "size":
            next_is_item = n + 1 < len(tokens) and tokens[n + 1][0] in ("item", "number")
            if not next_is_item and items and items[-1].size is None:
                items[-1].size = value
            else:
                size = value
        elif kind == "topping":
            pizzas = [i for i in items if menu.item(i.name).kind == "pizza"]
            (pizzas[-1].toppings if pizzas else loose_toppings).append(value)
        else:
            item = menu.item(value)
            toppings = loose_toppings if item.kind == "pizza" else []
            chosen = size if size in item.sizes else None
            items.append(ExtractedItem(name=value, size=chosen, toppings=toppings, quantity=quantity))
            size, quantity, loose_toppings = None, 1, []
    return Extraction(items=items, not_on_menu=_unknown_pizzas(menu, text))


def parse_size(text: str) -> str | None:
    """The size named in ``text``, if any."""
    said = words(text)
    return next((size for word, size in SIZE_WORDS.items() if f" {word} " in said), None)


def parse_toppings(menu: Menu, text: str) -> list[str]:
    """The toppings named in ``text``, in menu order."""
    said = words(text)
    return [t.name for t in menu.toppings if _mentions(said, _topping_phrases(menu, t.name))]


def _tokenise(menu: Menu, said: str) -> list[tuple[str, str]]:
    """Menu phrases in ``said``, longest first without overlaps, returned in text order."""
    phrases: list[tuple[str, str, str]] = []
    for item in menu.items:
        phrases += [(p, "item", item.name) for p in _item_phrases(menu, item.name)]
    for topping in menu.toppings:
        phrases += [(p, "topping", topping.name) for p in _topping_phrases(menu, topping.name)]
    phrases += [(word, "size", size) for word, size in SIZE_WORDS.items()]
    phrases += [(word, "number", str(n)) for word, n in NUMBER_WORDS.items()]
    phrases += [(str(n), "number", str(n)) for n in range(1, MAX_QUANTITY + 1)]
    taken = [False] * len(said)
    found: list[tuple[int, str, str]] = []
    for phrase, kind, value in sorted(phrases, key=lambda p: -len(p[0])):
        for match in re.finditer(re.escape(f" {phrase} "), said):
            start, end = match.start() + 1, match.end() - 1
            if not any(taken[start:end]):
                taken[start:end] = [True] * (end - start)
                found.append((start, kind, value))
    return [(kind, value) for _, kind, value in sorted(found)]


def _unknown_pizzas(menu: Menu, text: str) -> list[str]:
    """Each '<word> pizza' whose word is neither a menu pizza nor a size or number."""
    known = {w for i in menu.items for p in _item_phrases(menu, i.name) for w in p.split()}
    known |= set(SIZE_WORDS) | set(NUMBER_WORDS) | {"the", "my", "your", "some", "another", "more", "pizza"}
    return [f"{word} pizza" for word in re.findall(r"(\w+) pizzas? ", words(text)) if word not in known]


def _mentions(said: str, phrases: list[str]) -> bool:
    return any(f" {phrase} " in said for phrase in phrases)


def _item_phrases(menu: Menu, name: str) -> list[str]:
    item = menu.item(name)
    return _with_plurals([item.name, item.label, *item.aliases])


def _topping_phrases(menu: Menu, name: str) -> list[str]:
    topping = menu.topping(name)
    return _with_plurals([topping.name, *topping.aliases])


def _with_plurals(names: list[str]) -> list[str]:
    phrases = [words(name).strip() for name in names]
    return list(dict.fromkeys([*phrases, *(p + "s" for p in phrases if not p.endswith("s"))]))


def _size_phrases(size: str) -> list[str]:
    return [word for word, named in SIZE_WORDS.items() if named == size]


def _number_phrases(quantity: int) -> list[str]:
    return [str(quantity), *(word for word, n in NUMBER_WORDS.items() if n == quantity)]

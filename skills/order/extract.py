"""The model's reading of a message: a menu-enum JSON schema, then checked against the text.

The deterministic parser (``parse.py``) reads items; the model is asked only about a message
the parser could not explain at all, and only what the text names survives.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from conversation.llm.base import LLM, ChatMessage, Completion, GenerationOptions
from skills.order.draft import OrderDraft
from skills.order.lexicon import MAX_QUANTITY, Lexicon
from skills.order.menu import Menu, words
from skills.order.parse import ParsedLine
from skills.order.reading import Reading
from skills.prompts import load_prompts

UNSPECIFIED = "unspecified"
MAX_LINES = 8
EXTRACTION_TOKENS = 200


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


async def extract_with_model(llm: LLM, lexicon: Lexicon, text: str, conversation: str | None) -> ModelCall:
    """Ask the model (temperature 0, schema-constrained); keep only what the text supports."""
    menu = lexicon.menu
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
    return ModelCall(ground(lexicon, text, raw), completion, messages)


def ground(lexicon: Lexicon, text: str, raw: Extraction) -> Extraction:
    """Drop what the text does not mention: invented items, sizes, toppings and quantities.

    An item gets at most as many lines as the text names it ("two cheese pizzas" is one line
    of two, however often the model repeats it).
    """
    tokens = lexicon.tokenise(text)
    named = Counter(t.value for t in tokens if t.kind == "item")
    said = {(t.kind, t.value) for t in tokens}
    items = []
    for found in raw.items:
        if named[found.name] < 1:
            continue
        named[found.name] -= 1
        item = lexicon.menu.item(found.name)
        size = found.size if found.size in item.sizes and ("size", found.size) in said else None
        toppings = [t for t in found.toppings if item.takes_toppings and ("topping", t) in said]
        quantity = found.quantity if ("number", str(found.quantity)) in said else 1
        items.append(ExtractedItem(name=found.name, size=size, toppings=toppings, quantity=quantity))
    spoken = words(text)
    missing = [thing for thing in raw.not_on_menu if thing.strip() and words(thing) in spoken]
    return Extraction(items=items, not_on_menu=missing)


def needs_model(draft: OrderDraft, reading: Reading) -> bool:
    """Ask the model only about a message code could not explain at all, while items are wanted."""
    if draft.stage not in ("items", "confirm") or not reading.unexplained:
        return False
    understood = reading.names_items or reading.parsed.unknown or reading.question or reading.fulfilment
    controls = reading.done or reading.yes or reading.no or reading.cancel or reading.back or reading.greeting
    return not (understood or controls)


def adopt(reading: Reading, extraction: Extraction) -> None:
    """Add the model's grounded items and refusals to what code read."""
    reading.parsed.lines += [
        ParsedLine(found.name, found.size, found.toppings or None, found.quantity)
        for found in extraction.items
    ]
    reading.parsed.unknown += [
        thing for thing in extraction.not_on_menu if thing not in reading.parsed.unknown
    ]

"""The simulated customer's language, loaded from data: what it says and how it reads the bot."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Any

from pydantic import BaseModel, Field


class Opener(BaseModel):
    """First messages: bare ones, ones with items, and the items after a bare one."""

    bare: list[str] = Field(min_length=1)
    with_items: list[str] = Field(min_length=1)
    items_after_bare: list[str] = Field(min_length=1)


class Adding(BaseModel):
    """One more item, and how the last of several items is joined."""

    more: list[str] = Field(min_length=1)
    last_joiner: list[str] = Field(min_length=1)


class Details(BaseModel):
    """Answers about sizes and toppings."""

    size: list[str] = Field(min_length=1)
    toppings: list[str] = Field(min_length=1)
    no_toppings: list[str] = Field(min_length=1)
    late: list[str] = Field(min_length=1)
    toppings_joiner: list[str] = Field(min_length=1)


class Events(BaseModel):
    """Changes, removals, a question about the total, the way back after a digression."""

    resize: list[str] = Field(min_length=1)
    swap: list[str] = Field(min_length=1)
    quantity: list[str] = Field(min_length=1)
    remove: list[str] = Field(min_length=1)
    ask_total: list[str] = Field(min_length=1)
    back_to_order: list[str] = Field(min_length=1)


class Finishing(BaseModel):
    """Done, pickup or delivery, the address, the confirmation and the one correction."""

    done: list[str] = Field(min_length=1)
    pickup: list[str] = Field(min_length=1)
    delivery_to: list[str] = Field(min_length=1)
    delivery: list[str] = Field(min_length=1)
    address: list[str] = Field(min_length=1)
    inline_pickup: list[str] = Field(min_length=1)
    inline_delivery: list[str] = Field(min_length=1)
    confirm: list[str] = Field(min_length=1)
    forgot: list[str] = Field(min_length=1)
    not_removed: list[str] = Field(min_length=1)
    restate: list[str] = Field(min_length=1)


class Wording(BaseModel):
    """Casual style: lower case, polite fillers, counts and sizes in words."""

    lower_case: float = Field(ge=0, le=1)
    polite: float = Field(ge=0, le=1)
    prefixes: list[str] = Field(min_length=1)
    suffixes: list[str] = Field(min_length=1)
    counts: dict[int, list[str]]
    other_counts: dict[int, list[str]]
    other_sizes: dict[str, list[str]]


class Addresses(BaseModel):
    """Parts of the random street addresses."""

    streets: list[str] = Field(min_length=1)
    suffixes: list[str] = Field(min_length=1)


class Phrasebook(BaseModel):
    """Every template the customer speaks from (``phrases.toml``)."""

    opener: Opener
    adding: Adding
    details: Details
    events: Events
    finishing: Finishing
    wording: Wording
    addresses: Addresses
    digressions: dict[str, list[str]] = Field(min_length=1)
    """Requests for another skill, by the skill they are for."""


class Cues(BaseModel):
    """Phrases that tell what a bot reply asks (``cues.toml``), lower case."""

    placed: list[str]
    confirm: list[str]
    address: list[str]
    fulfilment: list[str]
    size: list[str]
    toppings: list[str]
    anything_else: list[str]
    not_understood: list[str]
    pickup_words: list[str]
    delivery_words: list[str]
    total: list[str]


@cache
def load_phrasebook() -> Phrasebook:
    """The shipped customer templates."""
    return Phrasebook.model_validate(_read("phrases.toml"))


@cache
def load_cues() -> Cues:
    """The shipped cues for reading bot replies."""
    return Cues.model_validate(_read("cues.toml"))


def _read(name: str) -> dict[str, Any]:
    text = files("conversation.order_simulation").joinpath(name).read_text(encoding="utf-8")
    return tomllib.loads(text)

"""Conversation repair for the order: which turns are for it, and a one-line reminder when parked."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from conversation.language import GAP, Frame, Phrases, phrase_book
from conversation.language import said as words_of
from skills.order.dialogue import OrderDialogue
from skills.order.draft import OrderDraft, describe_lines, order_total
from skills.order.reading import GREETINGS, Reading

_WORDS = phrase_book("order")
_QUESTION = Phrases(["?"])
_OPENS_QUESTION = Phrases(_WORDS["question_openers"])
_ORDER_VERBS = Phrases(_WORDS["order_verbs"])
_ORDERING = Phrases(_WORDS["ordering"])
_START = Phrases(_WORDS["start"])
_BARE_ORDER_WORDS = frozenset(_WORDS["bare_order_words"])
_WANTS_FOOD = Frame(_WORDS["ordering"], GAP, _WORDS["food"])
_QUOTED = re.compile(
    r"(?:(?<=\s)|^)([\"'\u201c\u2018])(?:(?!\1).){1,400}?[\"'\u201d\u2019](?=[\s,.!?;:)]|$)", re.S
)
"""A span in quotes: the words of a text something is asked about, not of the request."""


def claims(dialogue: OrderDialogue, text: str, state: Mapping[str, Any]) -> bool | None:
    """True when the turn is for the open order, False when it plainly is not, None when unsure."""
    if text.strip().startswith("/"):
        return False
    text = instruction(dialogue, text)
    said = words_of(text)
    draft = _draft(state)
    reading = dialogue.read(draft, text)
    question = _asks(said)
    if reading.cancel or reading.fulfilment or reading.back or reading.edits.edits:
        return True
    if reading.question in ("total", "menu") or (draft.stage == "address" and reading.address):
        return True
    if reading.names_items or reading.question in ("price", "availability"):
        return _claims_named(reading, said, question)
    if reading.parsed.unknown and _ORDERING.search(said):
        return True
    if question:
        return False
    if reading.done or _stage_answer(draft, reading):
        return True
    return False if len(reading.unexplained) >= 3 else None


def _claims_named(reading: Reading, said: str, question: bool) -> bool | None:
    """A turn naming menu things (or things asked for): for the order unless it only chats about them."""
    verb = bool(_ORDER_VERBS.search(said))
    if reading.question in ("price", "availability"):
        return True
    if (verb or not question) and (verb or len(reading.unexplained) < 3):
        return True
    return None


def _stage_answer(draft: OrderDraft, reading: Reading) -> bool:
    """A yes or no that answers what the bot asked last."""
    if draft.stage == "confirm":
        return reading.yes or reading.no
    if draft.stage in ("items", "clarify"):
        return reading.no
    return False


def reminder(dialogue: OrderDialogue, state: Mapping[str, Any]) -> str:
    """Where the parked order stopped, in one line (no brackets)."""
    draft = _draft(state)
    menu = dialogue.menu
    if draft.stage == "confirm" and draft.items:
        return f'Your order ({order_total(menu, draft)}) is waiting: say "yes" to place it.'
    lines = draft.items
    opening = (
        f"Your order is still open ({describe_lines(menu, lines)})" if lines else "Your order is still open"
    )
    if draft.open_items:
        question = dialogue.question(draft.open_items[0], draft)
        return f"{opening} — {question[:1].lower()}{question[1:]}"
    if draft.stage == "fulfilment":
        return f"{opening} — is it for pickup or delivery?"
    if draft.stage == "address":
        return f"{opening} — what is the delivery address?"
    return f"{opening} — tell me what else you'd like, or say \"that's all\"."


def recognises(dialogue: OrderDialogue, text: str) -> bool:
    """True when free text plainly starts an order: asks to order, or names items (with ordering words)."""
    if text.strip().startswith("/"):
        return False
    text = instruction(dialogue, text)
    said = words_of(text)
    if starts_order(text):
        return True
    reading = dialogue.read(OrderDraft(), text)
    outside = [w for w in reading.unexplained if w not in words_of(reading.address or "").split()]
    if reading.fulfilment and not outside and not reading.question:
        return True  # "delivery to 10 Willow Avenue, please" before any item
    if not reading.parsed.lines or reading.question is not None:
        return False
    if _ORDERING.search(said):
        return len(reading.unexplained) <= 3
    detailed = any(line.size is not None or line.counted for line in reading.parsed.lines)
    return len(reading.unexplained) <= (1 if detailed else 0)


def instruction(dialogue: OrderDialogue, text: str) -> str:
    """``text`` without the material it is about: quoted spans, and what follows "<request>:".

    "translate 'two cokes' into Spanish" and "please proofread: I want a large pizza" order
    nothing: the items are in the text the request is about. A part before a colon that holds
    no items and no ordering words is such a request ("ok, back to my order: a large fries" is not).
    """
    unquoted = _QUOTED.sub(" ", text)
    head, colon, _body = unquoted.partition(":")
    if not colon:
        return unquoted
    said = words_of(head)
    ordering = _START.search(said) or _ORDERING.search(said) or _ORDER_VERBS.search(said)
    names = dialogue.read(OrderDraft(), head).names_items or "order" in said.split()
    return unquoted if ordering or names else head


def starts_order(text: str) -> bool:
    """Whether ``text`` asks to order ("can I place an order?", "order please", "I'd like some food")."""
    said = words_of(text)
    bare = set(said.split()) - GREETINGS - _BARE_ORDER_WORDS == {"order"}
    return bare or _START.search(said) or _WANTS_FOOD.search(said)


def _asks(said: str) -> bool:
    """Whether the words ask something: a question mark, or a question's opening ("do you ...")."""
    return _QUESTION.search(said) or _OPENS_QUESTION.starts(said)


def _draft(state: Mapping[str, Any]) -> OrderDraft:
    try:
        return OrderDraft.model_validate(dict(state))
    except ValidationError:
        return OrderDraft()

"""Conversation repair for the order: which turns are for it, and a one-line reminder when parked."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from skills.order.dialogue import OrderDialogue
from skills.order.draft import OrderDraft, describe_lines, order_total
from skills.order.lexicon import normalise
from skills.order.reading import Reading

_FOREIGN = re.compile(
    r" (?:translat\w*|how do (?:you|i|we) say|what s .{1,40} in \w+ish|proofread\w*|grammar|spelling|typos?"
    r"|check (?:my|the|this) (?:text|email|sentence|letter|message)|correct (?:this|my|the following|these)"
    r"|fix (?:this|my|the) (?:text|sentence|email|typos|grammar|spelling)|rephrase|rewrite|reword"
    r"|reply to|respond to|review|write (?:a|an|me|my|the)|draft (?:a|an|me)|summari[sz]e|explain"
    r"|handbook|policy|policies|documents?|docs|what does .{1,60} say|meaning of|define"
    r"|(?:in|into|to) (?:french|spanish|german|italian|portuguese|polish|turkish|russian|japanese|chinese"
    r"|korean|dutch|arabic|hindi|english|swedish|greek)) "
)
"""Another skill's task: a translation, a proofread, a reply, a documents question."""
_QUESTION = re.compile(
    r"\?|^ (?:what|how|why|who|when|where|which|can you|could you|do you|does|is|are|will you|would you"
    r"|have you|did) "
)
_ORDER_VERBS = re.compile(
    r" (?:get|have|add|put|want|like|take|order|give|bring|need|include|throw in|gimme|love) "
)
_ORDERING = re.compile(
    r" (?:i d like|i would like|i ll have|i will have|i ll take|i ll get|can i (?:get|have|order)"
    r"|could i (?:get|have|order)|may i (?:have|get)|i want|i wanna|i need|give me|gimme|let me (?:get|have)"
    r"|get me|we d like|we ll have|we want|i d love|i ll go with|i m going to (?:get|have|order)|send me"
    r"|bring me|i ll do|order me|put me down for|i ll start with|we ll take|we ll get) "
)


def claims(dialogue: OrderDialogue, text: str, state: Mapping[str, Any]) -> bool | None:
    """True when the turn is for the open order, False when it plainly is not, None when unsure."""
    said = _padded(text)
    if text.strip().startswith("/") or _FOREIGN.search(said):
        return False
    draft = _draft(state)
    reading = dialogue.read(draft, text)
    question = bool(_QUESTION.search(said))
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
    lines = [*draft.items, *draft.pending]
    opening = (
        f"Your order is still open ({describe_lines(menu, lines)})" if lines else "Your order is still open"
    )
    if draft.pending:
        question = dialogue.question(draft.pending[0], draft)
        return f"{opening} — {question[:1].lower()}{question[1:]}"
    if draft.stage == "fulfilment":
        return f"{opening} — is it for pickup or delivery?"
    if draft.stage == "address":
        return f"{opening} — what is the delivery address?"
    return f"{opening} — tell me what else you'd like, or say \"that's all\"."


def recognises(dialogue: OrderDialogue, text: str) -> bool:
    """True when free text plainly starts an order: ordering words and menu items, or items alone."""
    said = _padded(text)
    if text.strip().startswith("/") or _FOREIGN.search(said):
        return False
    reading = dialogue.read(OrderDraft(), text)
    if not reading.parsed.lines or reading.question is not None:
        return False
    if _ORDERING.search(said):
        return len(reading.unexplained) <= 3
    return not reading.unexplained


def _draft(state: Mapping[str, Any]) -> OrderDraft:
    try:
        return OrderDraft.model_validate(dict(state))
    except ValidationError:
        return OrderDraft()


def _padded(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+|\?", normalise(text))) + " "

"""The model as a constrained reader: a message code could not read becomes order commands.

The model sees the menu, the order so far and the question the bot asked, and answers with
commands under a JSON schema whose enums are the menu (Rasa CALM's command generator). Code
then checks every command against the menu, the order and the words of the message: an item
must be named in the message (or already ordered, for a change), a size or a count must be
said, an address must be in the message. What survives is applied like code's own reading;
nothing else is, and output that is not JSON leaves the message not understood (the dialogue
then asks again), never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from conversation.llm.base import LLM, ChatMessage, Completion, GenerationOptions
from skills.order.draft import OrderDraft, describe_lines
from skills.order.edits import Edit, Ref
from skills.order.lexicon import MAX_QUANTITY, Lexicon
from skills.order.menu import Menu, words
from skills.order.parse import ParsedLine
from skills.order.reading import Reading
from skills.prompts import load_prompts

Action = Literal[
    "add", "remove", "change", "no_toppings", "done", "pickup", "delivery", "confirm", "cancel",
    "total", "other",
]  # fmt: skip
Need = Literal["all", "gaps"] | None
NONE = "none"
LEFT_OVER = 2
"""Content words code left unread from which the model is asked about the gaps."""
MAX_COMMANDS = 6
COMMAND_TOKENS = 160


class OrderCommand(BaseModel):
    """One thing the message does to the order, as the model read it (not yet checked)."""

    do: Action
    item: str = NONE
    size: str = NONE
    quantity: int = Field(0, ge=0, le=MAX_QUANTITY)
    toppings: list[str] = Field(default_factory=list)
    to: str = NONE
    """For a change: the item that replaces ``item``."""
    address: str = ""


class OrderCommands(BaseModel):
    """The model's reading of one message."""

    commands: list[OrderCommand] = Field(default_factory=list, max_length=MAX_COMMANDS)
    not_on_menu: list[str] = Field(default_factory=list)


@dataclass
class ModelReading:
    """The checked commands (None when the output was unusable) and what to record of the call."""

    commands: OrderCommands | None
    completion: Completion
    messages: list[ChatMessage] = field(default_factory=list)


def commands_schema(menu: Menu) -> dict[str, Any]:
    """A JSON schema whose enums are the menu's names, sizes and toppings."""
    names = [NONE, *(item.name for item in menu.items)]
    command = {
        "type": "object",
        "properties": {
            "do": {"enum": list(Action.__args__)},  # type: ignore[attr-defined]
            "item": {"enum": names},
            "size": {"enum": [NONE, *menu.sizes()]},
            "quantity": {"type": "integer"},
            "toppings": {
                "type": "array",
                "items": {"enum": [t.name for t in menu.toppings]},
                "maxItems": len(menu.toppings),
            },
            "to": {"enum": names},
            "address": {"type": "string", "maxLength": 80},
        },
        "required": ["do"],
    }
    return {
        "type": "object",
        "properties": {
            "commands": {"type": "array", "items": command, "maxItems": MAX_COMMANDS},
            "not_on_menu": {"type": "array", "items": {"type": "string", "maxLength": 40}, "maxItems": 4},
        },
        "required": ["commands", "not_on_menu"],
    }


async def read_with_model(
    llm: LLM, lexicon: Lexicon, text: str, *, draft: OrderDraft, asked: str, conversation: str | None
) -> ModelReading:
    """Ask the model (temperature 0, schema-constrained) and keep only what the message supports."""
    menu = lexicon.menu
    prompts = load_prompts("order")
    ordered = describe_lines(menu, draft.items) if draft.items else "nothing yet"
    system = prompts["commands_system"].format(
        restaurant=menu.name, menu=menu.describe(), order=ordered, asked=asked or "What would you like?"
    )
    messages = [
        ChatMessage("system", system),
        ChatMessage("user", prompts["commands_user"].format(text=text)),
    ]
    options = GenerationOptions(
        temperature=0.0,
        max_tokens=COMMAND_TOKENS,
        json_schema=commands_schema(menu),
        conversation=conversation,
    )
    completion = await llm.complete(messages, options)
    try:
        raw = OrderCommands.model_validate_json(completion.text)
    except ValidationError:
        return ModelReading(None, completion, messages)
    return ModelReading(check(lexicon, draft, text, raw), completion, messages)


def check(lexicon: Lexicon, draft: OrderDraft, text: str, raw: OrderCommands) -> OrderCommands:
    """The commands the message supports: named items, said sizes, counts and toppings; an address in it."""
    tokens = lexicon.tokenise(text)
    said: set[tuple[str, str]] = {(t.kind, t.value) for t in tokens}
    ordered = {line.name for line in draft.items}
    spoken = words(text)
    kept = []
    for command in raw.commands:
        named = ("item", command.item) in said
        if command.do == "add" and not named:
            continue
        if command.do in ("remove", "change") and command.item not in ordered:
            continue
        if command.do == "change" and command.to != NONE and ("item", command.to) not in said:
            continue
        kept.append(_said_only(command, said, spoken))
    missing = [thing for thing in raw.not_on_menu if thing.strip() and words(thing) in spoken]
    return OrderCommands(
        commands=kept, not_on_menu=[thing for thing in missing if not _on_menu(lexicon, thing)]
    )


def _said_only(command: OrderCommand, said: set[tuple[str, str]], spoken: str) -> OrderCommand:
    """The command without a size, count, toppings or address the message did not say."""
    size = command.size if ("size", command.size) in said else NONE
    quantity = command.quantity if ("number", str(command.quantity)) in said else 0
    toppings = [t for t in command.toppings if ("topping", t) in said]
    address = command.address if command.address.strip() and words(command.address) in spoken else ""
    return command.model_copy(
        update={"size": size, "quantity": quantity, "toppings": toppings, "address": address}
    )


def _on_menu(lexicon: Lexicon, thing: str) -> bool:
    return any(token.kind == "item" for token in lexicon.tokenise(thing))


def needs_model(draft: OrderDraft, reading: Reading) -> Need:
    """Whether the model should read the message: all of it, the gaps code left, or none of it.

    Code read nothing but words remain: "all". Code read something and two or more content
    words are left over ("I'll swing by the shop myself, that'll do"): "gaps". An address being
    given is never sent.
    """
    if draft.stage == "address" or not reading.unexplained:
        return None
    understood = reading.names_items or reading.parsed.unknown or reading.question or reading.fulfilment
    controls = reading.done or reading.yes or reading.no or reading.cancel or reading.back or reading.greeting
    if not (understood or controls or reading.none or reading.amends):
        return "all"
    return "gaps" if len(reading.unexplained) >= LEFT_OVER else None


def adopt(
    reading: Reading, commands: OrderCommands, menu: Menu, gaps_of: OrderDraft | None = None
) -> list[str]:
    """Apply the checked commands to what code read; notes for what is not done as the model read it.

    ``gaps_of``: code read part of the message, and the model is heard only on what is still open
    in this order and was not read: no item code parsed is added again, no change is made when code
    found items or changes of its own, a fulfilment already set stays, and a cancel or yes is code's.
    """
    notes = []
    code_named = {line.name for line in reading.parsed.lines}
    code_changed = bool(reading.edits.edits or reading.parsed.lines)
    gaps = gaps_of is not None
    settled = gaps_of is not None and gaps_of.fulfilment is not None
    commands.commands = [c for c in commands.commands if not (gaps and c.do in ("cancel", "confirm"))]
    for command in commands.commands:
        entry = menu.item(command.item) if command.item != NONE else None
        size = None if command.size == NONE else command.size
        if command.do == "add" and entry is not None and not (gaps and entry.name in code_named):
            toppings = (command.toppings or None) if entry.takes_toppings else []
            line = ParsedLine(entry.name, size or entry.single_size, toppings, max(command.quantity, 1))
            reading.parsed.lines.append(line)
        elif command.do in ("remove", "change") and gaps and code_changed:
            continue
        elif command.do == "remove":
            reading.edits.edits.append(Edit("remove", Ref(name=command.item, every=True)))
        elif command.do == "change":
            _change(reading, command, size)
        elif command.do == "no_toppings":
            reading.parsed.plain = True
        elif command.do in ("pickup", "delivery") and not (settled or (gaps and reading.fulfilment)):
            reading.fulfilment = command.do
            reading.address = command.address or reading.address
        elif command.do == "done":
            reading.done = True
        elif command.do == "confirm" and not reading.no:
            reading.yes = True
        elif command.do == "total":
            reading.question = "total"
        elif command.do == "cancel":
            notes.append('To cancel the whole order, say "cancel".')
    reading.parsed.unknown += [thing for thing in commands.not_on_menu if thing not in reading.parsed.unknown]
    return notes


def _change(reading: Reading, command: OrderCommand, size: str | None) -> None:
    """A change of one ordered item: swapped for another, resized, or counted anew."""
    ref = Ref(name=command.item)
    if command.to != NONE:
        reading.edits.edits.append(Edit("swap", Ref(name=command.item, every=True)))
        new = ParsedLine(
            command.to, size, command.toppings or None, max(command.quantity, 1), command.quantity > 0
        )
        reading.parsed.lines.append(new)
    elif size is not None:
        reading.edits.edits.append(Edit("resize", ref, size))
    elif command.quantity:
        reading.edits.edits.append(Edit("count", Ref(name=command.item, every=True), count=command.quantity))

"""The OrderBot dialogue: a deterministic state machine over a plain, JSON-serialisable draft.

Each turn applies everything the message says (changes, answers, new items, fulfilment, "that's
all"), then asks the one next thing the order still lacks: a size or toppings, anything else
(until the customer is done), pickup or delivery, the address, and finally the confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from skills.order.answers import MenuAnswers
from skills.order.changes import DraftChanges
from skills.order.draft import (
    Fulfilment,
    LineItem,
    OrderDraft,
    Stage,
    describe_line,
    describe_lines,
    fulfilment_text,
    order_total,
    price_order,
    summary,
)
from skills.order.edits import Ref
from skills.order.lexicon import Lexicon
from skills.order.menu import Menu, money, plural
from skills.order.parse import Parsed
from skills.order.reading import Reading, read

Outcome = Literal["open", "confirmed", "cancelled"]
CONFIRM_QUESTION = "Shall I place the order? (yes / no, or tell me what to change)"
ANYTHING_ELSE = 'Anything else? (Say "that\'s all" when you\'re done, or "cancel" to cancel the order.)'


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
        self.lexicon = Lexicon(menu)
        self.changes = DraftChanges(menu)
        self.answers = MenuAnswers(menu)

    def welcome(self) -> str:
        """The first words of a new order."""
        return f"Hi, welcome to {self.menu.name}!"

    def greeting(self) -> str:
        """The first words of a new order, with the menu (when the customer has not ordered yet)."""
        return f"{self.welcome()} Here is our menu:\n{self.menu.describe()}\nWhat would you like?"

    def read(self, draft: OrderDraft, text: str) -> Reading:
        """What code understands of ``text`` at the draft's stage."""
        stage = draft.stage
        return read(self.lexicon, text, address_expected=stage == "address", confirming=stage == "confirm")

    def step(self, draft: OrderDraft, reading: Reading, notes: list[str] | None = None) -> Step:
        """Advance the dialogue by one customer message (``notes``: said first, from its reading)."""
        if reading.cancel and not reading.names_items:
            return Step(
                "Your order is cancelled; nothing was placed. Come back any time!", OrderDraft(), "cancelled"
            )
        stage = draft.stage
        notes = list(notes or [])
        changed = self._apply_edits(draft, reading, notes)
        if reading.amends and reading.parsed.lines and draft.items and not reading.edits.edits:
            changed = self._amend(draft, reading, notes) or changed
        bare = reading.parsed.count and not (reading.parsed.lines or reading.edits.edits)
        if bare and reading.amends and draft.items and reading.question is None:
            notes.append(self.changes.recount_last(draft, reading.parsed.count or 1))
            changed = True
        if reading.question is not None:
            notes.append(self.answers.answer(reading, draft))
        else:
            changed = self._apply_items(draft, reading.parsed, reading, notes) or changed
        changed = self._apply_fulfilment(draft, reading, notes) or changed
        if reading.done or (
            (reading.no or reading.none) and stage == "items" and draft.items and not changed
        ):
            draft.done = True
        if stage == "confirm" and not changed and reading.question is None:
            if reading.no:
                return Step(f"No problem: what would you like to change? {CONFIRM_QUESTION}", draft)
            if reading.yes:
                return self._place(draft)
        understood = changed or reading.question or reading.done or reading.no or reading.yes or reading.back
        understood = understood or (reading.none and stage == "items")
        if not understood and not reading.greeting:
            notes.append("Sorry, I didn't catch that." if draft.items else self._not_found())
        if reading.greeting and not draft.items:
            notes.append(f"Here is our menu:\n{self.menu.describe()}")
        return self._ask_next(draft, notes)

    def _amend(self, draft: OrderDraft, reading: Reading, notes: list[str]) -> bool:
        """A correction's items applied to the items ordered; those it does not amend stay to be added."""
        if reading.amends == "restate":
            notes.append(self.changes.restate(draft, reading.parsed.lines))
            reading.parsed.lines = []
            return True
        amended, reading.parsed.lines = self.changes.amend(
            draft, reading.parsed.lines, strong=reading.amends == "strong", instead_of=reading.negated
        )
        notes += amended
        return bool(amended)

    def _apply_edits(self, draft: OrderDraft, reading: Reading, notes: list[str]) -> bool:
        """Removals, swaps, resizes and "just the X"; a swapped-in item inherits the old size.

        "Change it to two salads" with salads ordered is about the salads, whatever "it" was last.
        """
        for edit in reading.edits.edits:
            ordered = {line.name for line in draft.items}
            same = [line for line in reading.parsed.lines if line.name in ordered and line.counted]
            if edit.action == "swap" and edit.ref == Ref() and same:
                amended, _ = self.changes.amend(draft, same[:1], strong=False)
                notes += amended
                reading.parsed.lines.remove(same[0])
                continue
            note, out = self.changes.apply(draft, edit)
            notes.append(note)
            new = next((line for line in reading.parsed.lines if line.size is None), None)
            if out is not None and edit.action == "swap" and new is not None:
                new.size = out.size if out.size in self.menu.item(new.name).sizes else None
        return bool(reading.edits.edits)

    def _apply_items(self, draft: OrderDraft, parsed: Parsed, reading: Reading, notes: list[str]) -> bool:
        """Answers to the open slot asked about, late toppings and sizes, then the new items."""
        changed = False
        was_open = draft.open_items
        target = self.changes.find(draft, reading.edits.target) if reading.edits.target else None
        head = was_open[0] if was_open and target in (None, was_open[0]) else None
        if head is not None:
            changed = self._answer_open(draft, head, parsed, reading)
        elif parsed.toppings or parsed.plain:
            line = target or self.changes.last_topped(draft)
            if line is not None and parsed.toppings:
                notes.append(self.changes.add_toppings(line, parsed.toppings))
            elif line is not None:
                line.toppings = []
            changed = line is not None
        if parsed.size and head is None and not parsed.lines:
            line = target or (draft.items[-1] if draft.items else None)
            if line is not None:
                refused = self.changes.resize(line, parsed.size)
                notes.append(refused or f"Changed to {describe_line(self.menu, line)}.")
                changed = True
        settled = [line for line in was_open if line.complete and any(line is i for i in draft.items)]
        added = settled + self._add(draft, parsed, again=reading.again)
        if added:
            notes.append(f"Added {describe_lines(self.menu, added)}.")
        notes.append(self.answers.refusals(parsed))
        notes += [self.answers.which(noun) for noun in dict.fromkeys(parsed.unnamed)]
        return changed or bool(parsed.lines or parsed.unknown or parsed.unnamed)

    def _answer_open(self, draft: OrderDraft, head: LineItem, parsed: Parsed, reading: Reading) -> bool:
        """Size and toppings for the item asked about (and its equal twins asked with it)."""
        twins = [line for line in draft.open_items if line == head]
        sizes = self.menu.item(head.name).sizes
        plain = parsed.plain or (head.size is not None and (reading.no or reading.done or reading.none))
        before = [line.model_copy() for line in twins]
        for line in twins:
            if line.size is None and parsed.size in sizes:
                line.size = parsed.size
            if line.toppings is None and (parsed.toppings or plain):
                line.toppings = list(parsed.toppings)
        return twins != before

    def _add(self, draft: OrderDraft, parsed: Parsed, again: bool = False) -> list[LineItem]:
        """Put the new lines into the order (open slots and all); the ones already complete.

        ``again`` ("another coke", "one more pepperoni"): what a line does not say is copied from
        the last such item ordered.
        """
        added = []
        for found in parsed.lines:
            entry = self.menu.item(found.name)
            like = next((i for i in reversed(draft.items) if i.name == found.name), None) if again else None
            toppings = found.toppings if entry.takes_toppings else []
            if like is not None and toppings is None:
                toppings = like.toppings
            size = found.size or (like.size if like is not None else None)
            for _ in range(found.quantity):
                line = LineItem(name=found.name, size=size or entry.single_size, toppings=toppings)
                draft.items.append(line)
                added += [line] if line.complete else []
        return added

    def _apply_fulfilment(self, draft: OrderDraft, reading: Reading, notes: list[str]) -> bool:
        """Pickup or delivery (and the address), whenever said; noted when items are still open."""
        if reading.fulfilment is None:
            return False
        self._set_fulfilment(draft, reading)
        if draft.open_items:  # the summary, which shows it, is a few questions away
            notes.append(f"Noted: {fulfilment_text(draft.fulfilment)}.")
        return True

    def _set_fulfilment(self, draft: OrderDraft, reading: Reading) -> None:
        if reading.fulfilment == "pickup":
            draft.fulfilment = Fulfilment(type="pickup")
            return
        known = draft.fulfilment.address if draft.fulfilment else None
        draft.fulfilment = Fulfilment(type="delivery", address=reading.address or known)

    def _ask_next(self, draft: OrderDraft, notes: list[str]) -> Step:
        """The notes, then the one question the order still needs (the summary when nothing)."""
        said = " ".join(note for note in notes if note)
        draft.stage, question = self.next_question(draft)
        if not draft.items:
            draft.done = False
            question = "" if said.endswith("?") else question
        joint = "\n" if "\n" in question + said else " "
        return Step(f"{said}{joint}{question}".strip(), draft)

    def next_question(self, draft: OrderDraft) -> tuple[Stage, str]:
        """Where the order stands and the one question it still needs (the summary when nothing)."""
        if draft.open_items:
            return "clarify", self.question(draft.open_items[0], draft)
        if not draft.items:
            return "items", "What would you like?"
        if not draft.done:
            return "items", ANYTHING_ELSE
        if draft.fulfilment is None:
            return "fulfilment", "Is that for pickup or delivery?"
        if draft.fulfilment.type == "delivery" and not draft.fulfilment.address:
            return "address", "What is the delivery address?"
        return "confirm", f"{summary(self.menu, draft)}\n{CONFIRM_QUESTION}"

    def question(self, item: LineItem, draft: OrderDraft) -> str:
        """The size, else the toppings question for ``item`` (and its equal twins)."""
        twins = sum(1 for line in draft.open_items if line == item)
        entry = self.menu.item(item.name)
        count = f"{twins} " if twins > 1 else ""
        label = plural(entry.label) if twins > 1 else entry.label
        if item.size is None:
            sizes = ", ".join(f"{size} ({money(price)})" for size, price in entry.sizes.items())
            return f"What size would you like for the {count}{label}: {sizes}?"
        extras = ", ".join(f"{t.name} ({money(t.price)})" for t in self.menu.toppings)
        size = "" if item.size == entry.single_size else f"{item.size} "
        return f'Any toppings on the {count}{size}{label}? We have {extras}; or say "no toppings".'

    def _place(self, draft: OrderDraft) -> Step:
        order = price_order(self.menu, draft)
        where = fulfilment_text(draft.fulfilment)
        text = f"Thank you! Your order is placed: {order_total(self.menu, draft)}, for {where}."
        return Step(text, draft, "confirmed", order)

    def _not_found(self) -> str:
        return f"Sorry, I didn't find that on our menu. We have:\n{self.menu.describe()}"

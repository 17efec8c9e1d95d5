"""The scripted customer: states its goal in one style, then answers each bot reply from the goal.

It keeps an agenda of things to say (items, a change, a removal, a question about the total, a
digression, "that's all") and answers what the bot asks (size, toppings, pickup or delivery,
address, confirmation). A reply it cannot map makes it restate the next unmet part of its goal.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from typing import Literal, get_args

from conversation.order_simulation.check import expected_total
from conversation.order_simulation.goals import Goal, GoalLine
from conversation.order_simulation.phrasebook import Cues, Phrasebook, load_cues, load_phrasebook
from conversation.order_simulation.phrasing import Phrasing
from conversation.order_simulation.reading import (
    classify,
    first_mentioned,
    names_of,
    not_understood,
    question,
    stated_total,
)
from skills.order import Menu

Style = Literal["all_at_once", "item_by_item", "bare_opener", "details_late", "other_words"]
STYLES: tuple[Style, ...] = get_args(Style)
ActKind = Literal["items", "change", "remove", "total", "digression", "done"]


@dataclass(frozen=True, slots=True)
class Act:
    """Something the customer means to say when it gets the chance."""

    kind: ActKind
    lines: tuple[GoalLine, ...] = ()
    detail: bool = True


@dataclass(frozen=True, slots=True)
class Utterance:
    """A customer message and what it was for (an act, or the kind of answer)."""

    text: str
    purpose: str


@dataclass(slots=True)
class _Said:
    """What the customer has told the bot so far."""

    lines: dict[str, GoalLine] = field(default_factory=dict)
    """The items as asked for now, by item name."""
    sizes: set[str] = field(default_factory=set)
    toppings: set[str] = field(default_factory=set)
    fulfilment: bool = False
    address: bool = False
    corrected: bool = False
    digressed: bool = False
    last: Act | None = None
    """The last act with content (items, a change, a removal), said again once if not understood."""
    repeated: bool = False


class Customer:
    """Talks to the bot towards ``goal`` in ``style``; ``rng`` picks every wording."""

    def __init__(
        self,
        goal: Goal,
        menu: Menu,
        style: Style,
        rng: random.Random,
        *,
        phrasebook: Phrasebook | None = None,
        cues: Cues | None = None,
    ) -> None:
        self.goal, self.menu, self.style, self.rng = goal, menu, style, rng
        self.book = phrasebook or load_phrasebook()
        self.cues = cues or load_cues()
        self.phrasing = Phrasing(self.book, menu, rng, other_words=style == "other_words")
        self.said = _Said()
        self.agenda: deque[Act] = deque(_plan(goal, style, rng))

    def opening(self) -> Utterance:
        """The first message."""
        if self.style == "bare_opener":
            return Utterance(self.phrasing.say(self.book.opener.bare), "opener")
        act = self.agenda.popleft()
        text = self.phrasing.items(list(act.lines), act.detail)
        self._note_items(act)
        self.said.last = act
        if self.style == "all_at_once" and self.rng.random() < 0.5:
            text += self._inline_fulfilment()
        return Utterance(self.phrasing.say(self.book.opener.with_items, items=text), "items")

    def answer(self, reply: str) -> Utterance | None:
        """The next message after the bot's ``reply``; None once the order is placed."""
        kind = classify(reply, self.cues)
        if kind == "placed":
            return None
        last = self.said.last
        if (
            kind in ("other", "anything_else")
            and not_understood(reply, self.cues)
            and last
            and not self.said.repeated
        ):
            self.said.repeated = True
            return Utterance(self._act_text(last), "repeat")
        if kind == "confirm":
            return self._next_act() if self._pending() else self._confirm(reply)
        if kind == "address":
            return self._address()
        if kind == "fulfilment":
            return self._fulfilment()
        if kind in ("size", "toppings") and (about := self._asked_about(reply, kind == "size")) is not None:
            if isinstance(about, str):
                return self._refuse(about)
            return self._size(about) if kind == "size" else self._toppings(about)
        if kind == "anything_else" or self._pending() or self.agenda:
            return self._next_act()
        return self._restate()

    def _pending(self) -> bool:
        return any(act.kind != "done" for act in self.agenda)

    def _next_act(self) -> Utterance:
        act = self.agenda.popleft() if self.agenda else Act("done")
        if act.kind == "done" and (late := self._late_details()) is not None:
            self.agenda.appendleft(act)
            return late
        text = self._act_text(act)
        if act.kind in ("items", "change", "remove"):
            self.said.last, self.said.repeated = act, False
        if self.said.digressed and act.kind != "digression":
            self.said.digressed = False
            text = self.rng.choice(self.book.events.back_to_order) + text
        return Utterance(text, act.kind)

    def _act_text(self, act: Act) -> str:
        say, events = self.phrasing.say, self.book.events
        if act.kind == "items":
            self._note_items(act)
            items = self.phrasing.items(list(act.lines), act.detail)
            first = not any(self.said.lines.keys() - {line.item for line in act.lines})
            templates = self.book.opener.items_after_bare if first else self.book.adding.more
            return say(templates, items=items, item=items)
        if act.kind == "change":
            return self._change()
        if act.kind == "remove":
            extra = act.lines[0]
            self.said.lines.pop(extra.item, None)
            return say(events.remove, name=self.phrasing.name(extra))
        if act.kind == "total":
            return say(events.ask_total)
        if act.kind == "digression":
            self.said.digressed = True
            return self.rng.choice(self.book.digressions[self.goal.digression or "help"])
        return say(self.book.finishing.done)

    def _change(self) -> str:
        change = self.goal.change
        assert change is not None
        after, before, events = self.goal.lines[change.line], change.before, self.book.events
        self.said.lines.pop(before.item, None)
        self.said.lines[after.item] = after
        name = self.phrasing.name(before)
        if change.kind == "resize":
            size = self.phrasing.size(after.size)
            return self.phrasing.say(
                events.resize,
                name=name,
                size=size,
                old_size=before.size or "",
                item=self.phrasing.item(after),
            )
        if change.kind == "quantity":
            count = self.phrasing.count(after.quantity, self.phrasing.name(after))
            return self.phrasing.say(
                events.quantity, count=count, name=self.phrasing.name(after), old_count=str(before.quantity)
            )
        if before.item in self.said.sizes:
            self.said.sizes.add(after.item)
        return self.phrasing.say(events.swap, old=name, new=self.phrasing.item(after, detail=False))

    def _late_details(self) -> Utterance | None:
        """Details the bot never asked for, said before "that's all"."""
        for line in self.said.lines.values():
            size = line.size if line.size and line.item not in self.said.sizes else None
            toppings = line.toppings if line.toppings and line.item not in self.said.toppings else ()
            if size or toppings:
                self.said.sizes.add(line.item)
                self.said.toppings.add(line.item)
                parts = [self.phrasing.size(size)] if size else []
                parts += [f"with {self.phrasing.toppings(toppings)}"] if toppings else []
                details = " ".join(parts)
                return Utterance(
                    self.phrasing.say(self.book.details.late, name=self.phrasing.name(line), details=details),
                    "details",
                )
        return None

    def _asked_about(self, reply: str, sized: bool) -> GoalLine | str | None:
        """The line a size (or toppings) question is about: the one it names, else the first open one.

        An item the customer does not (or no longer) want comes back as its name.
        """
        asked = question(reply, "size" if sized else "toppings", self.cues)
        named = first_mentioned(
            asked, {item.name: names_of(self.menu, item.name) for item in self.menu.items}
        )
        if named is not None:
            return self.said.lines.get(named, named)
        lines = [
            line
            for line in self.said.lines.values()
            if (
                len(self.menu.item(line.item).sizes) > 1
                if sized
                else self.menu.item(line.item).takes_toppings
            )
        ]
        answered = self.said.sizes if sized else self.said.toppings
        return next((line for line in lines if line.item not in answered), lines[0] if lines else None)

    def _refuse(self, item: str) -> Utterance:
        """Asked about an item it does not want: says so, as a removal."""
        name = self.phrasing.name(GoalLine(item, 1, None))
        return Utterance(self.phrasing.say(self.book.events.remove, name=name), "refuse")

    def _size(self, line: GoalLine) -> Utterance:
        self.said.sizes.add(line.item)
        size, name = self.phrasing.size(line.size), self.phrasing.name(line)
        return Utterance(self.phrasing.say(self.book.details.size, size=size, name=name), "size")

    def _toppings(self, line: GoalLine) -> Utterance:
        self.said.toppings.add(line.item)
        if not line.toppings:
            return Utterance(self.phrasing.say(self.book.details.no_toppings), "toppings")
        toppings, name = self.phrasing.toppings(line.toppings), self.phrasing.name(line)
        return Utterance(
            self.phrasing.say(self.book.details.toppings, toppings=toppings, name=name), "toppings"
        )

    def _fulfilment(self) -> Utterance:
        self.said.fulfilment = True
        finishing = self.book.finishing
        if self.goal.fulfilment == "pickup":
            return Utterance(self.phrasing.say(finishing.pickup), "fulfilment")
        if self.rng.random() < 0.5:
            self.said.address = True
            return Utterance(
                self.phrasing.say(finishing.delivery_to, address=self.goal.address or ""), "fulfilment"
            )
        return Utterance(self.phrasing.say(finishing.delivery), "fulfilment")

    def _address(self) -> Utterance:
        self.said.address = True
        text = self.phrasing.say(self.book.finishing.address, address=self.goal.address or "")
        return Utterance(text, "address")

    def _inline_fulfilment(self) -> str:
        self.said.fulfilment = True
        finishing = self.book.finishing
        if self.goal.fulfilment == "pickup":
            return self.rng.choice(finishing.inline_pickup)
        self.said.address = True
        return self.rng.choice(finishing.inline_delivery).format(address=self.goal.address)

    def _confirm(self, summary: str) -> Utterance:
        """Yes, unless the summary is plainly wrong and no correction was tried yet."""
        if not self.said.corrected:
            correction = self._correction(summary)
            if correction is not None:
                self.said.corrected = True
                return Utterance(correction, "correction")
        return Utterance(self.phrasing.say(self.book.finishing.confirm), "confirm")

    def _correction(self, summary: str) -> str | None:
        finishing = self.book.finishing
        for line in self.goal.lines:
            if first_mentioned(summary, {line.item: names_of(self.menu, line.item)}) is None:
                return self.phrasing.say(finishing.forgot, item=self.phrasing.item(line), name=line.item)
        extra = self.goal.extra
        if extra is not None and first_mentioned(summary, {extra.item: names_of(self.menu, extra.item)}):
            return self.phrasing.say(finishing.not_removed, name=self.phrasing.name(extra))
        wanted = self.cues.delivery_words if self.goal.fulfilment == "delivery" else self.cues.pickup_words
        if not any(word in summary.lower() for word in wanted):
            return self._fulfilment().text
        total = stated_total(summary, self.cues)
        if total is not None and total != expected_total(self.menu, self.goal.lines):
            items = self.phrasing.items(list(self.goal.lines), detail=True)
            return self.phrasing.say(finishing.restate, items=items)
        return None

    def _restate(self) -> Utterance:
        """The next unmet part of the goal, when the bot's reply asks nothing the customer can map."""
        if not self.said.fulfilment:
            return self._fulfilment()
        if self.goal.fulfilment == "delivery" and not self.said.address:
            return self._address()
        return Utterance(self.phrasing.say(self.book.finishing.done), "restate")

    def _note_items(self, act: Act) -> None:
        for line in act.lines:
            self.said.lines[line.item] = line
            if act.detail:
                self.said.sizes.add(line.item)
                if line.toppings:
                    self.said.toppings.add(line.item)


def _plan(goal: Goal, style: Style, rng: random.Random) -> list[Act]:
    """The agenda: the items as the style states them, then the detours in random order, then done."""
    change = goal.change
    first_lines = [
        change.before if change is not None and index == change.line else line
        for index, line in enumerate(goal.lines)
    ]
    if goal.extra is not None:
        first_lines.insert(rng.randint(0, len(first_lines)), goal.extra)
    detail = style != "details_late"
    together = style in ("all_at_once", "details_late") or (style == "bare_opener" and rng.random() < 0.5)
    acts = (
        [Act("items", tuple(first_lines), detail)]
        if together
        else [Act("items", (line,), detail) for line in first_lines]
    )
    detours = [Act("change")] if change is not None else []
    detours += [Act("remove", (goal.extra,))] if goal.extra is not None else []
    detours += [Act("total")] if goal.asks_total else []
    rng.shuffle(detours)
    plan = acts + detours
    if goal.digression:
        plan.insert(rng.randint(1, len(plan)), Act("digression"))
    return [*plan, Act("done")]


def phrasing_styles(rng: random.Random, count: int) -> list[Style]:
    """``count`` different styles (repeating only when there are more phrasings than styles)."""
    styles = list(STYLES)
    rng.shuffle(styles)
    return [styles[index % len(styles)] for index in range(count)]

"""Changes applied to the draft: remove, swap out, resize, keep only, and late toppings or sizes."""

from __future__ import annotations

from skills.order.draft import LineItem, OrderDraft, describe_line, describe_lines
from skills.order.edits import Edit, Ref
from skills.order.menu import Menu
from skills.order.parse import ParsedLine


class DraftChanges:
    """Applies what the customer changes to items already ordered; each method returns its note."""

    def __init__(self, menu: Menu) -> None:
        self.menu = menu

    def apply(self, draft: OrderDraft, edit: Edit) -> tuple[str, LineItem | None]:
        """Apply ``edit``; the note for the customer and, for a swap, the item swapped out."""
        if edit.ref.topping is not None:
            return self._remove_topping(draft, edit.ref), None
        asked = draft.open_items[:1] if edit.ref == Ref() else []  # "make it medium" answers the question
        line = asked[0] if asked else self.find(draft, edit.ref)
        if line is None:
            return f"There is no {self._named(edit.ref)} in your order.", None
        every = self._pointed_at(draft, line, edit)
        if edit.action == "count":
            return self._recount(draft, every, edit.count or 1), None
        if edit.action == "resize":
            refused = [note for i in every if (note := self.resize(i, edit.size or ""))]
            return refused[0] if refused else f"Changed to {describe_lines(self.menu, every)}.", None
        if edit.action == "keep":
            others = [i for i in draft.items if not any(i is kept for kept in every)]
            self._drop(draft, others)
            return (f"Removed {describe_lines(self.menu, others)}." if others else ""), None
        self._drop(draft, every)
        return ("" if edit.action == "swap" else f"Removed {describe_lines(self.menu, every)}."), line

    def _pointed_at(self, draft: OrderDraft, line: LineItem, edit: Edit) -> list[LineItem]:
        """What an edit's reference covers: every such item, the one counted, or it and its equal twins."""
        if edit.ref.every or edit.action == "count":
            return [i for i in draft.items if i.name == line.name]
        if edit.ref.one:
            return [line]
        return [i for i in draft.items if i == line]

    def recount_last(self, draft: OrderDraft, count: int) -> str:
        """A bare count ("actually just two") for the item asked about, else the last one named."""
        last = (draft.open_items or draft.items)[-1 if not draft.open_items else 0]
        return self._recount(draft, [i for i in draft.items if i == last], count)

    def amend(
        self, draft: OrderDraft, lines: list[ParsedLine], strong: bool, instead_of: list[str] | None = None
    ) -> tuple[list[str], list[ParsedLine]]:
        """A correction's items applied to what was ordered; the notes, and the lines it did not amend.

        An item already ordered takes the size, toppings and count said ("I meant a small fries");
        with one item ordered and one new, the new replaces the old ("make the cokes sprites").
        A strong correction ("I meant a sprite") also replaces an item of the same kind.
        """
        ordered = {line.name for line in draft.items}
        named = [line for line in lines if line.name in ordered]
        fresh = [line for line in lines if line.name not in ordered]
        unwanted = [name for name in instead_of or [] if name in ordered]
        if len(named) == 1 and len(fresh) == 1:
            return [self._replace(draft, self._twins(draft, named[0].name), fresh[0])], []
        if unwanted and len(fresh) == 1 and not named:  # "I meant sprites, not cokes"
            return [self._replace(draft, self._twins(draft, unwanted[0]), fresh[0])], []
        notes = [self._update(draft, line) for line in named]
        left = []
        for line in fresh:
            kind = self.menu.item(line.name).kind
            same_kind = [i for i in draft.items if self.menu.item(i.name).kind == kind]
            if strong and same_kind:
                notes.append(self._replace(draft, self._twins(draft, same_kind[-1].name), line))
            else:
                left.append(line)
        return notes, left

    def restate(self, draft: OrderDraft, lines: list[ParsedLine]) -> str:
        """Set each item named to exactly the lines said ("not quite: 2 large onion rings").

        What a line does not say (a size, the toppings) is kept from the item it restates.
        """
        made: list[LineItem] = []
        for name in dict.fromkeys(line.name for line in lines):
            entry = self.menu.item(name)
            old = [line for line in draft.items if line.name == name]
            at = next((at for at, line in enumerate(draft.items) if line.name == name), len(draft.items))
            self._drop(draft, old)
            new = []
            for said in (line for line in lines if line.name == name):
                size = said.size or (old[0].size if old else entry.single_size)
                toppings = said.toppings if said.toppings is not None else old[0].toppings if old else None
                new += [LineItem(name=name, size=size, toppings=toppings) for _ in range(said.quantity)]
            draft.items[at:at] = new
            made += new
        return f"Now {describe_lines(self.menu, made)}."

    def _twins(self, draft: OrderDraft, name: str) -> list[LineItem]:
        """The last item called ``name`` and the items equal to it (what "the cheese" points at)."""
        last = next(line for line in reversed(draft.items) if line.name == name)
        return [line for line in draft.items if line == last]

    def _update(self, draft: OrderDraft, said: ParsedLine) -> str:
        """Give the items called as ``said`` the size, toppings and count it says.

        With a count ("I meant two cokes") it is about every such item; else the last and its equals.
        """
        named = [line for line in draft.items if line.name == said.name]
        lines = named if said.counted else self._twins(draft, said.name)
        for line in lines:
            line.size = said.size if said.size is not None else line.size
            line.toppings = said.toppings if said.toppings is not None else line.toppings
        if said.counted and said.quantity != len(lines):
            return self._recount(draft, lines, said.quantity)
        return f"Changed to {describe_lines(self.menu, lines)}."

    def _replace(self, draft: OrderDraft, old: list[LineItem], new: ParsedLine) -> str:
        """Put ``new`` where ``old`` was, keeping what it does not say (size, toppings, how many)."""
        entry = self.menu.item(new.name)
        size = new.size or (old[0].size if old[0].size in entry.sizes else entry.single_size)
        kept = old[0].toppings if self.menu.item(old[0].name).takes_toppings else None
        toppings = new.toppings if new.toppings is not None else kept if entry.takes_toppings else []
        count = new.quantity if new.counted else len(old)
        at = next(at for at, line in enumerate(draft.items) if line is old[0])
        self._drop(draft, old)
        made = [LineItem(name=new.name, size=size, toppings=toppings) for _ in range(count)]
        draft.items[at:at] = made
        return f"Changed {describe_lines(self.menu, old)} to {describe_lines(self.menu, made)}."

    def _recount(self, draft: OrderDraft, same: list[LineItem], count: int) -> str:
        """Have ``count`` of the item of ``same``: drop the newest ones, or copy the last one."""
        kept = same[:count]
        self._drop(draft, same[count:])
        last = kept[-1]
        at = next(at for at, line in enumerate(draft.items) if line is last) + 1
        draft.items[at:at] = [last.model_copy(deep=True) for _ in range(count - len(same))]
        return f"You now have {count} x {describe_line(self.menu, last)}."

    def find(self, draft: OrderDraft, ref: Ref) -> LineItem | None:
        """The last item named that ``ref`` points at."""
        for line in reversed(draft.items):
            entry = self.menu.item(line.name)
            if ref.name not in (None, line.name) or ref.noun not in (None, entry.head):
                continue
            if ref.size in (None, line.size):
                return line
        return None

    def resize(self, line: LineItem, size: str) -> str:
        """Change one item's size, keeping its toppings; "" when done, else why not."""
        entry = self.menu.item(line.name)
        if size not in entry.sizes:
            return f"The {entry.label} comes in {', '.join(entry.sizes)}."
        line.size = size
        return ""

    def add_toppings(self, line: LineItem, toppings: list[str]) -> str:
        """Put toppings on an item already ordered (no new item)."""
        entry = self.menu.item(line.name)
        if not entry.takes_toppings:
            return f"Toppings go on {self._topped_heads()} only."
        line.toppings = self.menu.in_menu_order([*(line.toppings or []), *toppings])
        return f"Now {describe_line(self.menu, line)}." if line.size else ""

    def last_topped(self, draft: OrderDraft) -> LineItem | None:
        """The most recent item that takes toppings."""
        topped = [i for i in draft.items if self.menu.item(i.name).takes_toppings]
        return topped[-1] if topped else None

    def _remove_topping(self, draft: OrderDraft, ref: Ref) -> str:
        for line in reversed(draft.items):
            if line.toppings and ref.topping in line.toppings:
                line.toppings = [t for t in line.toppings if t != ref.topping]
                return f"Now {describe_line(self.menu, line)}."
        return f"There is no {ref.topping} on your order."

    def _drop(self, draft: OrderDraft, lines: list[LineItem]) -> None:
        draft.items = [i for i in draft.items if not any(i is line for line in lines)]

    def _named(self, ref: Ref) -> str:
        name = self.menu.item(ref.name).label if ref.name else ref.noun or "such item"
        return f"{ref.size} {name}" if ref.size else name

    def _topped_heads(self) -> str:
        heads = sorted({i.head or i.name for i in self.menu.items if i.takes_toppings})
        return " and ".join(f"{head}s" for head in heads) or "nothing here"

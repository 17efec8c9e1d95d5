"""Changes applied to the draft: remove, swap out, resize, keep only, and late toppings or sizes."""

from __future__ import annotations

from skills.order.draft import LineItem, OrderDraft, describe_line, describe_lines
from skills.order.edits import Edit, Ref
from skills.order.menu import Menu


class DraftChanges:
    """Applies what the customer changes to items already ordered; each method returns its note."""

    def __init__(self, menu: Menu) -> None:
        self.menu = menu

    def apply(self, draft: OrderDraft, edit: Edit) -> tuple[str, LineItem | None]:
        """Apply ``edit``; the note for the customer and, for a swap, the item swapped out."""
        if edit.ref.topping is not None:
            return self._remove_topping(draft, edit.ref), None
        line = self.find(draft, edit.ref)
        if line is None:
            return f"There is no {self._named(edit.ref)} in your order.", None
        every = (
            [i for i in [*draft.items, *draft.pending] if i.name == line.name]
            if edit.ref.every or edit.action == "count"
            else [line]
        )
        if edit.action == "count":
            return self._recount(draft, every, edit.count or 1), None
        if edit.action == "resize":
            return " ".join(dict.fromkeys(self.resize(i, edit.size or "") for i in every)), None
        if edit.action == "keep":
            others = [i for i in [*draft.items, *draft.pending] if not any(i is kept for kept in every)]
            self._drop(draft, others)
            return (f"Removed {describe_lines(self.menu, others)}." if others else ""), None
        self._drop(draft, every)
        return ("" if edit.action == "swap" else f"Removed {describe_lines(self.menu, every)}."), line

    def _recount(self, draft: OrderDraft, same: list[LineItem], count: int) -> str:
        """Have ``count`` of the item of ``same``: drop the newest ones, or copy the last one."""
        if count < len(same):
            self._drop(draft, same[count:])
        pool = draft.pending if any(same[-1] is line for line in draft.pending) else draft.items
        for _ in range(count - len(same)):
            pool.append(same[-1].model_copy(deep=True))
        return f"You now have {count} x {describe_line(self.menu, same[-1])}."

    def find(self, draft: OrderDraft, ref: Ref) -> LineItem | None:
        """The last item (pending ones first) that ``ref`` points at."""
        for line in reversed([*draft.items, *draft.pending]):
            entry = self.menu.item(line.name)
            if ref.name not in (None, line.name) or ref.noun not in (None, entry.head):
                continue
            if ref.size in (None, line.size):
                return line
        return None

    def resize(self, line: LineItem, size: str) -> str:
        """Change one item's size, keeping its toppings (refused when the item has no such size)."""
        entry = self.menu.item(line.name)
        if size not in entry.sizes:
            return f"The {entry.label} comes in {', '.join(entry.sizes)}."
        line.size = size
        return f"Changed to {describe_line(self.menu, line)}."

    def add_toppings(self, line: LineItem, toppings: list[str]) -> str:
        """Put toppings on an item already ordered (no new item)."""
        entry = self.menu.item(line.name)
        if not entry.takes_toppings:
            return f"Toppings go on {self._topped_heads()} only."
        line.toppings = self.menu.in_menu_order([*(line.toppings or []), *toppings])
        return f"Now {describe_line(self.menu, line)}." if line.size else ""

    def last_topped(self, draft: OrderDraft) -> LineItem | None:
        """The most recent item that takes toppings."""
        topped = [i for i in [*draft.items, *draft.pending] if self.menu.item(i.name).takes_toppings]
        return topped[-1] if topped else None

    def _remove_topping(self, draft: OrderDraft, ref: Ref) -> str:
        for line in reversed([*draft.pending, *draft.items]):
            if line.toppings and ref.topping in line.toppings:
                line.toppings = [t for t in line.toppings if t != ref.topping]
                return f"Now {describe_line(self.menu, line)}."
        return f"There is no {ref.topping} on your order."

    def _drop(self, draft: OrderDraft, lines: list[LineItem]) -> None:
        draft.items = [i for i in draft.items if not any(i is line for line in lines)]
        draft.pending = [i for i in draft.pending if not any(i is line for line in lines)]

    def _named(self, ref: Ref) -> str:
        name = self.menu.item(ref.name).label if ref.name else ref.noun or "such item"
        return f"{ref.size} {name}" if ref.size else name

    def _topped_heads(self) -> str:
        heads = sorted({i.head or i.name for i in self.menu.items if i.takes_toppings})
        return " and ".join(f"{head}s" for head in heads) or "nothing here"

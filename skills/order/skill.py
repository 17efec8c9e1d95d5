"""OrderSkill: the OrderBot of the course, behind the skill interface."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from conversation.language import phrase_book
from conversation.llm.base import Completion
from conversation.types import Choice, Reply
from skills.base import SkillRequest, SkillResponse, render_prompt
from skills.order.commands import adopt, needs_model, read_with_model
from skills.order.dialogue import OrderDialogue
from skills.order.draft import OrderDraft, fulfilment_text
from skills.order.menu import Menu, load_menu
from skills.order.repair import claims, recognises, reminder, starts_order
from skills.order.sink import OrderSink

_BUTTONS: dict[str, list[str]] = phrase_book("order")["buttons"]
PLACE_OR_CANCEL = (
    Choice(_BUTTONS["place"][0], _BUTTONS["place"][1], "primary"),
    Choice(_BUTTONS["cancel"][0], _BUTTONS["cancel"][1], "danger"),
)
"""The summary's buttons: pressing one says "yes" or "cancel" as if typed."""


class OrderSkill:
    """Takes a food order in a dialogue; the confirmed order is ``Reply.data`` (priced by code).

    With a ``sink`` the confirmed order is also stored (once per confirming message) and sent on.
    """

    summary = "Order from the menu"
    usage = "a large pepperoni and a coke"

    name = "order"

    def __init__(
        self, menu: Menu | None = None, menu_path: Path | None = None, sink: OrderSink | None = None
    ) -> None:
        self.menu = menu if menu is not None else load_menu(menu_path)
        self.description = (
            f"Order food from the {self.menu.name} menu ({', '.join(i.label for i in self.menu.items)}), "
            "for pickup or delivery."
        )
        """Made from the menu, so /help and the chat skill can say what is (and is not) sold."""
        self.dialogue = OrderDialogue(self.menu)
        self.sink = sink

    async def start(self) -> None:
        """Deliver the orders an earlier run confirmed but could not deliver."""
        if self.sink is not None:
            self.sink.resume()

    async def aclose(self) -> None:
        """Stop delivering; undelivered orders wait in the table for the next start."""
        if self.sink is not None:
            await self.sink.aclose()

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """One message: read by code (when code read nothing, by the model's checked commands), applied."""
        try:
            draft = OrderDraft.model_validate(request.state) if request.state else None
        except ValidationError:
            draft = None
        opening = draft is None
        draft = draft or OrderDraft()
        reading = self.dialogue.read(draft, request.text)
        bare = not request.text.strip() or reading.greeting or starts_order(request.text)
        if opening and bare and not reading.names_items:
            return self._respond(self.dialogue.greeting(), draft)
        prompt, completion, notes = "", None, []
        if need := needs_model(draft, reading):
            asked = "" if opening else self.dialogue.next_question(draft)[1]
            call = await read_with_model(
                request.llm,
                self.dialogue.lexicon,
                request.text,
                draft=draft,
                asked=asked,
                conversation=request.message.scope.key,
            )
            prompt, completion = render_prompt(call.messages), call.completion
            if call.commands is not None:
                notes = adopt(reading, call.commands, self.menu, draft if need == "gaps" else None)
        step = self.dialogue.step(draft, reading, notes)
        text = step.text
        if opening and step.outcome == "open" and not step.draft.items and reading.fulfilment:
            where = fulfilment_text(step.draft.fulfilment)  # "delivery to 10 Willow Avenue" said first
            text = self.dialogue.greeting().replace(
                "\nWhat would you like?", f"\nNoted: {where}. What would you like?"
            )
        elif opening and step.outcome == "open":
            text = f"{self.dialogue.welcome()} {step.text}"
        if step.outcome == "open":
            return self._respond(text, step.draft, prompt, completion)
        if step.order is not None and self.sink is not None:
            await self.sink.place(request.message, step.order)
        return SkillResponse(
            replies=[Reply(text, skill=self.name, data=step.order)],
            prompt=prompt,
            completion=completion,
        )

    def claims(self, text: str, state: Mapping[str, Any]) -> bool | None:
        """Whether a free-text turn is for the open order (see ``repair.claims``)."""
        return claims(self.dialogue, text, state)

    def reminder(self, state: Mapping[str, Any]) -> str:
        """One line saying where the parked order stopped."""
        return reminder(self.dialogue, state)

    def recognises(self, text: str) -> bool:
        """Whether free text plainly starts an order ("can I get two cheese pizzas")."""
        return recognises(self.dialogue, text)

    def _respond(
        self, text: str, draft: OrderDraft, prompt: str = "", completion: Completion | None = None
    ) -> SkillResponse:
        choices = PLACE_OR_CANCEL if draft.stage == "confirm" else ()
        return SkillResponse(
            replies=[Reply(text, skill=self.name, choices=choices)],
            hold_dialogue=True,
            state=draft.to_state(),
            prompt=prompt,
            completion=completion,
        )

"""OrderSkill: the OrderBot of the course, behind the skill interface."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from conversation.llm.base import Completion
from conversation.types import Reply
from skills.base import SkillRequest, SkillResponse, render_prompt
from skills.order.dialogue import OrderDialogue, OrderDraft
from skills.order.extract import Extraction, extract_with_model, parse_keywords
from skills.order.menu import Menu, load_menu
from skills.order.sink import OrderSink


class OrderSkill:
    """Takes a food order in a dialogue; the confirmed order is ``Reply.data`` (priced by code).

    With a ``sink`` the confirmed order is also stored (once per confirming message) and sent on.
    """

    name = "order"
    description = "Order food from the menu: pizza, sides and drinks, for pickup or delivery."

    def __init__(
        self, menu: Menu | None = None, menu_path: Path | None = None, sink: OrderSink | None = None
    ) -> None:
        self.menu = menu if menu is not None else load_menu(menu_path)
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
        """One customer message: understand it (model, then keywords), advance the dialogue."""
        try:
            draft = OrderDraft.model_validate(request.state) if request.state else None
        except ValidationError:
            draft = None
        opening = draft is None
        draft = draft or OrderDraft()
        if opening and not request.text.strip():
            return self._respond(self.dialogue.greeting(), draft)
        understood: Extraction | None = None
        prompt, completion = "", None
        if self.dialogue.wants_items(draft, request.text):
            understood, prompt, completion = await self._understand(request)
        step = self.dialogue.step(draft, request.text, understood)
        text = f"{self.dialogue.welcome()} {step.text}" if opening and step.outcome == "open" else step.text
        if step.outcome == "open":
            return self._respond(text, step.draft, prompt, completion)
        if step.order is not None and self.sink is not None:
            await self.sink.place(request.message, step.order)
        return SkillResponse(
            replies=[Reply(text, skill=self.name, data=step.order)],
            prompt=prompt,
            completion=completion,
        )

    async def _understand(self, request: SkillRequest) -> tuple[Extraction, str, Completion]:
        """The model's grounded extraction when it found items, else the keyword parser's."""
        call = await extract_with_model(request.llm, self.menu, request.text, request.message.scope.key)
        keywords = parse_keywords(self.menu, request.text)
        model = call.extraction or Extraction()
        chosen = model if model.items else keywords
        refused = list(dict.fromkeys([*model.not_on_menu, *keywords.not_on_menu]))
        return (
            Extraction(items=chosen.items, not_on_menu=refused),
            render_prompt(call.messages),
            call.completion,
        )

    def _respond(
        self, text: str, draft: OrderDraft, prompt: str = "", completion: Completion | None = None
    ) -> SkillResponse:
        return SkillResponse(
            replies=[Reply(text, skill=self.name)],
            hold_dialogue=True,
            state=draft.to_state(),
            prompt=prompt,
            completion=completion,
        )

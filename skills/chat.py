"""chat: general conversation with a configurable persona; the router's fallback."""

from __future__ import annotations

from collections.abc import Mapping

from conversation.llm.base import ChatMessage, GenerationOptions
from conversation.types import Reply
from skills.base import SkillRequest, SkillResponse, render_prompt

CHAT_TEMPERATURE = 0.7


class ChatSkill:
    """Answers with the persona as system prompt and the scope's recent turns as context."""

    name = "chat"
    description = "Small talk, opinions, advice, general questions, and what you told me earlier."

    def __init__(self, persona: str, max_tokens: int = 512, skills: Mapping[str, str] | None = None) -> None:
        """``skills``: the bot's other skills (command -> description), told to the model to name them."""
        told = "".join(f"\n- /{name}: {description}" for name, description in (skills or {}).items())
        if told:
            persona += f"\nBesides chatting you have these skills (the person can use the commands):{told}"
        self._system = ChatMessage("system", persona)
        self.max_tokens = max_tokens

    @property
    def persona(self) -> str:
        """The system prompt every answer starts from."""
        return self._system.content

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """Send persona + history + the new message to the model."""
        system, question = self._system, ChatMessage("user", request.text)
        messages = [system, *request.history, question]
        options = GenerationOptions(
            temperature=CHAT_TEMPERATURE,
            max_tokens=self.max_tokens,
            conversation=request.message.scope.key,
            more_turns=True,
        )
        completion = await request.llm.complete(messages, options, request.on_token)
        return SkillResponse(
            replies=[Reply(completion.text.strip(), skill=self.name)],
            prompt=render_prompt([system], request.history, [question]),
            completion=completion,
        )

"""chat: general conversation with a configurable persona; the router's fallback."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

from conversation.llm.base import ChatMessage, GenerationOptions
from conversation.types import Message, Reply
from skills.base import SkillRequest, SkillResponse, render_prompt
from skills.claims import ClaimCheck
from skills.tools import Tool, choose_tool, run_tool

CHAT_TEMPERATURE = 0.7


class ChatSkill:
    """Answers with the persona as system prompt and the scope's recent turns as context."""

    name = "chat"
    description = "Small talk, opinions, advice, general questions, and what you told me earlier."

    def __init__(
        self,
        persona: str,
        max_tokens: int = 512,
        skills: Mapping[str, str] | None = None,
        tools: Sequence[Tool] = (),
        is_admin: Callable[[Message], Awaitable[bool]] | None = None,
    ) -> None:
        """``skills``: the bot's other skills (command -> description), told to the model to name them.

        ``tools``: functions the model may call before answering; ``is_admin`` decides, in code,
        who may run the admin-only ones (nobody without it).
        """
        self.tools = tuple(tools)
        self._is_admin = is_admin
        told = "".join(f"\n- /{name}: {description}" for name, description in (skills or {}).items())
        if told:
            persona += f"\nBesides chatting you have these skills (the person can use the commands):{told}"
        self._system = ChatMessage("system", persona)
        self.max_tokens = max_tokens
        self._claims = ClaimCheck()
        self._instead = "I can't do that from a chat, and nothing has been done." + (
            f" Here is what I can do:{told}" if told else ""
        )
        """Said instead of an answer that claims an action: chat acts on nothing."""

    @property
    def persona(self) -> str:
        """The system prompt every answer starts from."""
        return self._system.content

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """Send persona + history + the new message to the model."""
        system, question = self._system, ChatMessage("user", request.text)
        messages = [system, *request.history, question]
        called = await self._call_tool(request, messages)
        options = GenerationOptions(
            temperature=CHAT_TEMPERATURE,
            max_tokens=self.max_tokens,
            conversation=request.message.scope.key,
            more_turns=True,
        )
        completion = await request.llm.complete(messages, options, request.on_token)
        answer = completion.text.strip()
        return SkillResponse(
            replies=[Reply(self._instead if self._claims.claims(answer) else answer, skill=self.name)],
            prompt=render_prompt([system], request.history, [question, *called]),
            completion=completion,
        )

    async def _call_tool(self, request: SkillRequest, messages: list[ChatMessage]) -> list[ChatMessage]:
        """Let the model call one tool; its call and result join ``messages`` (and are returned)."""
        if not self.tools:
            return []
        wanted = await choose_tool(request.llm, messages, self.tools)
        if wanted is None:
            return []
        allowed = self._is_admin is not None and await self._is_admin(request.message)
        call = await run_tool(self.tools, wanted, is_admin=allowed)
        message = call.as_message()
        messages.append(message)
        return [message]

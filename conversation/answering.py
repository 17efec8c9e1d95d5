"""One attempt at answering an accepted message: route it, run its skill, shape what is stored.

The engine schedules, stores and delivers; this module decides what one turn says: the replies
(never none: a silent skill becomes a notice), the open dialogue's next state (kept, with a
reminder, when the turn passed it by), the turns for the scope's history and the transcript row.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from conversation.context import ScopeContext
from conversation.errors import SkillError
from conversation.llm.base import LLM, ChatMessage, TokenSink
from conversation.outcome import Outcome, PendingMessage, skill_deferral
from conversation.router import Route, Router, UnknownCommand
from conversation.types import Reply
from skills.base import HoldsDialogue, Skill, SkillRequest, SkillResponse
from storage import ScopeStateRecord, TranscriptRecord

log = logging.getLogger(__name__)

NO_ANSWER = "Sorry, the {skill} skill gave no answer to that message. Please try rephrasing it."


class TurnAnswerer:
    """Answers one message of a scope from its context, with the router's skills and the model."""

    def __init__(self, router: Router, llm: LLM, history_tokens: int, max_attempts: int) -> None:
        self.router = router
        self.llm = llm
        self.history_tokens = history_tokens
        self.max_attempts = max_attempts

    async def answer(
        self, pending: PendingMessage, context: ScopeContext, on_token: TokenSink | None
    ) -> Outcome:
        """The outcome of one attempt; BackendUnavailable propagates (the engine defers)."""
        message = pending.message
        started = time.perf_counter()
        open_skill, open_state = context.state.active_skill, context.state.state
        try:
            route = await self.router.route(message, open_skill, open_state)
        except UnknownCommand as unknown:
            return Outcome([Reply(str(unknown), notice=True)])
        holding = open_skill == route.skill.name
        request = SkillRequest(
            message=message,
            text=route.text,
            history=context.history(self.llm.count_tokens, self.history_tokens),
            state=dict(open_state) if holding else {},
            llm=self.llm,
            on_token=on_token,
        )
        try:
            response = _answered(await route.skill.handle(request), route.skill.name)
        except SkillError as error:
            if error.retry_after_s is not None:
                return skill_deferral(pending, error, route.skill.name, self.max_attempts)
            response = SkillResponse([Reply(error.text, skill=route.skill.name, notice=True)])
        replies = list(response.replies)
        answer = "\n\n".join([reply.text for reply in replies])
        new_state = ScopeStateRecord(route.skill.name, response.state) if response.hold_dialogue else None
        if new_state is None and route.parked is not None:
            replies += _reminder(route.parked, open_state)
        elif new_state is None and open_skill is not None:
            new_state = ScopeStateRecord(None, {})
        return Outcome(
            replies,
            turns=[ChatMessage("user", message.text), ChatMessage("assistant", answer)],
            transcript=_transcript(route, response, answer, started),
            new_state=new_state,
        )


def _transcript(route: Route, response: SkillResponse, answer: str, started: float) -> TranscriptRecord:
    """The transcript row of a turn: the skill, the model call behind it and how long it took."""
    used = response.completion
    return TranscriptRecord(
        skill=route.skill.name,
        intent=route.intent,
        model=used.model if used else "",
        prompt=response.prompt,
        output=answer,
        latency_ms=(time.perf_counter() - started) * 1000,
        prompt_tokens=used.prompt_tokens if used else 0,
        completion_tokens=used.completion_tokens if used else 0,
    )


def _answered(response: SkillResponse, skill: str) -> SkillResponse:
    """``response``, or a notice in its place when the skill said nothing (silence is a bug)."""
    if any(reply.text.strip() for reply in response.replies):
        return response
    log.error("skill %s returned no reply text", skill)
    notice = Reply(NO_ANSWER.format(skill=skill), skill=skill, notice=True)
    return SkillResponse(
        [notice], response.hold_dialogue, response.state, response.prompt, response.completion
    )


def _reminder(parked: Skill, state: Mapping[str, Any]) -> list[Reply]:
    """One line from the parked dialogue's skill saying where it stopped (none if it gives none)."""
    if not isinstance(parked, HoldsDialogue):
        return []
    line = parked.reminder(state).strip()
    return [Reply(line, skill=parked.name)] if line else []

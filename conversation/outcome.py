"""What one attempt at an accepted message produced, before it is stored and delivered."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import NamedTuple

from conversation.errors import BackendUnavailable, SkillError
from conversation.llm.base import ChatMessage
from conversation.types import Message, Reply
from storage import Completion, ScopeStateRecord, TranscriptRecord


class PendingMessage(NamedTuple):
    """An accepted message waiting for (another) attempt."""

    inbox_id: int
    message: Message
    attempts: int


class Outcome(NamedTuple):
    """What one attempt at a message produced; stored atomically, then delivered."""

    replies: Sequence[Reply]
    turns: Sequence[ChatMessage] = ()
    transcript: TranscriptRecord | None = None
    new_state: ScopeStateRecord | None = None
    retry_at: float | None = None
    failed: bool = False

    def completion_of(self, pending: PendingMessage) -> Completion:
        """The storage record of this outcome."""
        message = pending.message
        return Completion(
            pending.inbox_id,
            pending.attempts,
            message.platform,
            message.scope.key,
            message.user,
            [reply.to_record() for reply in self.replies],
            self.turns,
            self.transcript,
            self.new_state,
            self.retry_at,
            self.failed,
        )


def deferral(
    pending: PendingMessage, error: BackendUnavailable, model: str, max_attempts: int, retry_after_s: float
) -> Outcome:
    """The outcome of an attempt the model backend failed.

    Retry later (the first time with a notice to the user), or give up with a clear sentence
    after ``max_attempts``.
    """
    attempts = pending.attempts + 1
    transcript = TranscriptRecord(
        skill="",
        intent="",
        model=model,
        prompt="",
        output=str(error),
        latency_ms=0.0,
        outcome="backend_error",
    )
    if attempts >= max_attempts:
        text = (
            f"Sorry, the language model is still unavailable ({error}); "
            f"I gave up on this message after {attempts} attempts."
        )
        return Outcome([Reply(text, notice=True)], transcript=transcript, failed=True)
    notice = Reply(
        f"The language model is unavailable right now ({error}). Your message is saved "
        "and will be answered as soon as it is back.",
        notice=True,
    )
    return Outcome(
        [] if pending.attempts else [notice],
        transcript=transcript,
        retry_at=time.time() + retry_after_s,
    )


def skill_deferral(pending: PendingMessage, error: SkillError, skill: str, max_attempts: int) -> Outcome:
    """The outcome of an attempt a skill asked to retry (``SkillError.retry_after_s``).

    The person sees the skill's sentence the first time; the message is tried again after the
    skill's delay, until ``max_attempts``, when the sentence is the answer.
    """
    attempts = pending.attempts + 1
    transcript = TranscriptRecord(
        skill=skill,
        intent=skill,
        model="",
        prompt="",
        output=error.text,
        latency_ms=0.0,
        outcome="skill_error",
    )
    notice = Reply(error.text, skill=skill, notice=True)
    if attempts >= max_attempts or error.retry_after_s is None:
        return Outcome([notice], transcript=transcript, failed=True)
    return Outcome(
        [] if pending.attempts else [notice],
        transcript=transcript,
        retry_at=time.time() + error.retry_after_s,
    )


RETRY_SOON_S = 2.0
"""How long a message whose attempt failed unexpectedly waits before its one more attempt."""


def failure(pending: PendingMessage, apology: str, retry_after_s: float) -> Outcome:
    """The outcome of an attempt that raised an unexpected error.

    The engine cannot tell a transient fault (a database busy, a connection reset, a model loading
    in another thread) from a bug by its type, so the first such failure is tried again soon and
    silently: a transient fault costs a second, a bug one more attempt before ``apology``.
    """
    if pending.attempts == 0:
        return Outcome([], retry_at=time.time() + min(retry_after_s, RETRY_SOON_S))
    return Outcome([Reply(apology, notice=True)], failed=True)

"""Yes-or-no questions, decided by a constrained choice over the best statements.

Asked "Can I ...?" with passages before it, a small model tends to echo the question ("Yes, you
can ...") whatever the text says. Given only the two statements that bear on it most and made
to pick one of ``yes``, ``no`` or ``not stated``, it reads the rule instead; the reply then
quotes the statement it was decided by.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from conversation.llm.base import LLM, ChatMessage, Completion, GenerationOptions
from skills.base import render_prompt
from skills.prompts import load_prompts

Verdict = Literal["yes", "no"]
STATEMENTS_WEIGHED = 2
_UNDECIDED = "not stated"
_SCHEMA = {
    "type": "object",
    "properties": {"answer": {"enum": ["yes", "no", _UNDECIDED]}},
    "required": ["answer"],
}
_AUXILIARY = (
    r"(?:is|are|am|was|were|do|does|did|can|could|may|might|must|shall|should|will|would|has|have|had)"
    r"(?:n't)?"
)
_LEAD_CLAUSE = r"(?:(?:if|when|whenever|once|after|before|under|in|for|with|as|since)\b[^,?]{0,160},\s*)?"
_YES_OR_NO = re.compile(rf"^{_LEAD_CLAUSE}{_AUXILIARY}\b[^?]*\?", re.IGNORECASE)
_OPEN_QUESTION = re.compile(
    r"\b(?:what|which|who|whom|whose|where|when|why|how)\b[^?]*\?"
    r"|\b(?:can|could|would|will) you (?:please )?(?:tell|explain|show|give|list|describe|summari[sz]e)\b"
    r"|\bdo you know\b",
    re.IGNORECASE,
)
"""A question asking for something ("when…?", "can you tell me the…?"), not for yes or no."""
PROMPTS = load_prompts("docs")


def asks_yes_or_no(question: str) -> bool:
    """True when a sentence of ``question`` is a yes-or-no question and none asks what/which/how."""
    sentences = re.split(r"(?<=[.?!])\s+", question.strip())
    closed = any(_YES_OR_NO.match(sentence) for sentence in sentences)
    return closed and not any(_OPEN_QUESTION.search(sentence) for sentence in sentences)


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict (None: the statements do not settle it) and the model call that gave it."""

    verdict: Verdict | None
    prompt: str
    completion: Completion


async def decide(llm: LLM, question: str, statements: Sequence[str]) -> Decision:
    """``yes`` or ``no`` as the best ``statements`` answer ``question``, or None."""
    rules = "\n".join(f"- {text}" for text in statements[:STATEMENTS_WEIGHED])
    messages = [
        ChatMessage("system", PROMPTS["verdict_system"].strip()),
        ChatMessage("user", PROMPTS["verdict_user"].format(rules=rules, question=question)),
    ]
    options = GenerationOptions(temperature=0.0, max_tokens=16, json_schema=_SCHEMA)
    completion = await llm.complete(messages, options)
    try:
        answer = json.loads(completion.text).get("answer")
    except (json.JSONDecodeError, AttributeError):
        answer = None
    verdict: Verdict | None = answer if answer in ("yes", "no") else None
    return Decision(verdict, render_prompt(messages), completion)

"""A correction checked before it is sent, with a second pass on the result to a fix point.

The model's draft, a spelling pass and confusion sets give candidates, ranked by the model's
log-probability.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from conversation.llm.base import LLM, ScoresText
from skills.corrections.confusions import shipped_confusions
from skills.corrections.search import (
    Proposal,
    Scorer,
    choose_correction,
    confusion_proposals,
    proposals_between,
    spelling_proposals,
    tokens_of,
)
from skills.corrections.spelling import english_spelling

MAX_PASSES = 3
Drafter = Callable[[str], Awaitable[str]]
"""A text -> the model's corrected draft of it (already cleaned of trivial changes)."""


@dataclass(frozen=True, slots=True)
class CheckedCorrection:
    """The corrected text, the words no dictionary knows that stayed, and how many passes it took."""

    corrected: str
    unknown: tuple[str, ...]
    passes: int


async def check_correction(text: str, draft: Drafter, llm: LLM, context: str) -> CheckedCorrection:
    """Correct ``text`` until a pass changes nothing (at most ``MAX_PASSES``).

    Each pass asks for the model's draft of the current text and ranks its changes with the
    spelling pass's and the confusion sets' by the model's log-probability after ``context``.
    """
    score = _scorer(llm, context)
    current, passes = text, 0
    drafts: set[str] = set()
    """The model's drafts so far: a text the model drafted itself is not sent to it again."""
    unknown: tuple[str, ...] = ()
    while passes < MAX_PASSES:
        passes += 1
        tokens = tokens_of(current)
        spelling, hopeless = spelling_proposals(tokens, english_spelling())
        drafted = current if current in drafts else await draft(current)
        drafts.add(drafted)
        modelled = proposals_between(tokens, drafted)
        proposals = [
            *_draft_first(spelling, modelled),
            *modelled,
            *confusion_proposals(tokens, shipped_confusions()),
        ]
        corrected = await choose_correction(tokens, proposals, score)
        unknown = tuple(hopeless)
        if corrected == current:
            break
        current = corrected
    return CheckedCorrection(current, unknown, passes)


def _draft_first(spelling: list[Proposal], modelled: list[Proposal]) -> list[Proposal]:
    """The spellings, but where the model's draft chose one of a word's, that one alone.

    The dictionary and the draft agree ("teh": "the"), so "ten" and "tea" need not compete.
    """
    drafted = {(p.start, p.end, p.replacement) for p in modelled}
    chosen = [p for p in spelling if (p.start, p.end, p.replacement) in drafted]
    agreed = {(p.start, p.end) for p in chosen}
    return [p for p in spelling if (p.start, p.end) not in agreed or p in chosen]


def _scorer(llm: LLM, context: str) -> Scorer:
    """The model's log-probabilities, or every text equal when the backend cannot score."""
    if isinstance(llm, ScoresText):
        scoring: ScoresText = llm

        async def score(texts: Sequence[str]) -> list[float]:
            return await scoring.score(context, texts)

        return score

    async def flat(texts: Sequence[str]) -> list[float]:
        return [0.0] * len(texts)

    return flat

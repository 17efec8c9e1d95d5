"""A translation checked before it is sent: invariants by code, meaning by back-translation.

Each candidate is translated back into the source language by the same model; its invariants
(``invariants``) must hold against the source in the translation and in the back-translation,
and the back-translation must mean what the source means (MiniLM cosine similarity). Up to
``k`` candidates are made, later ones told what to keep, and each that fails gets a repaired
twin where code can see the fix (``repair``); the best is kept, marked unsure when none passes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import numpy as np
from babel import Locale, UnknownLocaleError

from skills.translate.invariants import Invariants, broken_invariants, invariants_of
from skills.translate.repair import repaired

MIN_SIMILARITY = 0.8
"""Below this cosine similarity of source and back-translation the meaning is taken as changed."""
DEFAULT_CANDIDATES = 3
Translator = Callable[[str, float], Awaitable[str]]
"""(what to keep, as a sentence for the prompt, or ""; temperature) -> a translation."""
BackTranslator = Callable[[str], Awaitable[str]]
Similarity = Callable[[str, str], float]


@dataclass(frozen=True, slots=True)
class Candidate:
    """One translation with its back-translation and what the checks found."""

    text: str
    back: str
    problems: tuple[str, ...]
    similarity: float

    @property
    def passed(self) -> bool:
        """Every invariant kept and the meaning came back."""
        return not self.problems and self.similarity >= MIN_SIMILARITY

    def rank(self) -> tuple[bool, int, float]:
        """Higher is better: passing, then fewer problems, then closer meaning."""
        return (self.passed, -len(self.problems), self.similarity)


@dataclass(frozen=True, slots=True)
class CheckedTranslation:
    """The kept candidate and how many were made."""

    best: Candidate
    tried: int

    @property
    def sure(self) -> bool:
        """Whether the kept candidate passed its checks."""
        return self.best.passed


def minilm_similarity(a: str, b: str) -> float:
    """Cosine similarity of the two texts' all-MiniLM-L6-v2 vectors (blocking)."""
    from conversation.llm.embeddings import shared_embedder  # noqa: PLC0415 - torch only when used

    vectors = shared_embedder().encode([a, b])
    return float(np.dot(vectors[0], vectors[1]))


class TranslationChecker:
    """Makes up to ``candidates`` translations of one text into one language and keeps the best."""

    def __init__(
        self, similarity: Similarity = minilm_similarity, candidates: int = DEFAULT_CANDIDATES
    ) -> None:
        self.similarity = similarity
        self.candidates = max(candidates, 1)

    async def translate(
        self, text: str, source: str, target: str, translate: Translator, back: BackTranslator
    ) -> CheckedTranslation:
        """The best of up to ``candidates`` translations of ``text`` (``source``/``target``: ISO 639-1)."""
        expected = invariants_of(text, source)
        keep = keep_sentence(expected, target)
        best: Candidate | None = None
        tried = 0
        for attempt in range(self.candidates):
            hint, temperature = ("", 0.0) if attempt == 0 else (keep, 0.0 if attempt == 1 else 0.7)
            output = await translate(hint, temperature)
            tried += 1
            candidate = await self._check(text, (source, target), expected, output, back)
            if not candidate.passed and (fixed := repaired(output, expected, target)) is not None:
                fixed_candidate = await self._check(text, (source, target), expected, fixed, back)
                candidate = max(candidate, fixed_candidate, key=Candidate.rank)
            if best is None or candidate.rank() > best.rank():
                best = candidate
            if best.passed or not output:
                break
        assert best is not None
        return CheckedTranslation(best, tried)

    async def _check(
        self, text: str, languages: tuple[str, str], expected: Invariants, output: str, back: BackTranslator
    ) -> Candidate:
        source, target = languages
        problems = broken_invariants(expected, invariants_of(output, target), output)
        returned = await back(output) if output else ""
        problems += [
            f"back-translation: {problem}"
            for problem in broken_invariants(expected, invariants_of(returned, source), returned)
            if problem not in problems
        ]
        similarity = await asyncio.to_thread(self.similarity, text, returned) if returned else 0.0
        return Candidate(output, returned, tuple(dict.fromkeys(problems)), similarity)


def keep_sentence(expected: Invariants, target: str) -> str:
    """What a retry is told to keep, with weekdays and months named in the target language (CLDR)."""
    items: list[str] = []
    try:
        locale: Locale | None = Locale.parse(target)
    except (UnknownLocaleError, ValueError):
        locale = None
    english = Locale.parse("en")
    for day in expected.weekdays:
        named = f" ({locale.days['format']['wide'][day]})" if locale else ""
        items.append(f"{english.days['format']['wide'][day]}{named}")
    for month in expected.months:
        named = f" ({locale.months['format']['wide'][month]})" if locale else ""
        items.append(f"{english.months['format']['wide'][month]}{named}")
    items += sorted(expected.numbers)
    items += sorted(expected.names)
    items += sorted(expected.links)
    items += sorted(expected.symbols)
    if expected.negated:
        items.append("the negation")
    if expected.later_period and expected.numbers:
        items.append("the time of day (afternoon or evening)")
    return ", ".join(items)


def unsure_note(candidate: Candidate) -> str:
    """Why a kept candidate is unsure, in a few words."""
    reasons = list(candidate.problems[:3])
    if candidate.similarity < MIN_SIMILARITY:
        reasons.append("the meaning may have changed")
    return "; ".join(reasons)

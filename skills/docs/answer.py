"""A grounded answer from retrieved passages: the prompt, the model call, and the citations."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from conversation.llm.base import LLM, ChatMessage, Completion, GenerationOptions
from skills.base import render_prompt
from skills.docs.citations import check_citations, declines
from skills.docs.evidence import Evidence, gather
from skills.docs.grounding import ground
from skills.docs.passage import Passage
from skills.docs.verdict import asks_yes_or_no, decide
from skills.prompts import load_prompts

if TYPE_CHECKING:
    from skills.docs.library import CollectionIndex

ANSWER_TEMPERATURE = 0.0
PROMPTS = load_prompts("docs")
DONT_KNOW = PROMPTS["dont_know"]


@dataclass(frozen=True, slots=True)
class GroundedAnswer:
    """The model's answer, the passages it was given, and which of them it cites."""

    text: str
    """The answer with only valid citation markers left in it."""
    passages: list[Passage]
    cited: list[int]
    """1-based numbers of the passages the answer's markers name (none when it marked none)."""
    prompt: str
    completion: Completion

    @property
    def declined(self) -> bool:
        """True when the answer says the documents do not hold the answer."""
        return declines(self.text)

    @property
    def cited_passages(self) -> list[Passage]:
        """The passages the answer cites, in their numbers' order."""
        return [self.passages[n - 1] for n in self.cited]

    @property
    def citations(self) -> list[dict[str, Any]]:
        """Structured citations for ``Reply.data``."""
        return [
            {
                "n": n,
                "file": self.passages[n - 1].file,
                "page": self.passages[n - 1].page,
                "section": self.passages[n - 1].section,
                "score": round(self.passages[n - 1].score, 4),
            }
            for n in self.cited
        ]

    def render(self) -> str:
        """The answer followed by a Markdown list of the sources it cites (or that it cites none)."""
        if not self.cited:
            return f"{self.text}\n\n{PROMPTS['none_cited']}"
        sources = "\n".join(f"[{n}] {self.passages[n - 1].location}" for n in self.cited)
        return f"{self.text}\n\n**Sources**\n{sources}"


def fit_passages(passages: Sequence[Passage], llm: LLM, budget_tokens: int) -> list[Passage]:
    """The best passages whose text fits in ``budget_tokens`` (always at least the first)."""
    kept: list[Passage] = []
    used = 0
    for passage in passages:
        cost = llm.count_tokens(passage.text)
        if kept and used + cost > budget_tokens:
            break
        kept.append(passage)
        used += cost
    return kept


async def answer_from(
    llm: LLM,
    question: str,
    passages: Sequence[Passage],
    *,
    max_tokens: int,
) -> GroundedAnswer:
    """Ask the model to answer ``question`` from ``passages`` only, citing them by number.

    Markers naming no passage are dropped (:func:`check_citations`); an answer giving a number
    the passages do not, or a blank where its value goes, becomes a don't-know (:func:`ground`).
    """
    sources = "\n\n".join(
        PROMPTS["source"].format(n=n, location=p.location, text=p.text) for n, p in enumerate(passages, 1)
    )
    messages = [
        ChatMessage("system", PROMPTS["system"].strip()),
        ChatMessage("user", PROMPTS["user"].format(sources=sources, question=question)),
    ]
    options = GenerationOptions(temperature=ANSWER_TEMPERATURE, max_tokens=max_tokens)
    completion = await llm.complete(messages, options)
    checked, _ = check_citations(completion.text, len(passages))
    grounded = ground(checked, question, passages)
    text, cited = check_citations(grounded.text, len(passages)) if grounded.answers else (DONT_KNOW, [])
    return GroundedAnswer(
        text=text,
        passages=list(passages),
        cited=cited,
        prompt=render_prompt(messages),
        completion=completion,
    )


async def settle(llm: LLM, question: str, evidence: Evidence) -> GroundedAnswer | None:
    """A yes-or-no question decided from the best statements, quoting the first; None if undecided."""
    statements = [text for _, text in evidence.best]
    decision = await decide(llm, question, statements)
    if decision.verdict is None:
        return None
    n, statement = evidence.best[0]
    text = PROMPTS["verdict"].format(verdict=decision.verdict.capitalize(), statement=statement, n=n)
    return GroundedAnswer(text, evidence.passages, [n], decision.prompt, decision.completion)


async def consult(
    index: CollectionIndex,
    llm: LLM,
    question: str,
    *,
    max_tokens: int,
) -> GroundedAnswer | None:
    """Retrieve and pick the best statements (off the event loop), then answer or decide.

    None when no node's vector is near enough to the question. Nothing is streamed: the answer
    is shown once the checks are done, so a draft they would correct is never seen.
    """
    loop = asyncio.get_running_loop()
    found = await loop.run_in_executor(None, index.find, question)
    passages = sorted(found.passages, key=lambda p: p.score, reverse=True)
    if not passages or found.best_similarity < index.config.min_similarity:
        return None
    evidence = await loop.run_in_executor(None, gather, question, passages)
    if asks_yes_or_no(question):
        settled = await settle(llm, question, evidence)
        if settled is not None:
            return settled
    kept = fit_passages(evidence.passages, llm, index.config.context_tokens)
    return await answer_from(llm, question, kept, max_tokens=max_tokens)

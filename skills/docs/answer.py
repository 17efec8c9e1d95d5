"""A grounded answer from retrieved passages: the prompt, the model call, and the citations."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from conversation.llm.base import LLM, ChatMessage, Completion, GenerationOptions, TokenSink
from skills.base import render_prompt
from skills.docs.passage import Passage

if TYPE_CHECKING:
    from skills.docs.library import CollectionIndex

ANSWER_TEMPERATURE = 0.0
SYSTEM_PROMPT = (
    "You answer questions about the team's documents using only the numbered sources given. "
    "Cite the sources you use in square brackets, like [1]. If the sources do not contain the "
    "answer, say that you don't know. Be concise."
)
_CITATION_MARK = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True, slots=True)
class GroundedAnswer:
    """The model's answer, the passages it was given, and which of them it cites."""

    text: str
    passages: list[Passage]
    cited: list[int]
    """1-based numbers of the passages cited (all of them when the model marked none)."""
    prompt: str
    completion: Completion

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
        """The answer followed by a Markdown list of its sources."""
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
    on_token: TokenSink | None = None,
) -> GroundedAnswer:
    """Ask the model to answer ``question`` from ``passages`` only, citing them by number."""
    sources = "\n\n".join(f"[{n}] ({p.location})\n{p.text}" for n, p in enumerate(passages, 1))
    messages = [
        ChatMessage("system", SYSTEM_PROMPT),
        ChatMessage("user", f"Sources:\n{sources}\n\nQuestion: {question}"),
    ]
    options = GenerationOptions(temperature=ANSWER_TEMPERATURE, max_tokens=max_tokens)
    completion = await llm.complete(messages, options, on_token)
    text = completion.text.strip()
    marked = sorted({int(n) for n in _CITATION_MARK.findall(text) if 1 <= int(n) <= len(passages)})
    return GroundedAnswer(
        text=text,
        passages=list(passages),
        cited=marked or list(range(1, len(passages) + 1)),
        prompt=render_prompt(messages),
        completion=completion,
    )


async def consult(
    index: CollectionIndex,
    llm: LLM,
    question: str,
    *,
    max_tokens: int,
    on_token: TokenSink | None = None,
) -> GroundedAnswer | None:
    """Retrieve (off the event loop), then answer; None when nothing relevant enough was found."""
    found = await asyncio.get_running_loop().run_in_executor(None, index.retrieve, question)
    passages = sorted(found, key=lambda p: p.score, reverse=True)
    if not passages or passages[0].score < index.config.min_similarity:
        return None
    kept = fit_passages(passages, llm, index.config.context_tokens)
    return await answer_from(llm, question, kept, max_tokens=max_tokens, on_token=on_token)

"""The statements of the retrieved passages that bear on a question, ranked by code.

A passage (a sentence window, a chunk) holds a few sentences that answer and many that do not;
a small model given all of them picks the wrong one. Every statement is ranked by its MiniLM
similarity to the question fused with how many of the question's keywords it holds, and only
the best are put before the model, each passage's in document order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

from conversation.llm.embeddings import shared_embedder
from skills.docs.hybrid import fuse, keywords
from skills.docs.passage import Passage
from skills.docs.statements import statements

STATEMENTS_KEPT = 8
"""Statements put before the model (the rest of the passages is left out)."""
GAP = " … "
"""Between two statements of a passage that are not next to each other."""


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of a passage: which passage, where in it, and its text."""

    passage: int
    position: int
    text: str


def ranked_statements(question: str, passages: Sequence[Passage]) -> list[Statement]:
    """Every statement of ``passages`` (each once), the most relevant to ``question`` first."""
    seen: set[str] = set()
    found: list[Statement] = []
    for n, passage in enumerate(passages):
        for position, text in enumerate(statements(passage.text)):
            if text not in seen:
                seen.add(text)
                found.append(Statement(n, position, text))
    if not found:
        return []
    vectors = shared_embedder().encode([question, *(s.text for s in found)])
    similarity = vectors[1:] @ vectors[0]
    wanted = set(keywords(question)[0])
    overlap = [len(wanted & set(words)) for words in keywords([s.text for s in found])]
    by_meaning = [str(i) for i in np.argsort(-similarity, kind="stable")]
    by_words = [str(i) for i in sorted(range(len(found)), key=lambda i: -overlap[i]) if overlap[i]]
    return [found[int(i)] for i, _ in fuse([by_meaning, by_words])]


@dataclass(frozen=True, slots=True)
class Evidence:
    """The passages cut down to their best statements, and those statements, best first."""

    passages: list[Passage]
    best: list[tuple[int, str]]
    """Each kept statement's 1-based passage number (in ``passages``) and text, the best first."""


def gather(question: str, passages: Sequence[Passage], kept: int = STATEMENTS_KEPT) -> Evidence:
    """The passages holding the ``kept`` best statements, cut down to them, best passage first."""
    best = ranked_statements(question, passages)[:kept]
    order = list(dict.fromkeys(s.passage for s in best))
    cut = []
    for n in order:
        mine = sorted((s for s in best if s.passage == n), key=lambda s: s.position)
        text = mine[0].text
        for before, after in pairwise(mine):
            text += (" " if after.position == before.position + 1 else GAP) + after.text
        cut.append(replace(passages[n], text=text))
    return Evidence(cut, [(order.index(s.passage) + 1, s.text) for s in best])

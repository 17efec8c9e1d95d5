"""Keyword search (BM25 over the embedded nodes' text) and reciprocal rank fusion with the vectors.

bm25s is used directly rather than through llama-index's ``BM25Retriever``: that one rebuilds
every hit from a metadata dict and wraps each search in instrumentation spans, while fusion
needs only node ids and the nodes are in our docstore already.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import cache

import bm25s  # type: ignore[import-untyped]
import numpy as np
import Stemmer  # type: ignore[import-not-found]

RRF_K = 60
"""Reciprocal rank fusion's constant (Cormack et al. 2009): a hit at rank r adds 1 / (RRF_K + r)."""
TOKEN_PATTERN = r"(?u)\b\w+\b"
"""Words of one character too: section numbers and versions ("section 3", "GPL 2") are keywords."""


@cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def keywords(texts: str | list[str]) -> list[list[str]]:
    """Lower-cased, stemmed words without English stop words, one list per text."""
    tokens: list[list[str]] = bm25s.tokenize(
        texts,
        token_pattern=TOKEN_PATTERN,
        stopwords="en",
        stemmer=_stemmer(),
        return_ids=False,
        show_progress=False,
    )
    return tokens


class KeywordIndex:
    """BM25 (Lucene variant) over node texts, searched by node id."""

    def __init__(self, node_ids: Sequence[str], texts: Sequence[str]) -> None:
        self.node_ids = list(node_ids)
        self._bm25 = bm25s.BM25()
        tokens = keywords(list(texts))
        if self.node_ids:
            self._bm25.index(tokens, show_progress=False)
        self._vocabulary = {word for text in tokens for word in text}

    def search(self, question: str, k: int, among: Collection[str] | None = None) -> list[tuple[str, float]]:
        """Up to ``k`` node ids (of ``among``) with a positive BM25 score for ``question``, best first."""
        words = [word for word in keywords(question)[0] if word in self._vocabulary]
        if not words or not self.node_ids:
            return []
        mask = None if among is None else np.isin(self.node_ids, list(among)).astype(np.float32)
        found, scores = self._bm25.retrieve(
            [words], k=min(k, len(self.node_ids)), show_progress=False, n_threads=1, weight_mask=mask
        )
        return [
            (self.node_ids[int(i)], float(s))
            for i, s in zip(found[0], scores[0], strict=True)
            if s > 0 and np.isfinite(s)
        ]


def fuse(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of ranked id lists: ids by summed 1 / (k + rank), best first.

    Ties keep the order of first appearance (vector ranking first), so the result is stable.
    """
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, node_id in enumerate(ranking, start=1):
            scores[node_id] = scores.get(node_id, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)

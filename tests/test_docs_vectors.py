"""MatrixVectorStore ranks like a plain numpy cosine search, filters by id, persists and deletes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.types import VectorStoreQuery

from skills.docs.vectors import PARTIAL_SORT_FROM, MatrixVectorStore

ROWS, DIMENSIONS = 40, 16


@pytest.fixture
def embeddings() -> np.ndarray:
    return np.random.default_rng(7).normal(size=(ROWS, DIMENSIONS)).astype(np.float32)


def stored(embeddings: np.ndarray) -> MatrixVectorStore:
    vectors = MatrixVectorStore(dimensions=DIMENSIONS)
    vectors.add(
        [TextNode(id_=f"n{i}", text=f"row {i}", embedding=row.tolist()) for i, row in enumerate(embeddings)]
    )
    return vectors


@pytest.fixture
def store(embeddings: np.ndarray) -> MatrixVectorStore:
    return stored(embeddings)


def reference(embeddings: np.ndarray, query: np.ndarray, ids: list[int]) -> list[tuple[str, float]]:
    """Cosine of each listed row with ``query``, best first: the plain numpy search."""
    rows = embeddings[ids]
    scores = rows @ query / (np.linalg.norm(rows, axis=1) * np.linalg.norm(query))
    return sorted(((f"n{i}", float(s)) for i, s in zip(ids, scores, strict=True)), key=lambda p: -p[1])


@pytest.mark.parametrize("k", [1, 5, ROWS, ROWS + 3])
def test_nearest_matches_a_plain_cosine_search(store, embeddings, k):
    query = np.random.default_rng(k).normal(size=DIMENSIONS).astype(np.float32) * 3.0  # not unit length
    ids, similarities = store.nearest(query, k)
    expected = reference(embeddings, query, list(range(ROWS)))[:k]
    assert ids == [node_id for node_id, _ in expected]
    assert similarities == pytest.approx([score for _, score in expected], abs=1e-5)


@pytest.mark.parametrize("k", [1, 6])
def test_a_large_store_partly_sorted_ranks_the_same(k):
    embeddings = np.random.default_rng(11).normal(size=(PARTIAL_SORT_FROM + 50, DIMENSIONS))
    query = embeddings[17] - embeddings[3]
    ids, similarities = stored(embeddings.astype(np.float32)).nearest(query.astype(np.float32), k)
    expected = reference(embeddings, query, list(range(len(embeddings))))[:k]
    assert ids == [node_id for node_id, _ in expected]
    assert similarities == pytest.approx([score for _, score in expected], abs=1e-5)


def test_nearest_among_searches_only_those_ids(store, embeddings):
    query = embeddings[3] + embeddings[11]
    allowed = [2, 5, 11, 30]
    ids, similarities = store.nearest(query, 10, among=[f"n{i}" for i in allowed] + ["unknown"])
    expected = reference(embeddings, query, allowed)
    assert ids == [node_id for node_id, _ in expected]
    assert similarities == pytest.approx([score for _, score in expected], abs=1e-5)


def test_query_goes_through_nearest_from_a_list(store, embeddings):
    result = store.query(VectorStoreQuery(query_embedding=embeddings[8].tolist(), similarity_top_k=2))
    assert result.ids is not None and result.ids[0] == "n8"
    assert result.similarities is not None and result.similarities[0] == pytest.approx(1.0, abs=1e-5)


def test_an_empty_store_finds_nothing():
    assert MatrixVectorStore(dimensions=DIMENSIONS).nearest(np.ones(DIMENSIONS, np.float32), 3) == ([], [])


def test_deleted_rows_are_never_found_and_persist_round_trips(store, embeddings, tmp_path: Path):
    store.delete_nodes(["n8"])
    store.persist(str(tmp_path / "vectors.npz"))
    loaded = MatrixVectorStore.load(tmp_path / "vectors.npz")
    ids, _ = loaded.nearest(embeddings[8], ROWS)
    assert "n8" not in ids
    assert sorted(ids) == sorted(f"n{i}" for i in range(ROWS) if i != 8)

"""A vector store holding unit vectors in one numpy matrix: exact top-k by one matrix product.

llama-index's SimpleVectorStore rebuilds an array from Python lists and loops per node on
every query; this store keeps the matrix, so a query costs one product and a partial sort.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fsspec
import numpy as np
import numpy.typing as npt
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.schema import BaseNode
from llama_index.core.vector_stores.types import (
    BasePydanticVectorStore,
    MetadataFilters,
    VectorStoreQuery,
    VectorStoreQueryResult,
)

from conversation.llm.embeddings import Vector

Matrix = npt.NDArray[np.float32]
PARTIAL_SORT_FROM = 500
"""Rows from which a partial sort finds the top k sooner than a full one (measured: 5.7 vs 3.3 µs
at 73 rows, 9.6 vs 13 µs at 748)."""


@dataclass(slots=True)
class Rows:
    """Unit vectors, one row per node, with each row's node id and source document id."""

    matrix: Matrix
    ids: list[str] = field(default_factory=list)
    ref_docs: list[str] = field(default_factory=list)


class MatrixVectorStore(BasePydanticVectorStore):
    """Node embeddings as rows of a float32 matrix, ids and source documents beside it.

    They are kept together in one private attribute: pydantic looks each private attribute up
    through ``__getattr__`` (about 2 µs), which a query pays once.
    """

    stores_text: bool = False
    _rows: Rows = PrivateAttr()

    def __init__(self, dimensions: int = 384, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rows = Rows(np.zeros((0, dimensions), dtype=np.float32))

    @property
    def client(self) -> None:
        """No client: the matrix is in this process."""
        return None

    @property
    def matrix(self) -> Matrix:
        """The stored unit vectors, one row per node (read-only view)."""
        view = self._rows.matrix.view()
        view.flags.writeable = False
        return view

    @property
    def ids(self) -> list[str]:
        """The node id of each row, in row order (a copy)."""
        return list(self._rows.ids)

    def add(self, nodes: Sequence[BaseNode], **kwargs: Any) -> list[str]:
        """Append the nodes' embeddings (normalised to unit length)."""
        if not nodes:
            return []
        vectors = np.asarray([node.get_embedding() for node in nodes], dtype=np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        rows = self._rows
        rows.matrix = np.vstack([rows.matrix, vectors])
        rows.ids += [node.node_id for node in nodes]
        rows.ref_docs += [node.ref_doc_id or "" for node in nodes]
        return [node.node_id for node in nodes]

    def delete(self, ref_doc_id: str, **delete_kwargs: Any) -> None:
        """Drop every row that came from ``ref_doc_id``."""
        self._keep([ref != ref_doc_id for ref in self._rows.ref_docs])

    def delete_nodes(
        self,
        node_ids: list[str] | None = None,
        filters: MetadataFilters | None = None,
        **delete_kwargs: Any,
    ) -> None:
        """Drop the rows of ``node_ids`` (unknown ids are ignored)."""
        if filters is not None:
            raise NotImplementedError("MatrixVectorStore keeps no metadata to filter on")
        doomed = set(node_ids or ())
        self._keep([node_id not in doomed for node_id in self._rows.ids])

    def clear(self) -> None:
        """Drop every row."""
        self._keep([False] * len(self._rows.ids))

    def query(self, query: VectorStoreQuery, **kwargs: Any) -> VectorStoreQueryResult:
        """The top-k rows by cosine similarity to the query embedding."""
        if query.query_embedding is None or not self._rows.ids:
            return VectorStoreQueryResult(nodes=[], similarities=[], ids=[])
        vector = np.asarray(query.query_embedding, dtype=np.float32)
        ids, similarities = self.nearest(vector, query.similarity_top_k, query.node_ids)
        return VectorStoreQueryResult(similarities=similarities, ids=ids)

    def nearest(
        self, vector: Vector, k: int, among: Sequence[str] | None = None
    ) -> tuple[list[str], list[float]]:
        """Ids and cosine similarities of the ``k`` rows nearest ``vector``, best first.

        ``among`` limits the search to those ids. Takes the question's vector as it is, with no
        round trip through a Python list as :meth:`query` has.
        """
        rows = self._rows
        ids = rows.ids
        if not ids:
            return [], []
        scores = rows.matrix @ vector
        if among is not None:
            allowed = set(among)
            scores[[i not in allowed for i in ids]] = -np.inf
        top = _best_first(scores, k)
        if among is not None:
            top = top[np.isfinite(scores[top])]
        length = math.sqrt(float(vector @ vector)) or 1.0
        return [ids[i] for i in top.tolist()], (scores[top] / length).tolist()

    def persist(self, persist_path: str, fs: fsspec.AbstractFileSystem | None = None) -> None:
        """Write the matrix and its ids to ``persist_path`` (an .npz archive)."""
        Path(persist_path).parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        rows = self._rows
        np.savez(buffer, matrix=rows.matrix, rows=np.array(json.dumps([rows.ids, rows.ref_docs])))
        Path(persist_path).write_bytes(buffer.getvalue())

    @classmethod
    def load(cls, persist_path: Path) -> MatrixVectorStore:
        """A store read back from :meth:`persist`'s file."""
        with np.load(persist_path) as archive:
            store = cls(dimensions=archive["matrix"].shape[1])
            ids, ref_docs = json.loads(str(archive["rows"]))
            store._rows = Rows(archive["matrix"].astype(np.float32), ids, ref_docs)
        return store

    def _keep(self, mask: list[bool]) -> None:
        rows = self._rows
        rows.matrix = rows.matrix[np.asarray(mask, dtype=bool)] if mask else rows.matrix
        rows.ids = [i for i, keep in zip(rows.ids, mask, strict=True) if keep]
        rows.ref_docs = [r for r, keep in zip(rows.ref_docs, mask, strict=True) if keep]


def _best_first(scores: Matrix, k: int) -> npt.NDArray[np.intp]:
    """Indices of the ``k`` highest ``scores``, highest first (a partial sort when that saves work)."""
    n = len(scores)
    if k >= n or n < PARTIAL_SORT_FROM:
        return np.argsort(scores)[::-1][:k]
    top = np.argpartition(scores, n - k)[n - k :]
    return top[np.argsort(scores[top])[::-1]]

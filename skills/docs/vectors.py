"""A vector store holding unit vectors in one numpy matrix: exact top-k by one matrix product.

llama-index's SimpleVectorStore rebuilds an array from Python lists and loops per node on
every query; this store keeps the matrix, so a query costs one product and a partial sort.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
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

Matrix = npt.NDArray[np.float32]


class MatrixVectorStore(BasePydanticVectorStore):
    """Node embeddings as rows of a float32 matrix, ids and source documents beside it."""

    stores_text: bool = False
    _matrix: Matrix = PrivateAttr()
    _ids: list[str] = PrivateAttr(default_factory=list)
    _ref_docs: list[str] = PrivateAttr(default_factory=list)

    def __init__(self, dimensions: int = 384, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._matrix = np.zeros((0, dimensions), dtype=np.float32)

    @property
    def client(self) -> None:
        """No client: the matrix is in this process."""
        return None

    @property
    def matrix(self) -> Matrix:
        """The stored unit vectors, one row per node (read-only view)."""
        view = self._matrix.view()
        view.flags.writeable = False
        return view

    def add(self, nodes: Sequence[BaseNode], **kwargs: Any) -> list[str]:
        """Append the nodes' embeddings (normalised to unit length)."""
        if not nodes:
            return []
        rows = np.asarray([node.get_embedding() for node in nodes], dtype=np.float32)
        rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
        self._matrix = np.vstack([self._matrix, rows])
        self._ids += [node.node_id for node in nodes]
        self._ref_docs += [node.ref_doc_id or "" for node in nodes]
        return [node.node_id for node in nodes]

    def delete(self, ref_doc_id: str, **delete_kwargs: Any) -> None:
        """Drop every row that came from ``ref_doc_id``."""
        self._keep([ref != ref_doc_id for ref in self._ref_docs])

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
        self._keep([node_id not in doomed for node_id in self._ids])

    def clear(self) -> None:
        """Drop every row."""
        self._keep([False] * len(self._ids))

    def query(self, query: VectorStoreQuery, **kwargs: Any) -> VectorStoreQueryResult:
        """The top-k rows by cosine similarity to the query embedding."""
        if query.query_embedding is None or not self._ids:
            return VectorStoreQueryResult(nodes=[], similarities=[], ids=[])
        vector = np.asarray(query.query_embedding, dtype=np.float32)
        scores = self._matrix @ (vector / max(float(np.linalg.norm(vector)), 1e-12))
        if query.node_ids is not None:
            allowed = set(query.node_ids)
            scores = np.where([i in allowed for i in self._ids], scores, -np.inf)
        k = min(query.similarity_top_k, len(self._ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        top = top[np.isfinite(scores[top])]
        return VectorStoreQueryResult(
            similarities=[float(scores[i]) for i in top], ids=[self._ids[i] for i in top]
        )

    def persist(self, persist_path: str, fs: fsspec.AbstractFileSystem | None = None) -> None:
        """Write the matrix and its ids to ``persist_path`` (an .npz archive)."""
        Path(persist_path).parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez(buffer, matrix=self._matrix, rows=np.array(json.dumps([self._ids, self._ref_docs])))
        Path(persist_path).write_bytes(buffer.getvalue())

    @classmethod
    def load(cls, persist_path: Path) -> MatrixVectorStore:
        """A store read back from :meth:`persist`'s file."""
        with np.load(persist_path) as archive:
            store = cls(dimensions=archive["matrix"].shape[1])
            store._matrix = archive["matrix"].astype(np.float32)
            store._ids, store._ref_docs = json.loads(str(archive["rows"]))
        return store

    def _keep(self, mask: list[bool]) -> None:
        self._matrix = self._matrix[np.asarray(mask, dtype=bool)] if mask else self._matrix
        self._ids = [i for i, keep in zip(self._ids, mask, strict=True) if keep]
        self._ref_docs = [r for r, keep in zip(self._ref_docs, mask, strict=True) if keep]

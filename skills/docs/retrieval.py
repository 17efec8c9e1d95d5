"""The three retrieval methods: how documents become nodes, and how a question finds them."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from llama_index.core import Document, QueryBundle, StorageContext, VectorStoreIndex
from llama_index.core.node_parser import (
    HierarchicalNodeParser,
    SentenceSplitter,
    SentenceWindowNodeParser,
    get_leaf_nodes,
)
from llama_index.core.postprocessor import MetadataReplacementPostProcessor
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.retrievers import AutoMergingRetriever, VectorIndexRetriever
from llama_index.core.schema import BaseNode, MetadataMode, NodeWithScore
from llama_index.core.storage.docstore import SimpleDocumentStore

from conversation.llm.embeddings import Vector, shared_embedder
from skills.docs.config import RetrievalConfig
from skills.docs.hybrid import KeywordIndex, fuse
from skills.docs.passage import Passage
from skills.docs.reading import title_line
from skills.docs.scope import Scope
from skills.docs.vectors import MatrixVectorStore

CHUNK_OVERLAP = 20
FUSION_DEPTH = 4
"""Hybrid: each search ranks ``FUSION_DEPTH * top_k`` nodes for the fusion to choose ``top_k`` from."""

Hit = tuple[BaseNode, float]
"""A node and its similarity to the question."""


@dataclass(frozen=True, slots=True)
class Retrieval:
    """The passages found for a question, and how close the nearest node's vector came to it."""

    passages: list[Passage]
    best_similarity: float
    """Cosine similarity of the question to its nearest embedded node (-1: the index is empty)."""


@dataclass(frozen=True, slots=True)
class NodeSet:
    """The nodes a method makes from documents: those embedded, and every node to keep."""

    embedded: list[BaseNode]
    stored: list[BaseNode]


def split_nodes(documents: Sequence[Document], config: RetrievalConfig) -> NodeSet:
    """Nodes for ``config.method``: chunks, sentences with windows, or a chunk hierarchy."""
    if config.method == "basic":
        nodes = SentenceSplitter(chunk_size=config.chunk_size, chunk_overlap=CHUNK_OVERLAP)
        chunks = nodes.get_nodes_from_documents(documents)
        return NodeSet(chunks, chunks)
    if config.method == "sentence_window":
        windows = SentenceWindowNodeParser.from_defaults(window_size=config.window_size)
        sentences = windows.get_nodes_from_documents(documents)
        return NodeSet(sentences, sentences)
    hierarchy = HierarchicalNodeParser.from_defaults(chunk_sizes=list(config.chunk_sizes))
    every = hierarchy.get_nodes_from_documents(documents)
    return NodeSet(get_leaf_nodes(every), every)


class ParsedOnceDocstore(SimpleDocumentStore):
    """A docstore that parses each node once: llama-index re-parses a node's JSON on every read.

    Reads are every hit, and every parent or neighbour auto-merging looks at. Every read of a
    node returns the same object, so readers must not edit it: :class:`DocsRetriever` copies
    the hits before the postprocessors, which do.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._parsed: dict[str, BaseNode] = {}

    def get_document(self, doc_id: str, raise_error: bool = True) -> BaseNode | None:
        """The node ``doc_id`` (shared, not to be edited), parsed on its first read."""
        node = self._parsed.get(doc_id)
        if node is None:
            node = super().get_document(doc_id, raise_error)
            if node is None:
                return None
            self._parsed[doc_id] = node
        return node

    def add_documents(
        self,
        docs: Sequence[BaseNode],
        allow_update: bool = True,
        batch_size: int | None = None,
        store_text: bool = True,
    ) -> None:
        """Store ``docs``, forgetting any parsed earlier under the same ids."""
        for doc in docs:
            self._parsed.pop(doc.node_id, None)
        super().add_documents(docs, allow_update, batch_size, store_text)

    def delete_document(self, doc_id: str, raise_error: bool = True) -> None:
        """Delete ``doc_id`` and its parsed copy."""
        self._parsed.pop(doc_id, None)
        super().delete_document(doc_id, raise_error)


class MatrixRetriever(VectorIndexRetriever):
    """Top-k search of a :class:`MatrixVectorStore` without llama-index's per-query detours.

    :meth:`nearest` takes the question's vector from the shared MiniLM (not through the
    embedding wrapper's callbacks) and hands it to the store as it is; with a
    :class:`ParsedOnceDocstore` that leaves one matrix product, as in a bare numpy search.
    """

    def __init__(self, index: VectorStoreIndex, top_k: int) -> None:
        super().__init__(index, similarity_top_k=top_k)
        if not isinstance(self._vector_store, MatrixVectorStore):
            raise TypeError(f"MatrixRetriever searches a MatrixVectorStore, not {self._vector_store!r}")
        self._matrix = self._vector_store

    def nearest(self, vector: Vector) -> list[Hit]:
        """The top-k nodes for a question's embedding and their cosine similarity, best first."""
        ids, similarities = self._matrix.nearest(vector, self._similarity_top_k)
        return list(zip(self.nodes(ids), similarities, strict=True))

    def ranked(
        self, vector: Vector, k: int, among: Sequence[str] | None = None
    ) -> tuple[list[str], list[float]]:
        """Ids and cosine similarities of the ``k`` nodes (of ``among``) nearest a question's embedding."""
        return self._matrix.nearest(vector, k, among)

    def nodes(self, ids: Sequence[str]) -> list[BaseNode]:
        """The stored nodes of ``ids``, in order."""
        return self._docstore.get_nodes(list(ids))

    @property
    def node_ids(self) -> list[str]:
        """Every embedded node's id."""
        return self._matrix.ids

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return _scored(self.nearest(embed(query_bundle.query_str)))


class HitMerger(AutoMergingRetriever):
    """llama-index's auto-merging, applied to hits already found.

    Its ``retrieve`` wraps the search and itself in instrumentation spans (each an
    ``inspect.signature`` and a ``uuid4``); :meth:`merge` runs the same steps without them.
    """

    def merge(self, hits: list[Hit], query: QueryBundle) -> list[Hit]:
        """``hits`` with gaps filled and children merged into parents until nothing changes.

        Best first, each node once: ``retrieve``'s steps after the search, in its order.
        """
        merged, changed = self._try_merging(_scored(hits))
        while changed:
            merged, changed = self._try_merging(merged)
        merged.sort(key=lambda hit: hit.get_score(), reverse=True)
        return _unscored(self._handle_recursive_retrieval(query, merged))


class DocsRetriever:
    """One index's way from a question to passages, built once per opened index.

    Hybrid: the vector ranking and a BM25 ranking of the same nodes are fused by reciprocal
    rank, before auto-merging, window replacement and re-ranking, so every method gets it.
    """

    def __init__(self, index: VectorStoreIndex, storage: StorageContext, config: RetrievalConfig) -> None:
        self.search = MatrixRetriever(index, config.top_k)
        self.config = config
        self.merger = (
            HitMerger(self.search, storage, simple_ratio_thresh=config.merge_ratio)
            if config.method == "auto_merging"
            else None
        )
        self.postprocessors = _postprocessors(config)
        self._keywords: KeywordIndex | None = None
        self._scope: Scope | None = None
        self._built_lock = threading.Lock()

    def retrieve(self, question: str, vector: Vector | None = None) -> list[Passage]:
        """The passages for ``question``, best first (see :meth:`find`)."""
        return self.find(question, vector).passages

    def find(self, question: str, vector: Vector | None = None) -> Retrieval:
        """The passages for ``question``, best first, after fusion, merging/windows and re-ranking.

        ``vector`` is the question's MiniLM embedding when the caller has it already.
        """
        depth = self.config.top_k * (FUSION_DEPTH if self.config.hybrid else 1)
        among = self.scope.among(question)
        ids, scores = self.search.ranked(embed(question) if vector is None else vector, depth, among)
        best = scores[0] if scores else -1.0
        if self.config.hybrid:
            found = [node_id for node_id, _ in self.keywords.search(question, depth, among)]
            fused = fuse([ids, found])[: self.config.top_k]
            ids, scores = [node_id for node_id, _ in fused], [score for _, score in fused]
        hits = list(zip(self.search.nodes(ids), scores, strict=True))
        if self.merger is not None or self.postprocessors:
            query = QueryBundle(question)
            if self.merger is not None:
                hits = self.merger.merge(hits, query)
            if self.postprocessors:
                hits = self._postprocess(hits, query)
        return Retrieval([_passage(node, score) for node, score in hits], best)

    @property
    def keywords(self) -> KeywordIndex:
        """BM25 over the embedded nodes' indexed text (headings included), built on first use."""
        with self._built_lock:
            if self._keywords is None:
                ids = self.search.node_ids
                texts = [
                    node.get_content(metadata_mode=MetadataMode.EMBED) for node in self.search.nodes(ids)
                ]
                self._keywords = KeywordIndex(ids, texts)
            return self._keywords

    @property
    def scope(self) -> Scope:
        """Each file's nodes and names: a question naming files is searched in them only."""
        with self._built_lock:
            if self._scope is None:
                nodes = self.search.nodes(self.search.node_ids)
                files = {node.node_id: str(node.metadata.get("file", "")) for node in nodes}
                titles = {str(n.metadata.get("file", "")): title_line(n.metadata) for n in nodes}
                self._scope = Scope(files, titles)
            return self._scope

    def _postprocess(self, hits: list[Hit], query: QueryBundle) -> list[Hit]:
        """``hits`` through the postprocessors, which edit nodes: copies, never the docstore's.

        llama-index wraps each ``_postprocess_nodes`` in an instrumentation span (an
        ``inspect.signature`` and a ``uuid4``: more than the window replacement itself); this
        calls the wrapped function directly, as :class:`HitMerger` does for merging.
        """
        scored = [NodeWithScore(node=node.model_copy(), score=score) for node, score in hits]
        for postprocessor in self.postprocessors:
            scored = inspect.unwrap(type(postprocessor)._postprocess_nodes)(postprocessor, scored, query)
        return _unscored(scored)


def _postprocessors(config: RetrievalConfig) -> list[BaseNodePostprocessor]:
    """Window replacement (sentence_window) and re-ranking, as configured."""
    postprocessors: list[BaseNodePostprocessor] = []
    if config.method == "sentence_window":
        postprocessors.append(MetadataReplacementPostProcessor(target_metadata_key="window"))
    if config.rerank_top_n:
        postprocessors.append(MiniLMRerank(top_n=config.rerank_top_n))
    return postprocessors


class MiniLMRerank(BaseNodePostprocessor):
    """Re-ranks hits by MiniLM similarity of their full (replaced or merged) text to the question.

    No cross-encoder ships offline; scoring the whole window/parent rather than the small
    piece that matched is what this step adds.
    """

    top_n: int = 3

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        if query_bundle is None or not nodes:
            return nodes[: self.top_n]
        texts = [hit.node.get_content(metadata_mode=MetadataMode.NONE) for hit in nodes]
        vectors = shared_embedder().encode([query_bundle.query_str, *texts])
        scores = vectors[1:] @ vectors[0]
        order = np.argsort(-scores)[: self.top_n]
        return [NodeWithScore(node=nodes[i].node, score=float(scores[i])) for i in order]


def embed(question: str) -> Vector:
    """The question's unit vector from the shared MiniLM."""
    vector: Vector = shared_embedder().encode([question])[0]
    return vector


def _scored(hits: list[Hit]) -> list[NodeWithScore]:
    """``hits`` as llama-index's nodes with scores."""
    return [NodeWithScore(node=node, score=score) for node, score in hits]


def _unscored(hits: list[NodeWithScore]) -> list[Hit]:
    """llama-index's nodes with scores as hits (a missing score counts as 0)."""
    return [(hit.node, hit.get_score()) for hit in hits]


def _passage(node: BaseNode, score: float) -> Passage:
    """What ``node`` says and where it came from, ready to cite."""
    metadata = node.metadata
    page = metadata.get("page")
    return Passage(
        text=node.get_content(metadata_mode=MetadataMode.NONE),
        score=score,
        file=str(metadata.get("file", "")),
        page=int(page) if page is not None else None,
        section=metadata.get("section") or None,
        node_id=node.node_id,
    )

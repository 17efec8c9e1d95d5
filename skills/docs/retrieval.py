"""The three retrieval methods: how documents become nodes, and how a question finds them."""

from __future__ import annotations

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
from llama_index.core.vector_stores.types import VectorStoreQuery

from conversation.llm.embeddings import shared_embedder
from skills.docs.config import RetrievalConfig
from skills.docs.passage import Passage

CHUNK_OVERLAP = 20


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

    Reads are every hit, and every parent or neighbour auto-merging looks at. Each read gets a
    copy, since postprocessors edit the nodes they are given.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._parsed: dict[str, BaseNode] = {}

    def get_document(self, doc_id: str, raise_error: bool = True) -> BaseNode | None:
        """The node ``doc_id`` (a copy), parsed on its first read."""
        node = self._parsed.get(doc_id)
        if node is None:
            node = super().get_document(doc_id, raise_error)
            if node is None:
                return None
            self._parsed[doc_id] = node
        return node.model_copy()

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

    The question is embedded by the shared MiniLM directly (not through the embedding wrapper's
    callbacks); with a :class:`ParsedOnceDocstore` that leaves one matrix product, as in a bare
    numpy search.
    """

    def __init__(self, index: VectorStoreIndex, top_k: int) -> None:
        super().__init__(index, similarity_top_k=top_k)

    def search(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        """The top-k hits, best first (what ``retrieve`` returns, minus its instrumentation)."""
        embedding = query_bundle.embedding or shared_embedder().encode([query_bundle.query_str])[0].tolist()
        query = VectorStoreQuery(query_embedding=embedding, similarity_top_k=self._similarity_top_k)
        found = self._vector_store.query(query)
        nodes = self._docstore.get_nodes(found.ids or [])
        return [
            NodeWithScore(node=node, score=score)
            for node, score in zip(nodes, found.similarities or [], strict=True)
        ]

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return self.search(query_bundle)


def retrieve(
    index: VectorStoreIndex, storage: StorageContext, config: RetrievalConfig, question: str
) -> list[Passage]:
    """The passages for ``question``, best first, after window replacement/merging and re-ranking."""
    search = MatrixRetriever(index, config.top_k)
    query = QueryBundle(question)
    hits = (
        AutoMergingRetriever(search, storage, simple_ratio_thresh=config.merge_ratio).retrieve(query)
        if config.method == "auto_merging"
        else search.search(query)
    )
    postprocessors: list[BaseNodePostprocessor] = []
    if config.method == "sentence_window":
        postprocessors.append(MetadataReplacementPostProcessor(target_metadata_key="window"))
    if config.rerank_top_n:
        postprocessors.append(MiniLMRerank(top_n=config.rerank_top_n))
    for postprocessor in postprocessors:
        hits = postprocessor.postprocess_nodes(hits, query_bundle=query)
    return [_passage(hit) for hit in hits]


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


def _passage(hit: NodeWithScore) -> Passage:
    metadata = hit.node.metadata
    page = metadata.get("page")
    return Passage(
        text=hit.node.get_content(metadata_mode=MetadataMode.NONE),
        score=float(hit.score or 0.0),
        file=str(metadata.get("file", "")),
        page=int(page) if page is not None else None,
        section=metadata.get("section") or None,
        node_id=hit.node.node_id,
    )

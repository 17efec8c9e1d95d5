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


def retrieve(
    index: VectorStoreIndex, storage: StorageContext, config: RetrievalConfig, question: str
) -> list[Passage]:
    """The passages for ``question``, best first, after window replacement/merging and re-ranking."""
    search = VectorIndexRetriever(index, similarity_top_k=config.top_k)
    retriever: Any = (
        AutoMergingRetriever(search, storage, simple_ratio_thresh=config.merge_ratio)
        if config.method == "auto_merging"
        else search
    )
    query = QueryBundle(question)
    hits: list[NodeWithScore] = retriever.retrieve(query)
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

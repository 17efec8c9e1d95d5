"""Indexes on disk: one llama-index store per collection and retrieval method, reloaded when changed."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from llama_index.core import Document, StorageContext, VectorStoreIndex, load_index_from_storage

from skills.docs.config import DocsConfig, RetrievalConfig, RetrievalMethod, check_collection_name
from skills.docs.embedding import MiniLMEmbedding
from skills.docs.offline import prepare_offline
from skills.docs.passage import Passage
from skills.docs.retrieval import DocsRetriever, ParsedOnceDocstore, Retrieval, split_nodes
from skills.docs.vectors import MatrixVectorStore

_VECTORS_FILE = "default__vector_store.json"
_DOCSTORE_FILE = "docstore.json"


class CollectionIndex:
    """The persisted index of one collection for one retrieval method."""

    def __init__(self, folder: Path, config: RetrievalConfig) -> None:
        prepare_offline()
        self.folder = folder
        self.config = config
        self._embed_model = MiniLMEmbedding()
        if (folder / _DOCSTORE_FILE).is_file():
            vectors = MatrixVectorStore.load(folder / _VECTORS_FILE)
            self.storage = StorageContext.from_defaults(
                persist_dir=str(folder),
                vector_store=vectors,
                docstore=ParsedOnceDocstore.from_persist_dir(str(folder)),
            )
            self.index: VectorStoreIndex = load_index_from_storage(  # type: ignore[assignment]
                self.storage, embed_model=self._embed_model
            )
        else:
            self.storage = StorageContext.from_defaults(
                vector_store=MatrixVectorStore(), docstore=ParsedOnceDocstore()
            )
            self.index = VectorStoreIndex([], storage_context=self.storage, embed_model=self._embed_model)
        self.retriever = DocsRetriever(self.index, self.storage, config)
        self.loaded_stamp = stamp(folder)

    def add(self, documents: Sequence[Document]) -> list[str]:
        """Split, embed and store ``documents``; the ids of every node stored (parents included)."""
        nodes = split_nodes(documents, self.config)
        self.storage.docstore.add_documents(nodes.stored)
        self.index.insert_nodes(nodes.embedded)
        self.retriever = DocsRetriever(self.index, self.storage, self.config)
        return [node.node_id for node in nodes.stored]

    def remove(self, node_ids: Sequence[str]) -> None:
        """Drop nodes (embedded or not) from the vectors and the docstore."""
        embedded = self.index.index_struct.nodes_dict
        self.index.delete_nodes([i for i in node_ids if i in embedded], delete_from_docstore=True)
        for node_id in node_ids:
            self.storage.docstore.delete_document(node_id, raise_error=False)
        self.retriever = DocsRetriever(self.index, self.storage, self.config)

    def persist(self) -> None:
        """Write the index to its folder."""
        self.storage.persist(persist_dir=str(self.folder))
        self.loaded_stamp = stamp(self.folder)

    def retrieve(self, question: str) -> list[Passage]:
        """The best passages for ``question`` (see :class:`skills.docs.retrieval.DocsRetriever`)."""
        return self.retriever.retrieve(question)

    def find(self, question: str) -> Retrieval:
        """The passages for ``question`` and the nearest node's similarity (for "I don't know")."""
        return self.retriever.find(question)

    @property
    def node_count(self) -> int:
        """Nodes in the docstore (embedded and parents)."""
        return len(self.storage.docstore.docs)


class DocsLibrary:
    """Opens each collection's index once per process; re-opens it after another process wrote it."""

    def __init__(self, config: DocsConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._open: dict[tuple[str, RetrievalMethod], CollectionIndex] = {}

    def index(self, collection: str, method: RetrievalMethod | None = None) -> CollectionIndex:
        """The index of ``collection`` for ``method`` (default: the collection's configured one)."""
        retrieval = self.config.retrieval_for(check_collection_name(collection))
        retrieval = retrieval.using(method) if method else retrieval
        folder = self.config.index_dir / collection / retrieval.method
        key = (collection, retrieval.method)
        with self._lock:
            current = self._open.get(key)
            if current is None or current.loaded_stamp != stamp(folder):
                current = self._open[key] = CollectionIndex(folder, retrieval)
            return current


def stamp(folder: Path) -> int:
    """When the index in ``folder`` was last written (0: never)."""
    try:
        return (folder / _DOCSTORE_FILE).stat().st_mtime_ns
    except FileNotFoundError:
        return 0

"""The docs skill's knobs: which retrieval method per collection, and each method's parameters."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from conversation.errors import BadInput, ConfigError

if TYPE_CHECKING:
    from conversation.settings import Settings

RetrievalMethod = Literal["basic", "sentence_window", "auto_merging"]
METHODS: tuple[RetrievalMethod, ...] = get_args(RetrievalMethod)
_COLLECTION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True, slots=True)
class RetrievalConfig:
    """How one collection is chunked and searched (the course's knobs)."""

    method: RetrievalMethod = "sentence_window"
    top_k: int = 6
    """Nodes fetched by the vector search (auto-merging: leaves, before merging)."""
    chunk_size: int = 512
    """basic: tokens per chunk."""
    window_size: int = 3
    """sentence_window: sentences on each side put back around a hit."""
    chunk_sizes: tuple[int, ...] = (2048, 512, 128)
    """auto_merging: the hierarchy's chunk sizes, largest first; the last level is embedded."""
    merge_ratio: float = 0.5
    """auto_merging: a parent replaces its children when more than this share of them is hit."""
    hybrid: bool = True
    """Fuse a BM25 keyword ranking with the vector ranking (reciprocal rank fusion)."""
    rerank_top_n: int = 0
    """Re-rank the hits by MiniLM similarity of their full text and keep this many (0: off)."""
    min_similarity: float = 0.25
    """Below this best similarity the skill says it does not know."""
    context_tokens: int = 1500
    """Budget for the passages put into the answer prompt."""

    def __post_init__(self) -> None:
        sizes = self.chunk_sizes
        if not sizes or any(a <= b for a, b in pairwise(sizes)):
            raise ConfigError(f"docs_chunk_sizes: must be decreasing, largest first (got {list(sizes)})")

    def using(self, method: RetrievalMethod) -> RetrievalConfig:
        """The same knobs with another method."""
        return replace(self, method=method)

    @property
    def version(self) -> str:
        """A short, stable id of every knob: the app version the leaderboard groups by."""
        digest = hashlib.sha256(repr(sorted(asdict(self).items())).encode()).hexdigest()
        return f"{self.method}-{digest[:8]}"


@dataclass(frozen=True, slots=True)
class DocsConfig:
    """Where indexes live, the default collection, and the retrieval config of each collection."""

    data_dir: Path
    default_collection: str = "default"
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    collection_methods: dict[str, RetrievalMethod] = field(default_factory=dict)
    guide: Path | None = None
    """A folder indexed as the default collection at start while it has no documents (the user guide)."""

    @property
    def index_dir(self) -> Path:
        """The folder holding one sub-folder per collection."""
        return self.data_dir / "docs"

    def retrieval_for(self, collection: str) -> RetrievalConfig:
        """The collection's retrieval config (its own method when configured)."""
        method = self.collection_methods.get(collection, self.retrieval.method)
        return self.retrieval.using(method)


def docs_config(settings: Settings) -> DocsConfig:
    """The docs configuration from the settings' ``docs_*`` block."""
    retrieval = RetrievalConfig(
        method=settings.docs_method,
        top_k=settings.docs_top_k,
        chunk_size=settings.docs_chunk_size,
        window_size=settings.docs_window_size,
        chunk_sizes=tuple(settings.docs_chunk_sizes),
        rerank_top_n=settings.docs_rerank_top_n,
        min_similarity=settings.docs_min_similarity,
        context_tokens=settings.docs_context_tokens,
    )
    return DocsConfig(
        data_dir=settings.data_dir,
        default_collection=check_collection_name(settings.docs_collection),
        retrieval=retrieval,
        collection_methods=dict(settings.docs_collection_methods),
        guide=settings.docs_guide,
    )


def check_collection_name(name: str) -> str:
    """``name`` if it is a valid collection name (letters, digits, ``_ . -``; at most 64)."""
    if not _COLLECTION_NAME.match(name):
        raise BadInput(f"collection {name!r}: use letters, digits, '_', '.' or '-' (at most 64)")
    return name

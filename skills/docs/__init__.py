"""docs (RAG): ingestion, per-collection indexes, three retrieval methods, cited answers, the triad.

Light to import: llama-index and TruLens load only when a collection is opened or evaluated.
The heavy modules are imported by path: ``skills.docs.ingest``, ``skills.docs.library``,
``skills.docs.evaluation``, ``skills.docs.report``.
"""

from skills.docs.config import METHODS, DocsConfig, RetrievalConfig, RetrievalMethod, docs_config
from skills.docs.passage import Passage
from skills.docs.skill import DocsSkill

__all__ = [
    "METHODS",
    "DocsConfig",
    "DocsSkill",
    "Passage",
    "RetrievalConfig",
    "RetrievalMethod",
    "docs_config",
]

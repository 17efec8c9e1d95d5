"""all-MiniLM-L6-v2 (our shared embedder) as a llama-index embedding model."""

from __future__ import annotations

from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding

from conversation.llm.embeddings import shared_embedder


class MiniLMEmbedding(BaseEmbedding):
    """Unit vectors from the PyPI-packaged MiniLM; never touches a model hub."""

    model_name: str = "all-MiniLM-L6-v2"

    def _get_query_embedding(self, query: str) -> Embedding:
        return self._get_text_embeddings([query])[0]

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        vectors: list[Embedding] = shared_embedder().encode(texts).tolist()
        return vectors

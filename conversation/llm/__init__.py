"""LLM backends behind one interface, chosen by ``CHATWRIGHT_MODEL``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from conversation.llm.base import LLM, ChatMessage, Completion, GenerationOptions, TokenSink
from conversation.llm.fake import FakeLLM
from conversation.settings import Settings

if TYPE_CHECKING:
    from conversation.llm.embedded import LlamaCppBackend

OPENAI_PREFIX = "openai:"


def make_llm(settings: Settings) -> LLM:
    """The backend for ``settings.model``: fake, openai:<model>, or a GGUF served with its promoted LoRA."""
    if settings.model == "fake":
        return FakeLLM()
    if settings.model.startswith(OPENAI_PREFIX):
        from conversation.llm.openai_backend import OpenAIBackend  # noqa: PLC0415 - optional path

        return OpenAIBackend(
            model=settings.model.removeprefix(OPENAI_PREFIX),
            base_url=settings.openai_base_url,
            api_key=settings.openai_api_key.get_secret_value(),
            timeout_s=settings.llm_timeout_s,
        )
    from conversation.llm.models import promoted_version  # noqa: PLC0415
    from storage import create_database_engine  # noqa: PLC0415

    served = promoted_version(create_database_engine(settings.resolved_database_url), settings.model)
    return embedded_llm(settings, served.adapter_path, served.version)


def embedded_llm(settings: Settings, adapter: Path | None, version: str) -> LlamaCppBackend:
    """The configured GGUF model served with ``adapter`` (None: the plain base) as ``version``."""
    from conversation.llm.embedded import LlamaCppBackend  # noqa: PLC0415 - loads llama.cpp
    from conversation.llm.models import resolve_model_path  # noqa: PLC0415

    return LlamaCppBackend(
        model_path=resolve_model_path(settings.model, settings.resolved_cache_dir),
        name=settings.model,
        n_ctx=settings.context_window,
        n_threads=settings.llm_threads,
        timeout_s=settings.llm_timeout_s,
        kv_cache_bytes=settings.kv_cache_mb * 1024 * 1024,
        lora_path=adapter,
        version=version,
    )


__all__ = [
    "LLM",
    "ChatMessage",
    "Completion",
    "FakeLLM",
    "GenerationOptions",
    "TokenSink",
    "embedded_llm",
    "make_llm",
]

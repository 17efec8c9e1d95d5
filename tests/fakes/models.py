"""The real embedded test model (smollm2-135m), built the same way by every test that needs it."""

from __future__ import annotations

from pathlib import Path

from conversation.llm.embedded import LlamaCppBackend
from conversation.llm.models import resolve_model_path

GENEROUS_TIMEOUT_S = 600.0
"""Tests check what the model produces, not how fast: a busy CI machine must not fail them."""


def small_model(cache_dir: Path, n_ctx: int = 1024) -> LlamaCppBackend:
    """smollm2-135m on two threads, with a timeout no busy machine reaches."""
    path = resolve_model_path("smollm2-135m", cache_dir)
    return LlamaCppBackend(path, "smollm2-135m", n_ctx=n_ctx, n_threads=2, timeout_s=GENEROUS_TIMEOUT_S)
